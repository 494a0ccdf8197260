import { describe, expect, it } from "vitest";

import { withoutSessionTokens } from "./hide-session-tokens";

describe("withoutSessionTokens", () => {
  const user = { id: "u1", email: "ada@example.test" };

  it.each([
    ["sign-in / sign-up", { redirect: false, token: "t1", url: null, user }, { redirect: false, url: null, user }],
    [
      "get-session",
      { session: { id: "s1", token: "t1", userId: "u1" }, user },
      { session: { id: "s1", userId: "u1" }, user },
    ],
    [
      "list-sessions",
      [
        { id: "s1", token: "t1" },
        { id: "s2", token: "t2" },
      ],
      [{ id: "s1" }, { id: "s2" }],
    ],
    ["change-password (a new session)", { token: "t3", user }, { user }],
  ])("strips the token from %s", (_, body, expected) => {
    expect(withoutSessionTokens(body)).toEqual(expected);
  });

  it.each([
    ["nothing (signed out)", null],
    ["a body with no token", { success: true }],
    ["a session without one", { session: { id: "s1" }, user }],
    ["a list without any", [{ id: "s1" }]],
    ["text", "OK"],
  ])("hands back %s as it was", (_, body) => {
    expect(withoutSessionTokens(body)).toBe(body);
  });

  it("leaves the original untouched", () => {
    const body = { session: { id: "s1", token: "t1" }, user };
    withoutSessionTokens(body);
    expect(body.session.token).toBe("t1");
  });
});
