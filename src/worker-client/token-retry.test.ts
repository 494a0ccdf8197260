import { describe, expect, it } from "vitest";

import { createTokenCache } from "./token-cache";
import { sendWithToken, type WorkerCredentials } from "./token-retry";

/** Credentials whose mint hands out t1, t2, … and records the request id it was asked for. */
function credentials(mint?: WorkerCredentials["mint"]) {
  const minted: string[] = [];
  let count = 0;
  const creds: WorkerCredentials = {
    tokens: createTokenCache(),
    sessionId: "s-1",
    mint:
      mint ??
      (async (requestId) => {
        minted.push(requestId);
        return { token: `t${++count}`, expiresAt: Date.now() + 600_000 };
      }),
  };
  return { creds, minted };
}

/** A send that answers the statuses in turn and records the headers of each attempt. */
function answering(...statuses: number[]) {
  const sent: Record<string, string>[] = [];
  const send = async (headers: Record<string, string>) => {
    sent.push(headers);
    return { status: statuses[sent.length - 1] ?? 200 };
  };
  return { send, sent };
}

describe("sendWithToken", () => {
  it("sends once with the cached token and the action's request id", async () => {
    const { creds, minted } = credentials();
    const { send, sent } = answering(200, 200);
    expect((await sendWithToken(creds, "r-1", send)).status).toBe(200);
    await sendWithToken(creds, "r-2", send);
    expect(sent).toEqual([
      { authorization: "Bearer t1", "x-request-id": "r-1" },
      { authorization: "Bearer t1", "x-request-id": "r-2" },
    ]);
    expect(minted).toEqual(["r-1"]);
  });

  it("on a 401 drops the token, mints a fresh one and sends once more", async () => {
    const { creds } = credentials();
    const { send, sent } = answering(401, 200);
    expect((await sendWithToken(creds, "r-1", send)).status).toBe(200);
    expect(sent.map((headers) => headers.authorization)).toEqual(["Bearer t1", "Bearer t2"]);
  });

  it("a second 401 is the answer: no third attempt", async () => {
    const { creds } = credentials();
    const { send, sent } = answering(401, 401, 200);
    expect((await sendWithToken(creds, "r-1", send)).status).toBe(401);
    expect(sent).toHaveLength(2);
  });

  it("releases a refused Response's body before sending again", async () => {
    const { creds } = credentials();
    let cancelled = false;
    const refused = new Response(new ReadableStream({ cancel: () => void (cancelled = true) }), { status: 401 });
    await sendWithToken(creds, "r-1", async (headers) =>
      headers.authorization === "Bearer t1" ? refused : new Response("ok"),
    );
    expect(cancelled).toBe(true);
  });

  it("a failed mint is the mint's error, nothing sent; or the answer whenNoToken makes of it", async () => {
    const ended = new Error("Your session has ended.");
    const { creds } = credentials(() => Promise.reject(ended));
    const { send, sent } = answering();
    await expect(sendWithToken(creds, "r-1", send)).rejects.toBe(ended);
    expect(
      await sendWithToken(creds, "r-1", send, { whenNoToken: (error) => ({ status: error === ended ? 499 : 0 }) }),
    ).toEqual({ status: 499 });
    expect(sent).toEqual([]);
  });
});
