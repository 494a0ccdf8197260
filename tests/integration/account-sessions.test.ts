import { describe, expect, it } from "vitest";

import { createCaller } from "~/server/api/root";
import { createTRPCContext } from "~/server/api/trpc";
import { db } from "~/server/db/prisma";
import { workerTokenCache } from "~/server/worker-token-cache";
import { TEST_PASSWORD, TestBrowser } from "../support/test-browser";

// The account page's sessions: account.sessions lists the caller's own,
// account.revokeSession signs one of them out through Better Auth.

const CHROME_ON_LINUX =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36";

async function accountOf(browser: TestBrowser) {
  return createCaller(await createTRPCContext({ headers: browser.headers() })).account;
}

async function meAs(browser: TestBrowser) {
  return createCaller(await createTRPCContext({ headers: browser.headers() })).session.me();
}

/** One user signed in twice (a phone with Chrome's header, a laptop with none), and a stranger. */
async function twoSessionsAndAStranger() {
  const laptop = new TestBrowser();
  const { email } = await laptop.signUp();
  const phone = new TestBrowser();
  const signIn = await phone.post(
    "/sign-in/email",
    { email, password: TEST_PASSWORD },
    { headers: { "user-agent": CHROME_ON_LINUX } },
  );
  expect(signIn.status).toBe(200);
  const stranger = new TestBrowser();
  await stranger.signUp();
  return {
    laptop,
    phone,
    stranger,
    laptopSession: (await meAs(laptop)).session.id,
    phoneSession: (await meAs(phone)).session.id,
    strangerSession: (await meAs(stranger)).session.id,
  };
}

describe("account.sessions", () => {
  it("lists the caller's own sessions, this one first, in words, with no token anywhere", async () => {
    const { laptop, phone, laptopSession, phoneSession, strangerSession } = await twoSessionsAndAStranger();

    const sessions = await (await accountOf(laptop)).sessions();
    expect(sessions.map((session) => session.id)).toEqual([laptopSession, phoneSession]);
    expect(sessions[0]).toMatchObject({ current: true, device: "Unknown browser", ipAddress: laptop.ip });
    expect(sessions[1]).toMatchObject({ current: false, device: "Chrome 140 on Linux", ipAddress: phone.ip });
    expect(sessions[1]!.createdAt).toBeInstanceOf(Date);
    expect(sessions[1]!.lastActive).toBeInstanceOf(Date);
    expect(Object.keys(sessions[0]!).sort()).toEqual([
      "createdAt",
      "current",
      "device",
      "id",
      "ipAddress",
      "lastActive",
    ]);

    const tokens = await db.session.findMany({ select: { token: true } });
    const answer = JSON.stringify(sessions);
    for (const { token } of tokens) expect(answer).not.toContain(token);
    expect(answer).not.toContain(strangerSession);

    // The other browser sees the same two, itself first.
    expect((await (await accountOf(phone)).sessions()).map((session) => [session.id, session.current])).toEqual([
      [phoneSession, true],
      [laptopSession, false],
    ]);
  });

  it("gives no address when none was recorded", async () => {
    const { laptop, phoneSession } = await twoSessionsAndAStranger();
    for (const recorded of ["", null]) {
      await db.session.update({ where: { id: phoneSession }, data: { ipAddress: recorded } });
      const phone = (await (await accountOf(laptop)).sessions()).find((session) => session.id === phoneSession);
      expect(phone?.ipAddress).toBeNull();
    }
  });

  it("leaves out sessions that have expired", async () => {
    const { laptop, phoneSession } = await twoSessionsAndAStranger();
    await db.session.update({ where: { id: phoneSession }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await (await accountOf(laptop)).sessions()).map((session) => session.id)).not.toContain(phoneSession);
  });

  it("is for signed-in users only", async () => {
    await expect((await accountOf(new TestBrowser())).sessions()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});

describe("account.revokeSession", () => {
  it("signs the other session out: its cookie gets UNAUTHORIZED next, its worker token is dropped", async () => {
    const { laptop, phone, phoneSession } = await twoSessionsAndAStranger();
    // What the server link would hold for the phone's session: Better Auth's hooks must drop it.
    await workerTokenCache.get(phoneSession, async () => ({ token: "not.a.token", expiresAt: Date.now() + 600_000 }));

    expect(await (await accountOf(laptop)).revokeSession({ sessionId: phoneSession })).toEqual({
      revoked: phoneSession,
    });

    expect(await db.session.findUnique({ where: { id: phoneSession } })).toBeNull();
    expect(workerTokenCache.has(phoneSession)).toBe(false);
    await expect(meAs(phone)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect((await accountOf(phone)).sessions()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    // The caller's own session goes on.
    expect(await (await accountOf(laptop)).sessions()).toHaveLength(1);
  });

  it("refuses another user's session exactly as it refuses an id that does not exist, and ends neither", async () => {
    const { laptop, stranger, strangerSession } = await twoSessionsAndAStranger();
    const account = await accountOf(laptop);

    const someoneElses = await account.revokeSession({ sessionId: strangerSession }).catch((error: unknown) => error);
    const unknown = await account.revokeSession({ sessionId: "no-such-session" }).catch((error: unknown) => error);
    expect(someoneElses).toMatchObject({
      code: "NOT_FOUND",
      message: "That session has ended already, or it is not one of yours.",
    });
    expect(unknown).toMatchObject({ code: "NOT_FOUND", message: (someoneElses as Error).message });

    expect(await db.session.findUnique({ where: { id: strangerSession } })).not.toBeNull();
    expect((await meAs(stranger)).session.id).toBe(strangerSession);
  });

  it("refuses the caller's own session in words: that is signing out", async () => {
    const { laptop, laptopSession } = await twoSessionsAndAStranger();
    await expect((await accountOf(laptop)).revokeSession({ sessionId: laptopSession })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "That is the session you are using now: to end it, sign out.",
    });
    expect((await meAs(laptop)).session.id).toBe(laptopSession);
  });

  it("refuses an empty or oversized id as bad input, and a signed-out caller", async () => {
    const { laptop, phoneSession } = await twoSessionsAndAStranger();
    const account = await accountOf(laptop);
    await expect(account.revokeSession({ sessionId: "" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(account.revokeSession({ sessionId: "x".repeat(201) })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect((await accountOf(new TestBrowser())).revokeSession({ sessionId: phoneSession })).rejects.toMatchObject(
      { code: "UNAUTHORIZED" },
    );
    expect(await db.session.findUnique({ where: { id: phoneSession } })).not.toBeNull();
  });
});
