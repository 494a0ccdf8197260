import { afterAll, beforeAll, expect, test } from "vitest";

import { postFromPage, signUp, workerToken } from "../../tooling/app-client";
import { startStack, type Stack } from "./stack";

// What a client can make the production build print, read back from its
// processes' own output: values with a newline (a forged JSON record after
// it) and requests that make a dependency complain, from Better Auth's
// origin checks to Next.js's Server Action lookup. Every line must be one
// JSON record of the app's loggers, the client's text inside a field.

/** What the attacker hopes to see as a record of its own: a fatal line from the web tier. */
const FORGED = JSON.stringify({ level: 60, time: Date.now(), service: "web", msg: "forged: admin signed in" });
/** Next's start-up banner ("▲ Next.js 16…", "- Local: …", "✓ Ready in …"), printed before the app's code runs. */
const NEXT_BANNER = /^(▲|-|✓) /;

let stack: Stack;

beforeAll(async () => {
  stack = await startStack("log-lines");
});

afterAll(async () => {
  await stack?.stop();
});

interface LogRecord {
  level: number;
  msg: string;
  component?: string;
  value?: string;
}

/** The records of a process's output (stdout and stderr); fails on any line after Next's banner that is not one JSON record. */
async function recordsOf(output: string): Promise<LogRecord[]> {
  const lines = output.split("\n").filter(Boolean);
  const firstRecord = lines.findIndex((line) => line.startsWith("{"));
  expect(firstRecord, "no JSON record at all").toBeGreaterThanOrEqual(0);
  expect(lines.slice(0, firstRecord).filter((line) => !NEXT_BANNER.test(line))).toEqual([]);
  return lines.slice(firstRecord).map((line) => {
    try {
      return JSON.parse(line) as LogRecord;
    } catch {
      throw new Error(`not a JSON record: ${line}`);
    }
  });
}

test("a client's newlines and bad requests never make a line of their own; refusals are warnings", async () => {
  const user = await signUp(stack.webUrl, "log-lines");
  await workerToken(stack.webUrl, user.cookie);

  const badCallback = await postFromPage(stack.webUrl, "/api/auth/sign-in/email", {
    email: user.email,
    password: user.password,
    callbackURL: `http://evil.test/\n${FORGED}\n`,
  });
  expect(badCallback.status).toBe(403);
  const badOrigin = await fetch(`${stack.webUrl}/api/auth/sign-out`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: "http://evil.test", cookie: user.cookie },
    body: "{}",
  });
  expect(badOrigin.status).toBe(403);
  // Next.js prints the client's Server Action id with a stack when it knows no such action.
  const badAction = await fetch(`${stack.webUrl}/sign-in`, {
    method: "POST",
    headers: { "next-action": "not-an-action-id", "content-type": "text/plain;charset=UTF-8" },
    body: "[]",
  });
  expect(badAction.status).toBeLessThan(500);
  await badAction.arrayBuffer();

  // The web tier writes its log lines synchronously: they are in the file once it has answered.
  const web = await recordsOf(await stack.web.logs());
  expect(web.filter((record) => record.level >= 60 || record.msg.startsWith("forged"))).toEqual([]);
  expect(web.filter((record) => /^Invalid (callbackURL|origin)/.test(record.msg))).toEqual([
    expect.objectContaining({ level: 40, msg: "Invalid callbackURL", value: `http://evil.test/\n${FORGED}\n` }),
    expect.objectContaining({ level: 40, msg: "Invalid origin", value: "http://evil.test" }),
  ]);
  expect(web).toContainEqual(
    expect.objectContaining({ component: "console", msg: expect.stringContaining("not-an-action-id") as unknown }),
  );

  await recordsOf(await stack.worker.logs());
});
