import { describe, expect, it } from "vitest";

import { uploadProgressLabel } from "./upload-progress";

describe("uploadProgressLabel", () => {
  it("says an upload waiting for a free slot is waiting, not 0% sent", () => {
    expect(uploadProgressLabel({ size: 1_000, loaded: 0, started: false })).toBe("Waiting for the uploads before it…");
  });

  it("gives a started upload's share sent, rounded down", () => {
    expect(uploadProgressLabel({ size: 1_000, loaded: 0, started: true })).toBe("0% sent");
    expect(uploadProgressLabel({ size: 1_000, loaded: 999, started: true })).toBe("99% sent");
    expect(uploadProgressLabel({ size: 0, loaded: 0, started: true })).toBe("0% sent");
  });
});
