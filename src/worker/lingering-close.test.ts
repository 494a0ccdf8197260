import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { closeAfterAnswer } from "./lingering-close";

const BODY_BYTES = 3_000_000;
// Larger than the sockets' buffers, so part of it is still in the server's
// kernel when Node is done writing: what a reset would throw away.
const ANSWER = "too large ".repeat(400_000);
let server: Server;

beforeAll(async () => {
  // Refuses every body unread, as the worker's upload does past its limit.
  server = createServer((_req, res) => {
    closeAfterAnswer(res);
    res.writeHead(413, { "content-type": "text/plain", "content-length": String(ANSWER.length) }).end(ANSWER);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

/**
 * Sends a large body, reading nothing until it is all sent (a busy client),
 * then reads what arrived; resolves with it once the socket closes.
 */
async function refusedUpload(): Promise<{ response: string }> {
  const socket = connect((server.address() as AddressInfo).port, "127.0.0.1");
  await once(socket, "connect");
  let response = "";
  socket.pause();
  socket.on("data", (chunk: Buffer) => (response += chunk.toString("latin1")));
  socket.on("error", () => undefined);
  // Not events.once: it rejects on the reset this test is about.
  const closed = new Promise((resolve) => socket.once("close", resolve));
  socket.write(`POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: ${BODY_BYTES}\r\n\r\n`);
  const piece = Buffer.alloc(64 * 1024, 0x61);
  for (let sent = 0; sent < BODY_BYTES && !socket.destroyed; sent += piece.length) {
    // Exactly the declared length: more would be a second, malformed request.
    if (!socket.write(piece.subarray(0, Math.min(piece.length, BODY_BYTES - sent))))
      await Promise.race([new Promise((resolve) => socket.once("drain", resolve)), closed]);
  }
  socket.resume();
  await closed;
  return { response };
}

describe("closeAfterAnswer", () => {
  it("a client still sending a body it was refused reads the refusal, every time", async () => {
    for (let i = 0; i < 20; i++) {
      const { response } = await refusedUpload();
      expect(response, `attempt ${i + 1}`).toMatch(/^HTTP\/1\.1 413 .*\r\nconnection: close\r\n/is);
      expect(response.endsWith(ANSWER), `attempt ${i + 1}: the whole answer`).toBe(true);
    }
  });
});
