import { describe, expect, it } from "vitest";

import { UPLOAD_ACCEPT } from "./upload-formats";

describe("UPLOAD_ACCEPT", () => {
  it("names JPEG as its first image type, so Safari converts a HEIC photo to JPEG rather than something else", () => {
    const imageTypes = UPLOAD_ACCEPT.split(",").filter((type) => type.startsWith("image/"));
    expect(imageTypes[0]).toBe("image/jpeg");
    expect(imageTypes).not.toContain("image/*");
    expect(imageTypes).not.toContain("image/heic");
  });
});
