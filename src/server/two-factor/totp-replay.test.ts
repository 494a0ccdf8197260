import { describe, expect, it } from "vitest";

import { hotp, matchingStep } from "./totp-replay";

// RFC 6238 appendix B's SHA-1 secret, as Better Auth's createOTP takes a
// secret: its UTF-8 bytes.
const SECRET = "12345678901234567890";

describe("hotp", () => {
  it.each([
    [59, "287082"],
    [1111111109, "081804"],
    [1234567890, "005924"],
    [2000000000, "279037"],
  ])("at %i s is RFC 6238's code, in 6 digits: %s", (seconds, code) => {
    expect(hotp(SECRET, Math.floor(seconds / 30))).toBe(code);
  });
});

describe("matchingStep", () => {
  const now = 1111111109_000;
  const step = Math.floor(now / 30_000);

  it("finds the step of a code from the current step or one either side", () => {
    for (const offset of [-1, 0, 1]) expect(matchingStep(SECRET, hotp(SECRET, step + offset), now)).toBe(step + offset);
  });

  it("finds none for a code two steps away or a wrong one", () => {
    expect(matchingStep(SECRET, hotp(SECRET, step - 2), now)).toBeNull();
    expect(matchingStep(SECRET, hotp(SECRET, step + 2), now)).toBeNull();
    expect(matchingStep(SECRET, "12345", now)).toBeNull();
  });
});
