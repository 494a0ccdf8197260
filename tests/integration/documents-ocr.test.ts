import { randomUUID } from "node:crypto";

import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

import type { DocumentSummary } from "~/contract/document-summary";
import { createWorkerDb } from "~/worker/db";
import { REFUSED_AS_SCANNED } from "~/worker/documents/reread-scans";
import { pageImagePath } from "~/contract/document-routes";
import type { SearchResults } from "~/contract/search-results";
import { debianPdfsMissing } from "../support/debian-pdfs";
import {
  callOk,
  getDocument,
  ingested,
  readEvents,
  signedInUser,
  startDocumentsStack,
  uploadOk,
  waitForStatus,
  type DocumentsStack,
  type TestUser,
} from "../support/documents";
import {
  asMultiPageTiff,
  asPdf,
  asPhonePhoto,
  asPng,
  blankScannedPdf,
  corruptTiff,
  headerOnlyJpeg,
  imageWithoutText,
  pngBomb,
  pngClaiming,
  scanDebianPage,
  type ScannedPage,
} from "../support/worker/scans";
import { storeDocument } from "../support/worker/stored-document";

// Scans, the way a user sends them: made at test time from real pages of
// Debian's documentation PDFs (rendered, skewed, grainy), uploaded to a
// worker from source, read by OCR on its reader processes. Each hostile or
// empty image ends in a sentence, the worker keeps serving, and another
// user's document is untouched. A scan's page image is its owner's only.

const MISSING = debianPdfsMissing(["gnuplot", "nettle"]);
/** OCR is seconds a page on a shared 2-core machine, behind the queue and the other test files. */
const OCR_READY_MS = 180_000;
const MAX_PAGES = 20;

let stack: DocumentsStack;
let owner: TestUser;
let stranger: TestUser;
let scans: ScannedPage[];

beforeAll(async () => {
  if (MISSING) return;
  stack = await startDocumentsStack({ name: "documents-ocr", env: { OCR_MAX_PAGES: String(MAX_PAGES) } });
  [owner, stranger] = await Promise.all([signedInUser("ocr-owner"), signedInUser("ocr-stranger")]);
  scans = await Promise.all([scanDebianPage("gnuplot", 20), scanDebianPage("nettle", 12, { dpi: 250, angle: -0.8 })]);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** A run of `count` words from the middle of a scanned page: what a user remembers of it and types. */
function sentenceFrom(scan: ScannedPage, count = 6): string {
  const words = scan.words.filter((word) => /^[a-z]{4,}$/i.test(word));
  const start = Math.floor(words.length / 2);
  return words.slice(start, start + count).join(" ");
}

async function searchAs(user: TestUser, query: string, documentId?: string): Promise<SearchResults> {
  return callOk<SearchResults>(stack.worker, user.token, "documents.search", {
    query,
    ...(documentId && { documentId }),
  });
}

async function pageImage(user: TestUser, documentId: string, page: number) {
  const response = await fetch(`${stack.worker.url}${pageImagePath(documentId, page)}`, {
    headers: { authorization: `Bearer ${user.token}` },
  });
  return { status: response.status, type: response.headers.get("content-type"), bytes: await response.bytes() };
}

async function settle(name: string, body: Uint8Array): Promise<DocumentSummary> {
  const uploaded = await uploadOk(stack.worker, owner.token, name, body);
  return waitForStatus(stack.worker, owner.token, uploaded.id, { timeoutMs: OCR_READY_MS });
}

// Each test waits for OCR at least once, behind whatever the queue holds.
describe.skipIf(MISSING)(
  `OCR of scans made from real PDF pages${MISSING ? ` (${MISSING})` : ""}`,
  { timeout: 2 * OCR_READY_MS },
  () => {
    it("a mixed PDF: only its scanned page is OCR'd, page by page in the live feed; a sentence of it finds that page, whose image only its owner gets", async () => {
      const pdf = await asPdf([{ textPage: { name: "gnuplot", page: 3 } }, { scan: scans[0]! }]);
      const uploaded = await uploadOk(stack.worker, owner.token, "mixed-scan.pdf", pdf);
      const feed = readEvents(stack.worker, owner.token, { forMs: 20_000 });
      const ready = await waitForStatus(stack.worker, owner.token, uploaded.id, { timeoutMs: OCR_READY_MS });
      expect(ready).toMatchObject({ status: "ready", kind: "pdf", pages: 2, ocr: { pages: 1 }, reading: null });
      expect(ready.ocr!.confidence).toBeGreaterThan(60);
      const seen = (await feed).documents.filter((document) => document.id === uploaded.id);
      expect(seen.map((document) => document.reading)).toContainEqual({ page: 2, pages: 2, ocr: true });

      const sentence = sentenceFrom(scans[0]!);
      const { hits } = await searchAs(owner, sentence, uploaded.id);
      expect(hits[0], `a hit for "${sentence}"`).toMatchObject({ documentId: uploaded.id, page: 2 });
      expect(hits[0]!.ocrConfidence).toBeGreaterThan(60);
      // The text-layer page is no scan: no confidence, no image.
      const textPage = (await searchAs(owner, "gnuplot", uploaded.id)).hits.find((hit) => hit.page === 1);
      expect(textPage?.ocrConfidence ?? null).toBeNull();

      const image = await pageImage(owner, uploaded.id, 2);
      expect(image).toMatchObject({ status: 200, type: "image/webp" });
      expect(Buffer.from(image.bytes.subarray(8, 12)).toString("latin1")).toBe("WEBP");
      expect(image.bytes.length).toBeLessThan(200_000);
      // Another user's page, a page without an image, a page that does not exist: the same 404.
      for (const [user, page] of [
        [stranger, 2],
        [owner, 1],
        [owner, 3],
      ] as const) {
        expect((await pageImage(user, uploaded.id, page)).status).toBe(404);
      }
      expect((await searchAs(stranger, sentence)).hits).toEqual([]);
    });

    it("a phone photo (JPEG with its orientation in EXIF) and a two-page TIFF are read like scans", async () => {
      const photo = await ingested(
        stack.worker,
        owner.token,
        "IMG_2041.jpg",
        await asPhonePhoto(scans[1]!),
        OCR_READY_MS,
      );
      expect(photo).toMatchObject({ kind: "image", mimeType: "image/jpeg", pages: 1, ocr: { pages: 1 } });
      const sentence = sentenceFrom(scans[1]!);
      expect((await searchAs(owner, sentence, photo.id)).hits[0]).toMatchObject({ page: 1 });

      const tiff = await ingested(stack.worker, owner.token, "fax.tiff", await asMultiPageTiff(scans), OCR_READY_MS);
      expect(tiff).toMatchObject({ kind: "image", pages: 2, ocr: { pages: 2 } });
      expect((await searchAs(owner, sentence, tiff.id)).hits[0]).toMatchObject({ page: 2 });
      expect((await pageImage(owner, tiff.id, 2)).status).toBe(200);
    });

    it("an image with no text is ready with no chunks, and says so in words", async () => {
      const blank = await settle("holiday.png", await imageWithoutText());
      expect(blank).toMatchObject({ status: "ready", chunkCount: 0, ocr: { pages: 1 } });
      expect(blank.notice).toMatch(/no text was found/i);
    });

    it("hostile and broken images fail with a sentence each, and the worker goes on reading", async () => {
      const cases: [string, Uint8Array | Promise<Uint8Array>, RegExp][] = [
        // 50,000 × 50,000: refused from the header, never decoded.
        ["huge.png", pngClaiming(50_000, 50_000), /pixels/i],
        ["bomb.png", pngBomb(), /pixels/i],
        ["broken.tif", corruptTiff(), /damaged|cannot be read/i],
        ["header-only.jpg", headerOnlyJpeg(), /damaged|cannot be read/i],
        [`scanned-1000-blank.pdf`, blankScannedPdf(1_000), new RegExp(`1,000 pages.*at most ${MAX_PAGES}`, "i")],
      ];
      for (const [name, bytes, reason] of cases) {
        const started = performance.now();
        const failed = await settle(name, await bytes);
        expect(failed, name).toMatchObject({ status: "failed", retryable: false, chunkCount: 0 });
        expect(failed.failureReason, name).toMatch(reason);
        // Refused before any page is recognised: seconds, not minutes.
        expect(performance.now() - started, name).toBeLessThan(60_000);
      }
      const after = await settle("after.png", asPng(scans[0]!));
      expect(after).toMatchObject({ status: "ready", ocr: { pages: 1 } });
    });

    it("a scan refused before OCR existed is queued again by a worker's start, and becomes ready", async () => {
      const id = randomUUID();
      const bytes = Buffer.from(await asPdf([{ scan: scans[1]! }]));
      const db = createWorkerDb(inject("databaseUrl"), { max: 1 });
      await db.asWorker((tx) =>
        storeDocument(
          tx,
          {
            id,
            userId: owner.userId,
            name: "refused-scan.pdf",
            kind: "pdf",
            mimeType: "application/pdf",
            sizeBytes: bytes.length,
            sha256: "0".repeat(64),
            status: "failed",
            failureReason: REFUSED_AS_SCANNED,
          },
          bytes,
        ),
      );
      await db.close();
      await stack.addWorker("documents-ocr-restarted");
      await waitForStatus(stack.worker, owner.token, id, { until: ["queued", "extracting", "indexing", "ready"] });
      const ready = await waitForStatus(stack.worker, owner.token, id, { timeoutMs: OCR_READY_MS });
      expect(ready).toMatchObject({ status: "ready", failureReason: null, ocr: { pages: 1 } });
      expect((await searchAs(owner, sentenceFrom(scans[1]!), id)).hits[0]).toMatchObject({ page: 1 });
    });

    it("a worker whose OCR_LANGUAGES names a model that is not installed does not start, and says which and how to install it", async () => {
      await expect(stack.addWorker("documents-ocr-unknown-language", { OCR_LANGUAGES: "eng+zzz" })).rejects.toThrow(
        /zzz.*npm install --save-exact @tesseract\.js-data\/zzz/,
      );
    });

    it("deleting a document while OCR reads it stops the reading, and the next document is read", async () => {
      const long = await asPdf(Array.from({ length: 8 }, (_, index) => ({ scan: scans[index % 2]! })));
      const uploaded = await uploadOk(stack.worker, owner.token, "long-scan.pdf", long);
      await waitForStatus(stack.worker, owner.token, uploaded.id, { until: ["extracting"], timeoutMs: OCR_READY_MS });
      for (;;) {
        const reading = (await getDocument(stack.worker, owner.token, uploaded.id)).reading;
        if (reading && reading.page >= 2) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await callOk(stack.worker, owner.token, "documents.delete", { id: uploaded.id }, "mutation");
      const deletedAt = performance.now();
      // Whichever worker took its job.
      const logs = async () => (await Promise.all(stack.workers.map((worker) => worker.logs()))).join("\n");
      await expect.poll(logs, { timeout: 15_000, interval: 250 }).toContain("deleted while being read");
      // Within a second or two, not at the next page: a page can take a minute.
      expect(performance.now() - deletedAt).toBeLessThan(5_000);
      const next = await settle("next.png", asPng(scans[1]!));
      expect(next.status).toBe("ready");
      expect(await logs()).not.toMatch(new RegExp(`"documentId":"${uploaded.id}"[^\\n]*"document ready"`));
    });
  },
);
