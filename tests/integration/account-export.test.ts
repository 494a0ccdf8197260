import { createHash, randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  ACCOUNT_EXPORT_PATH,
  accountExportFileName,
  PROFILE_FILE,
  type AccountExport,
} from "~/contract/account-export";
import type { DocumentSummary } from "~/contract/document-summary";
import { auth } from "~/server/auth";
import { db as prisma } from "~/server/db/prisma";
import { signWorkerToken } from "~/server/worker-token";
import { createWorkerDb, type WorkerDb } from "~/worker/db";
import { TEST_PASSWORD } from "../support/test-browser";
import { totpCodeAt, totpSecretOf } from "../support/totp";
import {
  callOk,
  signedInAs,
  prose,
  prosePdf,
  signedInUser,
  startDocumentsStack,
  uploadOk,
  waitForStatus,
  type DocumentsStack,
  type RefusalBody,
  type TestUser,
} from "../support/documents";
import { unzip } from "../support/unzip";
import { liveMemory } from "../support/worker/live-memory";
import { storeDocument } from "../support/worker/stored-document";

// "Export my data" end to end, against a real worker process: what the
// archive holds (every original byte for byte, under safe and unique names,
// and profile.json), that it holds nothing of anyone else's, who is refused,
// one export per user at a time, and what a large export held in the
// worker's memory while a slow client read it.

let stack: DocumentsStack;
let workerDb: WorkerDb;

beforeAll(async () => {
  stack = await startDocumentsStack({ name: "account-export" });
  workerDb = createWorkerDb(process.env.DATABASE_URL!, { max: 2 });
});

afterAll(async () => {
  await workerDb?.close();
  await stack?.stop();
});

/** GET /account/export with `token` (none: no Authorization header). */
function requestExport(token: string | null, init: RequestInit = {}, worker = stack.worker): Promise<Response> {
  return fetch(`${worker.url}${ACCOUNT_EXPORT_PATH}`, {
    ...init,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
}

/** A whole export that must succeed: its answer's headers and the archive's entries. */
async function exportOk(token: string) {
  const response = await requestExport(token);
  const archive = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) throw new Error(`export answered ${response.status}: ${archive.toString("utf8")}`);
  const entries = await unzip(archive);
  const profileEntry = entries.find((entry) => entry.name === PROFILE_FILE);
  return {
    response,
    archive,
    entries,
    files: new Map(entries.filter((entry) => entry !== profileEntry).map((entry) => [entry.name, entry.bytes])),
    profile: JSON.parse(profileEntry?.bytes.toString("utf8") ?? "null") as AccountExport,
  };
}

const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

/** The user's row as the web tier reads it. */
async function userRow(userId: string) {
  return prisma.user.findUniqueOrThrow({
    where: { id: userId },
    select: { id: true, name: true, email: true, emailVerified: true, createdAt: true },
  });
}

/**
 * A ready document of `user` with `bytes` as its original, written as an
 * upload writes it (the original store, 1 MiB parts) but with no ingestion
 * job, so nothing runs in the worker beside a measurement, and of any size.
 */
async function storeReady(user: TestUser, name: string, bytes: Buffer): Promise<string> {
  const id = randomUUID();
  await workerDb.asWorker(async (tx) => {
    await storeDocument(
      tx,
      {
        id,
        userId: user.userId,
        name,
        kind: "pdf",
        mimeType: "application/pdf",
        sizeBytes: bytes.length,
        sha256: sha256(bytes),
        status: "ready",
        createdAt: sql<Date>`clock_timestamp()`,
      },
      bytes,
    );
  });
  return id;
}

describe("an export of a user with documents", () => {
  let owner: TestUser;
  let other: TestUser;
  /** What the owner uploaded, in order: the name given and the bytes sent. */
  const uploads: { name: string; bytes: Buffer }[] = [
    { name: "notes.md", bytes: Buffer.from(`# First notes\n\n${prose(2_000)}\n`) },
    // The same name again, other content.
    { name: "notes.md", bytes: Buffer.from(`# Second notes\n\n${prose(3_000)}\n`) },
    // A name that is a way out of any folder it is unpacked into.
    { name: "..", bytes: Buffer.from(`Two dots.\n${prose(500)}\n`) },
    { name: "report.pdf", bytes: prosePdf(2) },
    // Several megabytes that no extractor can read (it fails at once) and
    // no compressor can shrink: any byte out of place shows.
    { name: "large.pdf", bytes: Buffer.concat([Buffer.from("%PDF-1.7\n"), randomBytes(6 * 1024 * 1024 + 12_345)]) },
  ];
  let documents: DocumentSummary[];
  const otherUploads = [
    { name: "notes.md", bytes: Buffer.from(`# Someone else's notes\n\n${prose(1_000)}\n`) },
    { name: "secret.txt", bytes: Buffer.from(`Not the owner's: ${randomUUID()}\n`) },
  ];
  let otherDocuments: DocumentSummary[];

  beforeAll(async () => {
    [owner, other] = await Promise.all([signedInUser("export"), signedInUser("export-other")]);
    // One after another: the archive lists them oldest first.
    documents = [];
    for (const { name, bytes } of uploads) documents.push(await uploadOk(stack.worker, owner.token, name, bytes));
    otherDocuments = [];
    for (const { name, bytes } of otherUploads)
      otherDocuments.push(await uploadOk(stack.worker, other.token, name, bytes));
    // Settled, so that the status the archive records is the one compared.
    documents = await Promise.all(documents.map((document) => waitForStatus(stack.worker, owner.token, document.id)));
  });

  it("holds profile.json and every original byte for byte, under safe and unique names", async () => {
    const { response, archive, entries, files, profile } = await exportOk(owner.token);

    expect(response.headers.get("content-type")).toBe("application/zip");
    expect(response.headers.get("content-length")).toBe(String(archive.length));
    expect(response.headers.get("content-disposition")).toBe(
      `attachment; filename="${accountExportFileName(new Date())}"; filename*=UTF-8''${accountExportFileName(new Date())}`,
    );
    expect(response.headers.get("cache-control")).toBe("private, no-store");

    const expectedFiles = [
      "documents/notes.md",
      "documents/notes (2).md",
      "documents/document",
      "documents/report.pdf",
      "documents/large.pdf",
    ];
    expect(entries.map((entry) => entry.name)).toEqual([PROFILE_FILE, ...expectedFiles]);
    expectedFiles.forEach((file, index) => {
      const original = uploads[index]!.bytes;
      expect(files.get(file)?.length, file).toBe(original.length);
      expect(files.get(file)!.equals(original), `${file} is not the original byte for byte`).toBe(true);
    });

    const user = await userRow(owner.userId);
    expect(profile).toEqual({
      exportedAt: expect.any(String),
      user: { ...user, createdAt: user.createdAt.toISOString() },
      documents: documents.map((document, index) => ({
        id: document.id,
        name: uploads[index]!.name,
        file: expectedFiles[index],
        kind: document.kind,
        mimeType: document.mimeType,
        sizeBytes: uploads[index]!.bytes.length,
        sha256: sha256(uploads[index]!.bytes),
        status: document.status,
        createdAt: new Date(document.createdAt).toISOString(),
      })),
      passkeys: [],
    });
    expect(Math.abs(Date.parse(profile.exportedAt) - Date.now())).toBeLessThan(60_000);
    expect(profile.user).toMatchObject({ id: owner.userId, email: owner.email, emailVerified: false });
    // Both kinds of ending: ready documents and the one that could not be read.
    expect(profile.documents.map((document) => document.status)).toEqual([
      "ready",
      "ready",
      "ready",
      "ready",
      "failed",
    ]);
  });

  it("holds nothing of another user's: not their documents, not their names, not their bytes", async () => {
    const { archive, profile } = await exportOk(owner.token);
    const text = archive.toString("latin1");
    for (const document of otherDocuments) expect(text).not.toContain(document.id);
    for (const { bytes } of otherUploads) expect(archive.includes(bytes)).toBe(false);
    expect(text).not.toContain("secret.txt");
    expect(text).not.toContain(other.email);
    expect(text).not.toContain(other.userId);
    expect(profile.documents.map((document) => document.id)).toEqual(documents.map((document) => document.id));

    // And the other user's own export has exactly theirs.
    const theirs = await exportOk(other.token);
    expect(theirs.profile.user.id).toBe(other.userId);
    expect([...theirs.files.keys()].sort()).toEqual(["documents/notes.md", "documents/secret.txt"]);
    expect(theirs.files.get("documents/secret.txt")!.equals(otherUploads[1]!.bytes)).toBe(true);
  });

  it("one export of a user at a time: a second is refused in words while the first downloads", async () => {
    const controller = new AbortController();
    const first = await requestExport(owner.token, { signal: controller.signal });
    expect(first.status).toBe(200);
    // The first is not read: the worker waits on it, with its slot taken.
    const second = await requestExport(owner.token);
    expect(second.status).toBe(409);
    expect(((await second.json()) as RefusalBody).error).toEqual({
      code: "CONFLICT",
      message: "An export of your data is already downloading: wait for it to finish, then try again.",
      reason: "export_in_progress",
    });
    // Another user's is not held up.
    expect((await requestExport(other.token)).status).toBe(200);

    controller.abort();
    // The slot comes back once the worker sees the client go.
    let third: Response | undefined;
    for (let attempt = 0; attempt < 50; attempt++) {
      third = await requestExport(owner.token);
      if (third.status !== 409) break;
      await third.body?.cancel();
      await sleep(100);
    }
    expect(third!.status).toBe(200);
    expect((await unzip(Buffer.from(await third!.arrayBuffer()))).length).toBe(1 + uploads.length);
  });
});

describe("an export of a user without documents", () => {
  it("is a ZIP of profile.json alone, with the account's passkeys by name and date, no key material", async () => {
    const user = await signedInUser("export-empty");
    const passkey = (name: string | null, createdAt: Date) => ({
      id: randomUUID(),
      name,
      userId: user.userId,
      publicKey: `public-key-${randomUUID()}`,
      credentialID: `credential-${randomUUID()}`,
      counter: 3,
      deviceType: "singleDevice",
      backedUp: false,
      createdAt,
    });
    const rows = [
      passkey("Laptop", new Date("2026-01-02T03:04:05.678Z")),
      passkey(null, new Date("2026-02-01T00:00:00Z")),
    ];
    await prisma.passkey.createMany({ data: rows });
    const { entries, profile } = await exportOk(user.token);
    expect(entries.map((entry) => entry.name)).toEqual([PROFILE_FILE]);
    const row = await userRow(user.userId);
    expect(profile).toEqual({
      exportedAt: expect.any(String),
      user: { ...row, createdAt: row.createdAt.toISOString() },
      documents: [],
      passkeys: [
        { name: "Laptop", createdAt: "2026-01-02T03:04:05.678Z" },
        { name: null, createdAt: "2026-02-01T00:00:00.000Z" },
      ],
    });
    expect(JSON.stringify(profile)).not.toContain("public-key-");
    expect(JSON.stringify(profile)).not.toContain("credential-");
  });
});

describe("an export of a user with two-factor sign-in on", () => {
  it("holds neither the TOTP secret nor a backup code, plain or encrypted", async () => {
    const { browser } = await signedInUser("export-2fa");
    const enabled = await browser.post("/two-factor/enable", { password: TEST_PASSWORD });
    const secret = totpSecretOf(enabled.json!.totpURI as string);
    const backupCodes = enabled.json!.backupCodes as string[];
    expect((await browser.post("/two-factor/verify-totp", { code: totpCodeAt(secret, Date.now()) })).status).toBe(200);
    // Confirming gave the browser a new session: a token for that one.
    const user = await signedInAs(browser);
    const stored = await prisma.twoFactor.findUniqueOrThrow({ where: { userId: user.userId } });

    const { entries } = await exportOk(user.token);
    const text = entries.map((entry) => entry.bytes.toString("utf8")).join("\n");
    expect(text).toContain(user.email);
    for (const kept of [secret, stored.secret, stored.backupCodes, ...backupCodes]) expect(text).not.toContain(kept);
    expect(text).not.toMatch(/twoFactor|two_factor/);
  });
});

describe("who is refused", () => {
  let user: TestUser;

  beforeAll(async () => {
    user = await signedInUser("export-refused");
  });

  async function refusal(response: Response) {
    return { status: response.status, body: (await response.json()) as RefusalBody };
  }

  it("a request without a token: 401, saying so", async () => {
    expect(await refusal(await requestExport(null))).toEqual({
      status: 401,
      body: { error: { code: "UNAUTHORIZED", message: expect.stringMatching(/token/i), reason: "missing" } },
    });
  });

  it("an expired token of a live session: 401, saying it expired", async () => {
    const row = await userRow(user.userId);
    const { token } = await signWorkerToken(
      auth,
      { user: row, session: { id: user.sessionId } },
      { ttlSeconds: 900, notAfter: new Date(Date.now() - 120_000) },
    );
    expect(await refusal(await requestExport(token))).toEqual({
      status: 401,
      body: { error: { code: "UNAUTHORIZED", message: "The token has expired.", reason: "expired" } },
    });
  });

  it("a forged token: 401", async () => {
    const [header, payload] = user.token.split(".");
    const forged = `${header}.${payload}.${Buffer.from("not the signature").toString("base64url")}`;
    const { status, body } = await refusal(await requestExport(forged));
    expect(status).toBe(401);
    expect(body.error).toMatchObject({ code: "UNAUTHORIZED", reason: "bad_signature" });
  });

  it("only GET", async () => {
    const response = await fetch(`${stack.worker.url}${ACCOUNT_EXPORT_PATH}`, {
      method: "POST",
      headers: { authorization: `Bearer ${user.token}` },
    });
    expect(await refusal(response)).toEqual({
      status: 405,
      body: { error: { code: "METHOD_NOT_SUPPORTED", message: "POST is not allowed here." } },
    });
  });
});

describe("a large export read slowly", () => {
  const ORIGINALS = 3;
  const ORIGINAL_BYTES = 20 * 1024 * 1024;
  /** The client reads at most this fast: a slow connection the worker must not buffer for. */
  const CLIENT_BYTES_PER_SECOND = 16 * 1024 * 1024;
  /** Then it stops reading a while, with most of the archive still to come. */
  const PAUSE_AFTER_BYTES = 4 * 1024 * 1024;
  const PAUSE_MS = 2_000;

  /** The worker process's resident memory, in bytes. */
  function residentBytes(pid: number): number {
    const kilobytes = /^VmRSS:\s+(\d+) kB$/mu.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return Number(kilobytes) * 1024;
  }

  it("streams with backpressure: while the client stops reading, the worker holds a few parts", async () => {
    const user = await signedInUser("export-large");
    const originals = Array.from({ length: ORIGINALS }, () => randomBytes(ORIGINAL_BYTES));
    for (const [index, bytes] of originals.entries()) await storeReady(user, `large-${index + 1}.pdf`, bytes);
    // A worker of its own, its memory readable through the inspector.
    const worker = await stack.addWorker("account-export-memory", {}, { inspect: true });
    const pid = worker.pid!;
    const inspectPort = worker.spec.inspectPort!;

    const live = async () => {
      const { heapUsed, arrayBuffers } = await liveMemory(inspectPort);
      return heapUsed + arrayBuffers;
    };
    const baseline = { live: await live(), resident: residentBytes(pid) };
    let peakResident = baseline.resident;
    const sampler = setInterval(() => (peakResident = Math.max(peakResident, residentBytes(pid))), 20);
    const started = performance.now();
    const chunks: Buffer[] = [];
    let received = 0;
    let total = 0;
    let paused: { received: number; live: number } | undefined;
    try {
      const response = await requestExport(user.token, {}, worker);
      expect(response.status).toBe(200);
      total = Number(response.headers.get("content-length"));
      for await (const chunk of response.body! as AsyncIterable<Uint8Array>) {
        chunks.push(Buffer.from(chunk));
        received += chunk.length;
        if (!paused && received >= PAUSE_AFTER_BYTES) {
          // Without backpressure the worker would read the rest meanwhile.
          await sleep(PAUSE_MS);
          paused = { received, live: await live() };
        }
        const due = (received / CLIENT_BYTES_PER_SECOND) * 1000 - (performance.now() - started);
        if (due > 0) await sleep(due);
      }
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - started) / 1000;

    expect(received).toBe(total);
    const entries = await unzip(Buffer.concat(chunks));
    expect(entries.map((entry) => entry.name)).toEqual([
      PROFILE_FILE,
      ...originals.map((_, index) => `documents/large-${index + 1}.pdf`),
    ]);
    originals.forEach((bytes, index) => expect(entries[index + 1]!.bytes.equals(bytes)).toBe(true));

    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    console.log(
      `account export: ${mb(total)} MiB in ${seconds.toFixed(1)} s (client at most ${mb(CLIENT_BYTES_PER_SECOND)} MiB/s, ` +
        `stopped ${PAUSE_MS / 1000} s after ${mb(paused!.received)} MiB). Worker: live (heap + buffers, after a full GC) ` +
        `${mb(baseline.live)} MiB before, ${mb(paused!.live)} MiB during the stop (+${mb(paused!.live - baseline.live)}); ` +
        `resident ${mb(baseline.resident)} MiB before, peak ${mb(peakResident)} MiB (+${mb(peakResident - baseline.resident)})`,
    );
    // Had the worker gone on reading while the client did not, it would hold
    // the rest of the archive now. It holds the parts on their way through
    // the streams; the sockets' kernel buffers hold a few MiB more.
    expect(paused!.live - baseline.live).toBeLessThan(total / 4);
  });
});

describe("a document deleted while the export is being sent", () => {
  it("breaks the download off: never a short archive that looks whole", async () => {
    const user = await signedInUser("export-deleted");
    // The first is long enough that the worker, held back by the client, is
    // still in it when the second goes.
    await storeReady(user, "first.pdf", randomBytes(32 * 1024 * 1024));
    const second = await storeReady(user, "second.pdf", randomBytes(2 * 1024 * 1024));

    const response = await requestExport(user.token);
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let received = 0;
    while (received < 1024 * 1024) received += (await reader.read()).value?.length ?? 0;
    await callOk(stack.worker, user.token, "documents.delete", { id: second }, "mutation");

    const rest = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return received;
        received += value.length;
      }
    })();
    await expect(rest).rejects.toThrow();
    expect(received).toBeLessThan(Number(response.headers.get("content-length")));
    // Logged once the worker has seen it through, which may be just after the client did.
    for (let waited = 0; waited < 5_000 && !(await stack.worker.logs()).includes("account export broken off");)
      waited += await sleep(100, 100);
    expect(await stack.worker.logs()).toContain("account export broken off");
  });
});
