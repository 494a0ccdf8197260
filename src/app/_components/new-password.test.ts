import { describe, expect, it } from "vitest";

import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "~/contract/password-policy";
import { newPasswordProblem } from "./new-password";

describe("newPasswordProblem", () => {
  it("accepts a password within the policy, typed twice", () => {
    expect(newPasswordProblem("x".repeat(MIN_PASSWORD_LENGTH), "x".repeat(MIN_PASSWORD_LENGTH))).toBeNull();
    expect(newPasswordProblem("x".repeat(MAX_PASSWORD_LENGTH), "x".repeat(MAX_PASSWORD_LENGTH))).toBeNull();
  });

  it("says what is wrong, length first", () => {
    const short = "x".repeat(MIN_PASSWORD_LENGTH - 1);
    expect(newPasswordProblem(short, "other")).toBe("Password too short: use at least 8 characters.");
    const long = "x".repeat(MAX_PASSWORD_LENGTH + 1);
    expect(newPasswordProblem(long, long)).toBe("Password too long: use at most 128 characters.");
    expect(newPasswordProblem("correct horse", "correct horse ")).toBe(
      "The two passwords are not the same: type the new one twice.",
    );
  });
});
