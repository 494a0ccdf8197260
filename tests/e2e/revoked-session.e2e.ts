import { afterAll, beforeAll, expect, test } from "vitest";

import { signOut, signUp, workerToken } from "../../tooling/app-client";
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
  const user = await signUp(stack.webUrl, "replayed");
  const { cookie, email, name } = user;
  const token = await workerToken(stack.webUrl, cookie);

  const dashboard = () => fetch(`${stack.webUrl}/dashboard`, { headers: { cookie }, redirect: "manual" });
  const me = () => fetch(`${stack.webUrl}/api/trpc/session.me`, { headers: { cookie } });
  const whoami = () => fetch(`${stack.workerUrl}/trpc/whoami`, { headers: { authorization: `Bearer ${token}` } });

  // Signed in: all three work.
  const before = await dashboard();
  expect(before.status).toBe(200);
  expect(await before.text()).toContain(email);
  expect((await me()).status).toBe(200);
  expect((await whoami()).status).toBe(200);

  await signOut(stack.webUrl, user);

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
