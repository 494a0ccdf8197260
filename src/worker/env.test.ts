import { availableParallelism } from "node:os";

import { describe, expect, it } from "vitest";

import { EnvError } from "~/contract/env-parsing";
import { MAX_BATCH_CALLS } from "~/contract/request-limits";
import { DEFAULT_JWT_GRACE_PERIOD, DEFAULT_WORKER_TOKEN_TTL } from "~/contract/worker-token";
import { parseWorkerEnv } from "~/worker/env";

// The one variable without a default.
const DB = { DATABASE_URL: "postgresql://localhost/app" };

describe("worker environment", () => {
  it("defaults: the token TTL and key grace both tiers default to, a 0.25 s key cooldown, MAX_BATCH_CALLS", () => {
    expect(parseWorkerEnv(DB)).toMatchObject({
      tokenTtlSec: DEFAULT_WORKER_TOKEN_TTL,
      jwtGracePeriodSec: DEFAULT_JWT_GRACE_PERIOD,
      jwksCooldownMs: 250,
      maxBatchCalls: MAX_BATCH_CALLS,
    });
  });

  it("reads WORKER_TOKEN_TTL, JWT_GRACE_PERIOD, WORKER_JWKS_COOLDOWN and WORKER_MAX_BATCH_CALLS", () => {
    expect(
      parseWorkerEnv({
        ...DB,
        WORKER_TOKEN_TTL: "3600",
        JWT_GRACE_PERIOD: "60",
        WORKER_JWKS_COOLDOWN: "0.5",
        WORKER_MAX_BATCH_CALLS: "50",
      }),
    ).toMatchObject({
      tokenTtlSec: 3600,
      jwtGracePeriodSec: 60,
      jwksCooldownMs: 500,
      maxBatchCalls: 50,
    });
  });

  it.each([
    ["WORKER_MAX_BATCH_CALLS", "0"],
    ["WORKER_MAX_BATCH_CALLS", "2.5"],
    ["WORKER_TOKEN_TTL", "-1"],
    ["WORKER_TOKEN_TTL", "forever"],
    ["JWT_GRACE_PERIOD", "0"],
  ])("refuses %s=%s", (name, value) => {
    expect(() => parseWorkerEnv({ ...DB, [name]: value })).toThrow(EnvError);
    expect(() => parseWorkerEnv({ ...DB, [name]: value })).toThrow(name);
  });

  it("reads documents on a thread per core, 512 MB and 300 s each, unless told otherwise", () => {
    expect(parseWorkerEnv(DB).extraction).toEqual({
      threads: availableParallelism(),
      memoryMb: 512,
      timeoutMs: 300_000,
    });
    expect(
      parseWorkerEnv({
        ...DB,
        WORKER_EXTRACT_THREADS: "3",
        WORKER_EXTRACT_MEMORY_MB: "128",
        WORKER_EXTRACT_TIMEOUT: "60",
      }).extraction,
    ).toEqual({ threads: 3, memoryMb: 128, timeoutMs: 60_000 });
    for (const [name, value] of [
      ["WORKER_EXTRACT_THREADS", "0"],
      ["WORKER_EXTRACT_MEMORY_MB", "8"],
      ["WORKER_EXTRACT_TIMEOUT", "0"],
    ]) {
      expect(() => parseWorkerEnv({ ...DB, [name!]: value })).toThrow(name);
    }
  });

  it("OCRs English, 200 pages and 100 megapixels at most, 60 s a page and 20 min a document, unless told otherwise", () => {
    expect(parseWorkerEnv(DB).ocr).toEqual({
      languages: ["eng"],
      maxPages: 200,
      maxPixels: 100_000_000,
      pageTimeoutMs: 60_000,
      documentTimeoutMs: 1_200_000,
    });
    expect(
      parseWorkerEnv({
        ...DB,
        OCR_LANGUAGES: "eng+deu+chi_sim",
        OCR_MAX_PAGES: "20",
        OCR_MAX_MEGAPIXELS: "2.5",
        OCR_PAGE_TIMEOUT: "5",
        OCR_DOCUMENT_TIMEOUT: "30",
      }).ocr,
    ).toEqual({
      languages: ["eng", "deu", "chi_sim"],
      maxPages: 20,
      maxPixels: 2_500_000,
      pageTimeoutMs: 5_000,
      documentTimeoutMs: 30_000,
    });
    for (const [name, value] of [
      ["OCR_LANGUAGES", "eng,deu"],
      ["OCR_LANGUAGES", "../../etc"],
      ["OCR_MAX_PAGES", "0"],
      ["OCR_MAX_MEGAPIXELS", "-1"],
      ["OCR_PAGE_TIMEOUT", "0"],
    ]) {
      expect(() => parseWorkerEnv({ ...DB, [name!]: value })).toThrow(name);
    }
  });

  it("connects as WORKER_DATABASE_URL, else DATABASE_URL, and refuses to start with neither", () => {
    expect(parseWorkerEnv(DB).databaseUrl).toBe(DB.DATABASE_URL);
    const own = "postgresql://app_worker:pw@db/app";
    expect(parseWorkerEnv({ ...DB, WORKER_DATABASE_URL: own }).databaseUrl).toBe(own);
    expect(() => parseWorkerEnv({})).toThrow(/WORKER_DATABASE_URL is missing/);
    expect(() => parseWorkerEnv({ WORKER_DATABASE_URL: "mysql://db/app" })).toThrow(
      /WORKER_DATABASE_URL must be a postgresql:\/\/ URL/,
    );
  });

  it("polls sessions every 250 ms unless told otherwise, never slower than once a second", () => {
    expect(parseWorkerEnv(DB).revocationPollMs).toBe(250);
    expect(parseWorkerEnv({ ...DB, WORKER_REVOCATION_POLL_MS: "100" }).revocationPollMs).toBe(100);
    expect(() => parseWorkerEnv({ ...DB, WORKER_REVOCATION_POLL_MS: "5000" })).toThrow(EnvError);
  });
});
