import { randomBytes } from "node:crypto";

import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";

import { debianPdfsMissing } from "../support/debian-pdfs";
import { asPdf, asPhonePhoto, scanDebianPage, type ScannedPage } from "../support/worker/scans";
import { documentRow, openWatchedPage, signUpInBrowser, Steps, type WatchedPage } from "./browser";
import { startStack, type Stack } from "./stack";

// Scans in Chromium against the production build: a scanned PDF and a phone
// photo, both made by the test from real pages of Debian's documentation
// PDFs (rendered, skewed, grainy, the PDF with no text layer at all), go
// through the picker; the row says which page OCR reads; a sentence from the
// middle of a scanned page finds that page, with its image beside the hit.

const MISSING = debianPdfsMissing(["gnuplot", "nettle"]);
/** Three pages of OCR, a few seconds each, behind the queue, on a shared 2-core machine. */
const READY_TIMEOUT_MS = 180_000;

let stack: Stack;
let watched: WatchedPage;
let scans: ScannedPage[];

beforeAll(async () => {
  if (MISSING) return;
  [stack, watched, scans] = await Promise.all([
    startStack("ocr"),
    openWatchedPage(),
    Promise.all([scanDebianPage("gnuplot", 20), scanDebianPage("nettle", 12), scanDebianPage("gnuplot", 45)]),
  ]);
}, 180_000);

afterAll(async () => {
  await watched?.browser.close();
  await stack?.stop();
});

/** Six words in a row from the middle of a scanned page: what a user remembers of it. */
function sentenceFrom(scan: ScannedPage): string {
  const words = scan.words.filter((word) => /^[a-z]{4,}$/i.test(word));
  const start = Math.floor(words.length / 2);
  return words.slice(start, start + 6).join(" ");
}

/** Searches and answers the first hit: its document, its place line, its image's state and size as shown. */
async function firstHit(page: Page, query: string) {
  await page.getByTestId("search-input").fill(query);
  await expect.poll(() => page.getByTestId("search-status").getAttribute("data-query")).toBe(query);
  const hit = page.getByTestId("search-hit").first();
  const image = hit.getByTestId("search-hit-image");
  await expect.poll(() => image.getAttribute("data-state"), { timeout: 15_000 }).toBe("shown");
  return {
    name: await hit.getAttribute("data-document-name"),
    place: await hit.getByTestId("search-hit-place").textContent(),
    text: await hit.textContent(),
    alt: await image.locator("img").getAttribute("alt"),
    naturalWidth: await image.locator("img").evaluate((img: HTMLImageElement) => img.naturalWidth),
  };
}

test.skipIf(MISSING)(
  "a scanned PDF and a phone photo → per-page OCR progress → ready, marked as OCR'd → a sentence from the middle of a scan finds its page, shown beside the hit",
  async () => {
    const { page } = watched;
    const steps = new Steps(page, "ocr");
    const suffix = randomBytes(4).toString("hex");
    const scannedPdf = {
      name: `scanned-manual-${suffix}.pdf`,
      mimeType: "application/pdf",
      buffer: Buffer.from(await asPdf([{ scan: scans[0]! }, { scan: scans[1]! }])),
    };
    const photo = {
      name: `IMG_${suffix}.jpg`,
      mimeType: "image/jpeg",
      buffer: Buffer.from(await asPhonePhoto(scans[2]!)),
    };

    await steps.run("sign up", async () => {
      await signUpInBrowser(page, stack.webUrl, {
        name: "Olive Scanner",
        email: `olive-${suffix}@example.com`,
        password: "correct horse battery",
      });
      await page.getByTestId("documents-empty").waitFor();
    });

    await steps.run("both files through the picker: the PDF's row says which page OCR reads", async () => {
      await page.getByTestId("upload-input").setInputFiles([scannedPdf, photo]);
      await expect
        .poll(() => documentRow(page, scannedPdf.name).getByTestId("document-reading").textContent(), {
          timeout: READY_TIMEOUT_MS,
        })
        .toMatch(/^Reading page [12] of 2 \(OCR\)$/);
    });

    await steps.run("both become ready, each marked as read by OCR with its confidence", async () => {
      for (const file of [scannedPdf, photo]) {
        await expect
          .poll(() => documentRow(page, file.name).getAttribute("data-status"), { timeout: READY_TIMEOUT_MS })
          .toBe("ready");
        expect(await documentRow(page, file.name).getByTestId("document-ocr").textContent()).toMatch(
          /OCR.*\d+% confidence/,
        );
      }
      expect(await documentRow(page, photo.name).getByTestId("document-kind").textContent()).toBe("Image");
    });

    await steps.run(
      "a sentence from the middle of the PDF's second page finds that page, its image beside it",
      async () => {
        const hit = await firstHit(page, sentenceFrom(scans[1]!));
        expect(hit).toMatchObject({ name: scannedPdf.name, place: "page 2", alt: `Page 2 of ${scannedPdf.name}` });
        expect(hit.text).toMatch(/OCR · \d+%/);
        expect(hit.naturalWidth).toBeGreaterThan(100);
      },
    );

    await steps.run("a sentence from the photo finds it, with its image", async () => {
      const hit = await firstHit(page, sentenceFrom(scans[2]!));
      expect(hit).toMatchObject({ name: photo.name, place: "page 1", alt: `Page 1 of ${photo.name}` });
      expect(hit.naturalWidth).toBeGreaterThan(100);
    });

    expect(watched.cspViolations).toEqual([]);
  },
);
