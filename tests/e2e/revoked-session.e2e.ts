import { randomBytes } from "node:crypto";

import { afterAll, beforeAll, expect, test } from "vitest";

import { startStack, type Stack } from "./stack";

// What someone who copied a user's cookies and worker token gets once the
// user has signed out, from the production build: no page with the user's
// data, no API answer, no worker call.

let stack: Stack;

beforeAll(async () => {
  stack = await startStack("revoked-session");
});

afterAll(async () => {
  await stack?.stop();
});

test("a signed-out session's replayed cookies and token get nothing personal, at once", async () => {
  const email = `replay-${randomBytes(4).toString("hex")}@example.com`;
  const name = "Replayed Person";
  const origin = { origin: stack.webUrl };

  const signUp = await fetch(`${stack.webUrl}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { ...origin, "content-type": "application/json" },
    body: JSON.stringify({ email, name, password: "correct horse battery" }),
  });
  expect(signUp.status).toBe(200);
  const cookie = signUp.headers
    .getSetCookie()
    .map((line) => line.split(";", 1)[0])
    .join("; ");

  const dashboard = () => fetch(`${stack.webUrl}/dashboard`, { headers: { cookie }, redirect: "manual" });
  const me = () => fetch(`${stack.webUrl}/api/trpc/session.me`, { headers: { cookie } });
  const exchange = await fetch(`${stack.webUrl}/api/trpc/auth.workerToken`, {
    method: "POST",
    headers: { ...origin, cookie, "content-type": "application/json" },
    body: JSON.stringify({ json: null }),
  });
  const { token } = ((await exchange.json()) as { result: { data: { json: { token: string } } } }).result.data.json;
  const whoami = () => fetch(`${stack.workerUrl}/trpc/whoami`, { headers: { authorization: `Bearer ${token}` } });

  // Signed in: all three work.
  const before = await dashboard();
  expect(before.status).toBe(200);
  expect(await before.text()).toContain(email);
  expect((await me()).status).toBe(200);
  expect((await whoami()).status).toBe(200);

  const signOut = await fetch(`${stack.webUrl}/api/auth/sign-out`, {
    method: "POST",
    headers: { ...origin, cookie, "content-type": "application/json" },
    body: "{}",
  });
  expect(signOut.status).toBe(200);

  // The same cookies, right after: the page redirects and shows nothing of the user.
  const after = await dashboard();
  expect(after.status).toBe(307);
  expect(after.headers.get("location")).toMatch(/\/sign-in$/);
  const body = await after.text();
  expect(body).not.toContain(email);
  expect(body).not.toContain(name);
  expect((await me()).status).toBe(401);
  // The worker learns within its poll interval (250 ms).
  await expect.poll(async () => (await whoami()).status, { timeout: 1_000, interval: 50 }).toBe(401);
  expect((await (await whoami()).json()) as unknown).toMatchObject({ error: { data: { reason: "revoked" } } });
});
