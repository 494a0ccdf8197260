import { describe, expect, it } from "vitest";

import { ipRuleFor, isPasswordCheck, isSecondFactorCheck } from "./rules";

describe("ipRuleFor", () => {
  it.each([
    ["/sign-in/email", "password", 10],
    ["/sign-in/social", "password", 10],
    ["/change-password", "password", 10],
    ["/verify-password", "password", 10],
    ["/two-factor/enable", "password", 10],
    ["/two-factor/disable", "password", 10],
    ["/two-factor/verify-totp", "second-factor", 10],
    ["/two-factor/verify-backup-code", "second-factor", 10],
    ["/sign-up/email", "sign-up", 5],
    ["/passkey/generate-authenticate-options", "passkey", 30],
    ["/passkey/verify-authentication", "passkey", 30],
    ["/passkey/generate-register-options", "other", 100],
    ["/get-session", "other", 100],
    ["/no/such/route", "other", 100],
  ])("%s: the %s budget, %i a minute", (path, scope, max) => {
    expect(ipRuleFor(path)).toMatchObject({ scope, max, window: 60 });
  });
});

it("leaves the public key set unlimited: workers sharing an address refetch it on every rotation", () => {
  expect(ipRuleFor("/jwks")).toBeUndefined();
});

describe("isPasswordCheck", () => {
  it("is the routes that compare a password", () => {
    expect(["/sign-in/email", "/change-password", "/verify-password"].every(isPasswordCheck)).toBe(true);
    expect(["/sign-up/email", "/sign-in/social", "/get-session", undefined].some(isPasswordCheck)).toBe(false);
  });
});

describe("isSecondFactorCheck", () => {
  it("is the routes that check a two-factor code, and not the settings behind the password", () => {
    expect(["/two-factor/verify-totp", "/two-factor/verify-backup-code"].every(isSecondFactorCheck)).toBe(true);
    expect(["/two-factor/enable", "/two-factor/disable", "/sign-in/email", undefined].some(isSecondFactorCheck)).toBe(
      false,
    );
  });
});
