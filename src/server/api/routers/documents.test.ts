import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { createCallerFactory, createTRPCRouter, type TRPCContext } from "~/server/api/trpc";
import { documentsRouter } from "./documents";

const caller = createCallerFactory(createTRPCRouter({ documents: documentsRouter }));

// A signed-in context; nothing in these tests gets as far as using it.
const signedIn = {
  session: { session: { id: "s-1", userId: "u-1" }, user: { id: "u-1", email: "ada@example.com", name: "Ada" } },
  headers: new Headers(),
  requestId: "r-1",
} as unknown as TRPCContext;

beforeEach(() => {
  // The worker link reads the environment when it is made; nothing here connects to either.
  vi.stubEnv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/unused");
  vi.stubEnv("WORKER_URL", "http://127.0.0.1:1");
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});

describe("documents through the web tier", () => {
  it("refuses what the worker's own schemas refuse, in their words, before minting a token or calling the worker", async () => {
    const fetch = vi.fn();
    vi.stubGlobal("fetch", fetch);
    const documents = caller(signedIn).documents;
    await expect(documents.search({ query: "   " })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "Type something to search for.",
    });
    await expect(documents.search({ query: "x".repeat(201) })).rejects.toMatchObject({
      message: "A search is at most 200 characters.",
    });
    await expect(documents.search({ query: "pears", page: 51 })).rejects.toMatchObject({
      message: "Results stop at page 50: make the search narrower.",
    });
    await expect(documents.delete({ id: "../etc/passwd" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "is not a document id",
    });
    await expect(documents.retry({ id: "1" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(fetch).not.toHaveBeenCalled();
  });

  it("is for signed-in users only", async () => {
    const documents = caller({ ...signedIn, session: null }).documents;
    await expect(documents.list()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(documents.search({ query: "pears" })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});
