import { describe, expect, it } from "vitest";

import { bufferedWithin, capUndeclaredBody, declaresMoreThan } from "./body-limit";

const LIMIT = 1024;

/** A body of `total` bytes in `chunk`-byte pieces, counting what was pulled from it. */
function counted(total: number, chunk = 256) {
  const read = { bytes: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (read.bytes >= total) return controller.close();
      read.bytes += chunk;
      controller.enqueue(new Uint8Array(chunk).fill(0x61));
    },
  });
  return { stream, read };
}

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  new Request("http://app.test/api/trpc/x", { method: "POST", body, headers, duplex: "half" } as RequestInit);

class TooLarge extends Error {}

describe("declaresMoreThan", () => {
  it("reads the declared Content-Length only", () => {
    expect(declaresMoreThan(post("x", { "content-length": String(LIMIT + 1) }), LIMIT)).toBe(true);
    expect(declaresMoreThan(post("x", { "content-length": String(LIMIT) }), LIMIT)).toBe(false);
    expect(declaresMoreThan(post("x"), LIMIT)).toBe(false);
    expect(declaresMoreThan(post("x", { "content-length": "lots" }), LIMIT)).toBe(true);
  });
});

describe("capUndeclaredBody", () => {
  it("fails a chunked body as soon as it passes the cap, and stops reading it there", async () => {
    const { stream, read } = counted(100 * LIMIT);
    const capped = capUndeclaredBody(post(stream), LIMIT, () => new TooLarge());

    await expect(capped.text()).rejects.toBeInstanceOf(TooLarge);
    expect(read.bytes).toBeGreaterThan(LIMIT);
    expect(read.bytes).toBeLessThanOrEqual(LIMIT + 4 * 256);
  });

  it("passes a chunked body within the cap through whole", async () => {
    const { stream } = counted(LIMIT);
    expect(await capUndeclaredBody(post(stream), LIMIT, () => new TooLarge()).text()).toBe("a".repeat(LIMIT));
  });

  it("leaves a request with a declared length, or none at all, untouched", () => {
    const declared = post("{}", { "content-length": "2" });
    const bodiless = new Request("http://app.test/api/trpc/x");
    expect(capUndeclaredBody(declared, LIMIT, () => new TooLarge())).toBe(declared);
    expect(capUndeclaredBody(bodiless, LIMIT, () => new TooLarge())).toBe(bodiless);
  });
});

describe("bufferedWithin", () => {
  it("refuses a body said to be too large without reading it", async () => {
    const { stream, read } = counted(10 * LIMIT);
    expect(await bufferedWithin(post(stream, { "content-length": String(10 * LIMIT) }), LIMIT)).toBeNull();
    expect(read.bytes).toBeLessThanOrEqual(256);
  });

  it("refuses a chunked body once it passes the cap, having read little more", async () => {
    const { stream, read } = counted(100 * LIMIT);
    expect(await bufferedWithin(post(stream), LIMIT)).toBeNull();
    expect(read.bytes).toBeLessThanOrEqual(LIMIT + 512);
  });

  it("hands on a body within the cap whole, chunked or not", async () => {
    const chunked = await bufferedWithin(post(counted(LIMIT).stream), LIMIT);
    expect((await chunked!.text()).length).toBe(LIMIT);
    const declared = await bufferedWithin(post("{}", { "content-type": "application/json" }), LIMIT);
    expect(await declared!.json()).toEqual({});
    expect(declared!.headers.get("content-type")).toBe("application/json");
  });
});
