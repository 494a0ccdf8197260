import { createOTP } from "@better-auth/utils/otp";
import { describe, expect, it } from "vitest";

import { matchingStep, TOTP_DIGITS, TOTP_PERIOD_SECONDS } from "./totp-replay";

// RFC 6238 appendix B's SHA-1 secret, as Better Auth's createOTP takes a
// secret: its UTF-8 bytes.
const SECRET = "12345678901234567890";
const hotp = (step: number) => createOTP(SECRET, { digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS }).hotp(step);

describe("the plugin's OTP, as the guard uses it", () => {
  it.each([
    [59, "287082"],
    [1111111109, "081804"],
    [1234567890, "005924"],
    [2000000000, "279037"],
  ])("at %i s is RFC 6238's code, in 6 digits: %s", async (seconds, code) => {
    expect(await hotp(Math.floor(seconds / 30))).toBe(code);
  });
});

describe("matchingStep", () => {
  const now = 1111111109_000;
  const step = Math.floor(now / 30_000);

  it("finds the step of a code from the current step or one either side", async () => {
    for (const offset of [-1, 0, 1])
      expect(await matchingStep(SECRET, await hotp(step + offset), now)).toBe(step + offset);
  });

  it("finds none for a code two steps away or a wrong one", async () => {
    expect(await matchingStep(SECRET, await hotp(step - 2), now)).toBeNull();
    expect(await matchingStep(SECRET, await hotp(step + 2), now)).toBeNull();
    expect(await matchingStep(SECRET, "12345", now)).toBeNull();
  });
});
