import { describe, expect, it } from "vitest";

import { signInErrorInWords } from "./sign-in-errors";

describe("signInErrorInWords", () => {
  it("tells the owner of an existing address what to do: password first, then link", () => {
    expect(signInErrorInWords("account_not_linked", "Example ID")).toContain(
      "Sign in with your password, then link Example ID under Account settings → Sign-in methods.",
    );
  });

  it("gives each refusal the callback makes its own words", () => {
    const codes = ["account_not_linked", "unable_to_link_account", "email_not_verified_by_provider", "state_mismatch"];
    const words = codes.map((code) => signInErrorInWords(code, "Example ID"));
    expect(new Set(words).size).toBe(codes.length);
    expect(signInErrorInWords("invalid_code", "Example ID")).toBe(
      signInErrorInWords("unable_to_get_user_info", "Example ID"),
    );
  });

  it("never repeats what the URL said", () => {
    const code = "<script>alert(1)</script>";
    expect(signInErrorInWords(code, "Example ID")).not.toContain(code);
    expect(signInErrorInWords(code, "Example ID")).toBe(
      "Sign-in with Example ID did not work. Start again, or sign in with your password.",
    );
  });
});
