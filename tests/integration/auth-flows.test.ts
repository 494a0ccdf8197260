import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";

import { createCaller } from "~/server/api/root";
import { createTRPCContext } from "~/server/api/trpc";
import { auth } from "~/server/auth";
import { db } from "~/server/db/prisma";
import { TEST_PASSWORD, TestBrowser, uniqueEmail } from "../support/test-browser";

const password = TEST_PASSWORD;

async function meAs(browser: TestBrowser) {
  return createCaller(await createTRPCContext({ headers: browser.headers() })).session.me();
}

describe("email + password auth", () => {
  it("signs up, holds a session, and protectedProcedure returns that user", async () => {
    const browser = new TestBrowser();
    const { email } = await browser.signUp();

    const me = await meAs(browser);
    expect(me.user).toMatchObject({ email, name: "Ada Lovelace" });
    expect(me.session.expiresAt.getTime()).toBeGreaterThan(Date.now());

    const stored = await db.session.findUnique({ where: { id: me.session.id } });
    expect(stored?.userId).toBe(me.user.id);
  });

  it("answers UNAUTHORIZED without a session", async () => {
    const error = await meAs(new TestBrowser()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe("UNAUTHORIZED");
  });

  it("rejects a duplicate email with a readable message, keeping the first account", async () => {
    const { email } = await new TestBrowser().signUp();
    const second = await new TestBrowser().post("/sign-up/email", { name: "Someone Else", email, password });

    expect(second.status).toBe(422);
    expect(second.json).toMatchObject({ code: "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL" });
    expect(second.json?.message).toMatch(/already exists/i);
    expect(await db.user.count({ where: { email } })).toBe(1);
  });

  it("rejects a weak password with a readable message and creates nothing", async () => {
    const email = uniqueEmail("weak");
    const result = await new TestBrowser().post("/sign-up/email", { name: "Weak", email, password: "short" });

    expect(result.status).toBe(400);
    expect(result.json).toMatchObject({ code: "PASSWORD_TOO_SHORT" });
    expect(result.json?.message).toMatch(/password too short/i);
    expect(await db.user.count({ where: { email } })).toBe(0);
  });

  it("rejects a wrong password and accepts the right one", async () => {
    const { email } = await new TestBrowser().signUp();
    const browser = new TestBrowser();

    const wrong = await browser.post("/sign-in/email", { email, password: "not the password" });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toMatchObject({ code: "INVALID_EMAIL_OR_PASSWORD" });

    const right = await browser.post("/sign-in/email", { email, password });
    expect(right.status).toBe(200);
    expect((await meAs(browser)).user.email).toBe(email);
  });

  it("sign-out deletes the session: neither the browser nor a replayed cookie gets back in", async () => {
    const browser = new TestBrowser();
    await browser.signUp();
    const { session } = await meAs(browser);
    const stolenCookie = browser.cookie;

    const out = await browser.post("/sign-out");
    expect(out.status).toBe(200);

    expect(await db.session.findUnique({ where: { id: session.id } })).toBeNull();
    await expect(meAs(browser)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    // A copy of the old cookie is only good for the cookie cache's lifetime; a
    // lookup that skips the cache must find nothing.
    const replayed = await auth.api.getSession({
      headers: new Headers({ cookie: stolenCookie }),
      query: { disableCookieCache: true },
    });
    expect(replayed).toBeNull();
  });
});
