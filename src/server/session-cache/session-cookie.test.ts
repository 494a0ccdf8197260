import { describe, expect, it } from "vitest";

import { singleCookieValue } from "./session-cookie";

const NAME = "better-auth.session_token";

describe("singleCookieValue", () => {
  it("finds the cookie's raw value among others, as sent", () => {
    expect(singleCookieValue(`a=1; ${NAME}=tok.sig%3D; b=2`, NAME)).toBe("tok.sig%3D");
    expect(singleCookieValue(`${NAME}= tok.sig ;x=y`, NAME)).toBe("tok.sig");
  });

  it("is undefined without the cookie, or with an empty one", () => {
    expect(singleCookieValue(null, NAME)).toBeUndefined();
    expect(singleCookieValue("a=1", NAME)).toBeUndefined();
    expect(singleCookieValue(`${NAME}=`, NAME)).toBeUndefined();
  });

  it("does not match a longer or prefixed name", () => {
    expect(singleCookieValue(`__Secure-${NAME}=x; ${NAME}x=y`, NAME)).toBeUndefined();
  });

  it("leaves a cookie sent twice to Better Auth (parsers disagree on which counts)", () => {
    expect(singleCookieValue(`${NAME}=a; ${NAME}=b`, NAME)).toBeUndefined();
    expect(singleCookieValue(`${NAME}=a; ${NAME}=a`, NAME)).toBeUndefined();
  });
});
