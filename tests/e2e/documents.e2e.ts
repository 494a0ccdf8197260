import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";

import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";

import { MAX_SEARCH_QUERY_CHARS } from "~/contract/search-limits";
import { countNavigations, documentRow, openWatchedPage, printPdf, signUpInBrowser, Steps } from "./browser";
import { startStack, type Stack } from "./stack";

// Documents, the way a user meets them in a real browser against the
// production build: upload by picker and by drop, watch ingestion finish
// without a reload, search, download, delete, see a broken file's reason,
// and find nothing of it from another account.

const MAX_UPLOAD_MB = 1;
// Ingestion of a small file is quick; the queue, two extraction passes and
// the live feed's polling add up on a busy machine.
const READY_TIMEOUT_MS = 60_000;

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let cspViolations: string[];

beforeAll(async () => {
  stack = await startStack("documents", { workerEnv: { WORKER_MAX_UPLOAD_MB: String(MAX_UPLOAD_MB) } });
  ({ browser, context, page, cspViolations } = await openWatchedPage());
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A file for the page's file input, or for a drop. */
interface Payload {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/** What the page showed of each file, by name, at any time: recorded in the page as it changed, so nothing quick is missed. */
interface Seen {
  /** The row's data-status values, in order, without repeats. */
  statuses: string[];
  /** An upload item with its <progress> was on screen. */
  uploadProgress: boolean;
  /** The row showed its ingestion progress bar. */
  rowProgress: boolean;
  /** Its upload item said it was waiting for the uploads before it (not "0% sent"). */
  uploadWaiting: boolean;
  /** A search hit of it was on screen. */
  searchHit: boolean;
}

test("upload by picker and by drop → ready without a reload → search → download → delete → a broken file's reason → another account sees nothing", async () => {
  const steps = new Steps(page, "documents");
  const suffix = randomBytes(4).toString("hex");
  const user = { name: "Dora Documents", email: `dora-${suffix}@example.com`, password: "correct horse battery" };
  const pdf: Payload = {
    name: "quarterly-report.pdf",
    mimeType: "application/pdf",
    buffer: await printPdf(
      context,
      "<h1>Quarterly report</h1><p>The periwinkle lighthouse kept its light on through every storm of the quarter.</p>",
    ),
  };
  // A name with markup in it: shown as text, never as an element.
  const html: Payload = {
    name: "Field notes <b>draft<b>.html",
    mimeType: "text/html",
    buffer: Buffer.from(
      "<!doctype html><html><head><title>Field notes</title></head><body><h1>Field notes</h1>" +
        "<p>We anchored in the saffron harbour at dawn and counted the gulls.</p>" +
        "<script>document.title = 'ran'</script></body></html>",
    ),
  };
  const markdown: Payload = {
    name: "garden-plan.md",
    mimeType: "text/markdown",
    buffer: Buffer.from("# Garden plan\n\n## Spring\n\nSow wildflowers across the quartz meadow before the rains.\n"),
  };
  const dropped: Payload = {
    name: "observatory log.txt",
    mimeType: "text/plain",
    buffer: Buffer.from("Night one. The tangerine observatory dome opened at nine and the sky was clear.\n"),
  };
  const broken: Payload = {
    name: "broken.pdf",
    mimeType: "application/pdf",
    buffer: Buffer.concat([Buffer.from("%PDF-1.7\n"), randomBytes(8192)]),
  };

  // Every upload the page sends to the worker.
  const uploadsSent: string[] = [];
  page.on("request", (request) => {
    if (request.method() === "POST" && request.url() === `${stack.browserWorkerUrl}/documents`) {
      uploadsSent.push(decodeURIComponent(request.headers()["x-file-name"] ?? ""));
    }
  });

  await steps.run("sign up: the documents section is empty, the limits are known", async () => {
    await signUpInBrowser(page, stack.webUrl, user);
    await page.getByTestId("documents-empty").waitFor();
    await expect
      .poll(() => page.getByTestId("upload-drop-zone").textContent())
      .toContain(`up to ${MAX_UPLOAD_MB} MB each`);
    await expect.poll(() => page.getByTestId("documents-live").textContent()).toBe("Live");
    await recordDocuments(page);
  });

  const navigations = countNavigations(page);

  await steps.run("three files through the picker, one dropped: each shows its upload, then its row", async () => {
    await page.getByTestId("upload-input").setInputFiles([pdf, html, markdown]);
    await dropFiles(page, [dropped]);
    for (const file of [pdf, html, markdown, dropped]) await documentRow(page, file.name).waitFor();
    // Each upload's item is gone once it became a row.
    await expect.poll(() => page.getByTestId("upload-item").count()).toBe(0);
    const seen = await seenInPage(page);
    for (const file of [pdf, html, markdown, dropped]) {
      expect(seen[file.name]?.uploadProgress, `${file.name}: an upload progress bar`).toBe(true);
    }
    // Three chosen at once, two sent at a time: the third says it waits its turn.
    expect(seen[markdown.name]?.uploadWaiting, `${markdown.name}: waiting, not 0% sent`).toBe(true);
    expect([...uploadsSent].sort()).toEqual([pdf, html, markdown, dropped].map((file) => file.name).sort());
  });

  await steps.run("ingestion reaches ready on its own, its progress shown on the way, without a reload", async () => {
    for (const file of [pdf, html, markdown, dropped]) {
      await expect
        .poll(() => documentRow(page, file.name).getAttribute("data-status"), { timeout: READY_TIMEOUT_MS })
        .toBe("ready");
    }
    const seen = await seenInPage(page);
    for (const file of [pdf, html, markdown, dropped]) {
      expect(seen[file.name]?.statuses[0], `${file.name}: its first state`).toBe("queued");
      expect(seen[file.name]?.rowProgress, `${file.name}: a progress bar while queued`).toBe(true);
      expect(seen[file.name]?.statuses.at(-1)).toBe("ready");
    }
    expect(navigations()).toBe(0);
  });

  await steps.run("each row says what the document is", async () => {
    expect(await documentRow(page, pdf.name).getByTestId("document-kind").textContent()).toBe("PDF");
    expect(await documentRow(page, html.name).getByTestId("document-kind").textContent()).toBe("HTML");
    expect(await documentRow(page, markdown.name).getByTestId("document-kind").textContent()).toBe("Markdown");
    expect(await documentRow(page, dropped.name).getByTestId("document-kind").textContent()).toBe("Text");
    expect(await documentRow(page, pdf.name).textContent()).toContain("1 page");
    for (const file of [pdf, html, markdown, dropped]) {
      expect(
        Number(await documentRow(page, file.name).getByTestId("document-chunks").getAttribute("data-count")),
      ).toBeGreaterThan(0);
    }
    // The name with markup is text: no <b> element anywhere in the list.
    expect(await documentRow(page, html.name).getByTestId("document-name").textContent()).toBe(html.name);
    expect(await page.getByTestId("document-list").locator("b").count()).toBe(0);
  });

  await steps.run("search finds a phrase of each, its words marked", async () => {
    const hit = await searchFor(page, "periwinkle");
    expect(hit(pdf.name)).toMatchObject({ place: "page 1", marks: expect.arrayContaining(["periwinkle"]) });

    // A quoted phrase.
    expect((await searchFor(page, '"saffron harbour"'))(html.name)?.marks).toEqual(
      expect.arrayContaining(["saffron", "harbour"]),
    );
    // A word left out: the HTML file has "saffron", the Markdown file does not.
    const excluded = await searchFor(page, "quartz -saffron");
    expect(excluded(markdown.name)?.marks).toEqual(expect.arrayContaining(["quartz"]));
    expect(excluded(html.name)).toBeUndefined();
    // Either word: two documents.
    const either = await searchFor(page, "tangerine or periwinkle");
    expect(either(dropped.name)?.marks).toEqual(expect.arrayContaining(["tangerine"]));
    expect(either(pdf.name)?.marks).toEqual(expect.arrayContaining(["periwinkle"]));

    // The HTML document's markup and script are not in the page, as elements or as effects.
    await searchFor(page, "saffron");
    const results = page.getByTestId("search-results");
    expect(await results.locator("b, script, h1").count()).toBe(0);
    expect(await results.getByTestId("search-hit-document").allTextContents()).toEqual([html.name]);
    expect(await page.title()).not.toBe("ran");
  });

  await steps.run("search within one document", async () => {
    await page.getByTestId("search-within").selectOption({ label: pdf.name });
    expect([...(await hitNames(page, "tangerine or periwinkle"))]).toEqual([pdf.name]);
    await page.getByTestId("search-within").selectOption({ value: "" });
  });

  await steps.run("a typo finds nothing and offers the word the documents have; one click searches it", async () => {
    await page.getByTestId("search-input").fill("periwinkel");
    await expect.poll(() => page.getByTestId("search-suggestion-button").textContent()).toBe("periwinkle");
    await page.getByTestId("search-suggestion-button").click();
    expect(await page.getByTestId("search-input").inputValue()).toBe("periwinkle");
    await expect.poll(() => page.getByTestId("search-status").getAttribute("data-query")).toBe("periwinkle");
    expect(await page.getByTestId("search-hit").count()).toBeGreaterThan(0);
    expect(await page.getByTestId("search-suggestion").count()).toBe(0);
  });

  await steps.run("a pasted 2,000-character search is cut to the limit, and the box says so", async () => {
    const input = page.getByTestId("search-input");
    await input.fill("periwinkle ".repeat(200).slice(0, 2_000));
    expect((await input.inputValue()).length).toBe(MAX_SEARCH_QUERY_CHARS);
    expect(await page.getByTestId("search-cut").textContent()).toBe(
      `Your search was cut to its first ${MAX_SEARCH_QUERY_CHARS} characters (it had 2,000): a search may be no longer.`,
    );
    await input.fill("periwinkle");
    expect(await page.getByTestId("search-cut").count()).toBe(0);
  });

  await steps.run("download the original", async () => {
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      documentRow(page, pdf.name)
        .getByRole("button", { name: `Download original of ${pdf.name}` })
        .click(),
    ]);
    expect(download.suggestedFilename()).toBe(pdf.name);
    const saved = await download.path();
    expect(Buffer.compare(await readFile(saved), pdf.buffer)).toBe(0);
  });

  await steps.run("delete one: gone from the list and from search, its cached hits never shown again", async () => {
    // Its hit in the cache: "quartz" searched before the delete, then another search on screen.
    expect(await hitNames(page, "quartz")).toEqual(new Set([markdown.name]));
    await searchFor(page, "periwinkle");
    const target = documentRow(page, markdown.name);
    await target.getByRole("button", { name: `Delete ${markdown.name}` }).click();
    await target.getByRole("button", { name: "Yes, delete" }).click();
    await expect.poll(() => documentRow(page, markdown.name).count()).toBe(0);
    await page.evaluate((name) => {
      (window as unknown as { __documentsSeen: Record<string, Seen> }).__documentsSeen[name]!.searchHit = false;
    }, markdown.name);
    await page.getByTestId("search-input").fill("quartz");
    await expect.poll(() => page.getByTestId("search-status").textContent()).toBe("Nothing matches “quartz”.");
    // Not even for the moment the cached "quartz" page took to be refetched.
    expect((await seenInPage(page))[markdown.name]?.searchHit).toBe(false);
    // The others are still found.
    expect(await hitNames(page, "periwinkle")).toEqual(new Set([pdf.name]));
  });

  await steps.run(
    "a file over the limit is refused before it is sent; a file of no readable type by the worker",
    async () => {
      const sentBefore = uploadsSent.length;
      const big: Payload = {
        name: "too-big.txt",
        mimeType: "text/plain",
        buffer: Buffer.alloc(MAX_UPLOAD_MB * 1_000_000 + 1, "a"),
      };
      await page.getByTestId("upload-input").setInputFiles([big]);
      const refused = page.getByTestId("upload-item").filter({ hasText: big.name });
      expect(await refused.getByTestId("upload-error").textContent()).toBe(
        `The file is larger than ${MAX_UPLOAD_MB} MB, the most one upload may be.`,
      );
      expect(uploadsSent.length).toBe(sentBefore);

      // An animation: a picture, but not one OCR reads (PNG, JPEG, TIFF and WebP are).
      const png: Payload = {
        name: "animation.gif",
        mimeType: "image/gif",
        buffer: Buffer.concat([Buffer.from("474946383961", "hex"), randomBytes(512)]),
      };
      await page.getByTestId("upload-input").setInputFiles([png]);
      const unsupported = page.getByTestId("upload-item").filter({ hasText: png.name });
      const reason = (await unsupported.getByTestId("upload-error").textContent()) ?? "";
      // The worker's own sentence, not a transport failure put into words.
      expect(reason).not.toMatch(/^(The worker is unavailable|The worker failed|The worker's answer)/);
      expect(reason.length).toBeGreaterThan(10);
      expect(uploadsSent.at(-1)).toBe(png.name);
      expect(await documentRow(page, png.name).count()).toBe(0);

      for (const name of [big.name, png.name]) {
        await page.getByRole("button", { name: `Dismiss ${name}` }).click();
      }
      expect(await page.getByTestId("upload-item").count()).toBe(0);
    },
  );

  await steps.run(
    "a corrupt PDF fails with its reason; no Retry (it would read the same file), a readable copy is asked for",
    async () => {
      await page.getByTestId("upload-input").setInputFiles([broken]);
      await expect
        .poll(() => documentRow(page, broken.name).getAttribute("data-status"), { timeout: READY_TIMEOUT_MS })
        .toBe("failed");
      const row = documentRow(page, broken.name);
      const reason = (await row.getByTestId("document-failure-reason").textContent()) ?? "";
      expect(reason.length).toBeGreaterThan(10);
      expect(reason).not.toBe("The worker gave no reason.");
      // Said to screen readers too.
      await expect
        .poll(() => page.getByTestId("documents-announcement").textContent())
        .toBe(`${broken.name} failed: ${reason}`);

      expect(await row.getByTestId("document-failure-advice").textContent()).toBe(
        "Retrying would read the same file: delete it and upload a readable copy.",
      );
      expect(await row.getByRole("button", { name: `Retry ${broken.name}` }).count()).toBe(0);
      expect(await row.getByRole("button", { name: `Delete ${broken.name}` }).count()).toBe(1);
    },
  );

  await steps.run("the page renders the list on the server", async () => {
    const dashboard = await page.request.get(`${stack.webUrl}/dashboard`, { maxRedirects: 0 });
    expect(dashboard.status()).toBe(200);
    const body = await dashboard.text();
    expect(body).toContain(`data-name="${pdf.name}"`);
    expect(body).toContain("Field notes &lt;b&gt;draft&lt;b&gt;.html");
    // Nor raw in the page's data for hydration: only escaped.
    expect(body).not.toContain("<b>draft");
    expect(body).not.toContain(markdown.name);
  });

  await steps.run("another account, in another browser context, sees none of it", async () => {
    const otherContext = await browser.newContext();
    try {
      const other = await otherContext.newPage();
      other.setDefaultTimeout(15_000);
      await signUpInBrowser(other, stack.webUrl, {
        name: "Otto Other",
        email: `otto-${suffix}@example.com`,
        password: "correct horse battery",
      });
      await other.getByTestId("documents-empty").waitFor();
      await expect.poll(() => other.getByTestId("documents-live").textContent()).toBe("Live");
      await other.getByTestId("search-input").fill("periwinkle");
      await expect.poll(() => other.getByTestId("search-status").textContent()).toBe("Nothing matches “periwinkle”.");
      expect(await other.getByTestId("document-row").count()).toBe(0);
    } finally {
      await otherContext.close();
    }
  });

  await steps.run(
    "worker stopped: the page still renders and says so; restarted, the section recovers without a reload",
    async () => {
      expect(await stack.worker.stop()).toBe(0);
      const dashboard = await page.request.get(`${stack.webUrl}/dashboard`, { maxRedirects: 0 });
      expect(dashboard.status()).toBe(200);
      expect(await dashboard.text()).toContain("The worker is unavailable");
      await expect
        .poll(() => page.getByTestId("documents-live").textContent())
        .toMatch(/^(Connecting…|Live updates paused)/);
      // What was on screen stays there.
      expect(await documentRow(page, pdf.name).getAttribute("data-status")).toBe("ready");

      await stack.worker.start();
      await expect.poll(() => page.getByTestId("documents-live").textContent(), { timeout: 20_000 }).toBe("Live");
      expect(await page.getByTestId("documents-error").count()).toBe(0);
      expect(await hitNames(page, "tangerine")).toEqual(new Set([dropped.name]));
      expect(navigations()).toBe(0);
    },
  );

  await steps.run("sign out; no page broke its Content-Security-Policy", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL("**/sign-in");
    expect(cspViolations).toEqual([]);
  });

  await steps.finish();
}, 300_000);

/** Drops files on the upload zone as a drag from the desktop would: a drop event whose DataTransfer holds them. */
async function dropFiles(page: Page, files: Payload[]): Promise<void> {
  const transfer = await page.evaluateHandle(
    (list) => {
      const data = new DataTransfer();
      for (const file of list)
        data.items.add(
          new File([Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0))], file.name, { type: file.mimeType }),
        );
      return data;
    },
    files.map((file) => ({ name: file.name, mimeType: file.mimeType, base64: file.buffer.toString("base64") })),
  );
  const zone = page.getByTestId("upload-drop-zone");
  await zone.dispatchEvent("dragover", { dataTransfer: transfer });
  await zone.dispatchEvent("drop", { dataTransfer: transfer });
  await transfer.dispose();
}

/** Starts recording, in the page, what it shows of each file (see Seen). */
async function recordDocuments(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: Record<string, Seen> = {};
    (window as unknown as { __documentsSeen: typeof seen }).__documentsSeen = seen;
    const entry = (name: string) =>
      (seen[name] ??= {
        statuses: [],
        uploadProgress: false,
        rowProgress: false,
        uploadWaiting: false,
        searchHit: false,
      });
    const record = () => {
      for (const item of document.querySelectorAll<HTMLElement>('[data-testid="upload-item"]')) {
        if (item.querySelector('[data-testid="upload-progress"]')) entry(item.dataset.name ?? "").uploadProgress = true;
        const label = item.querySelector<HTMLElement>('[data-testid="upload-progress-label"]');
        if (label?.dataset.started === "false" && label.textContent?.startsWith("Waiting"))
          entry(item.dataset.name ?? "").uploadWaiting = true;
      }
      for (const hit of document.querySelectorAll<HTMLElement>('[data-testid="search-hit"]')) {
        entry(hit.dataset.documentName ?? "").searchHit = true;
      }
      for (const element of document.querySelectorAll<HTMLElement>('[data-testid="document-row"]')) {
        const seenRow = entry(element.dataset.name ?? "");
        const status = element.dataset.status ?? "";
        if (seenRow.statuses.at(-1) !== status) seenRow.statuses.push(status);
        if (element.querySelector('[data-testid="document-progress"]')) seenRow.rowProgress = true;
      }
    };
    new MutationObserver(record).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ["data-status"],
    });
    record();
  });
}

async function seenInPage(page: Page): Promise<Record<string, Seen>> {
  return page.evaluate(() => (window as unknown as { __documentsSeen: Record<string, Seen> }).__documentsSeen);
}

interface ShownHit {
  place: string;
  /** The marked words, lower-cased. */
  marks: string[];
}

/**
 * Types `query` into the search box, waits until the results on screen are
 * this query's (the status line's data-query; until then they may be the
 * previous one's), and returns the hit shown for a document name.
 */
async function searchFor(page: Page, query: string): Promise<(documentName: string) => ShownHit | undefined> {
  await page.getByTestId("search-input").fill(query);
  await expect.poll(() => page.getByTestId("search-status").getAttribute("data-query")).toBe(query);
  const shown = await page.getByTestId("search-hit").evaluateAll((elements) =>
    elements.map((element) => ({
      name: element.getAttribute("data-document-name") ?? "",
      place: element.querySelector('[data-testid="search-hit-place"]')?.textContent ?? "",
      marks: Array.from(element.querySelectorAll("mark"), (mark) => (mark.textContent ?? "").toLowerCase()),
    })),
  );
  return (documentName) => shown.find((hit) => hit.name === documentName);
}

/** The names of the documents whose hits a search for `query` shows. */
async function hitNames(page: Page, query: string): Promise<Set<string>> {
  await searchFor(page, query);
  return new Set(
    await page
      .getByTestId("search-hit")
      .evaluateAll((elements) => elements.map((element) => element.getAttribute("data-document-name") ?? "")),
  );
}
