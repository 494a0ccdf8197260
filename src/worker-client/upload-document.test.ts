import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { documentSummary } from "../../tests/support/document-summary";
import { createTokenCache } from "./token-cache";
import { oversizeMessage, uploadDocument } from "./upload-document";
import { WorkerHttpError } from "./worker-http";

const WORKER_URL = "http://worker.test:4000/";

const DOCUMENT = documentSummary({ name: "notes été.md", sizeBytes: 11, changeSeq: "42" });

type Answer = { status: number; body: string } | "network-error" | "no-answer";

/**
 * XMLHttpRequest as the upload uses it: records each request, reports the
 * body as sent in two steps, then answers with the next scripted answer.
 */
class FakeXhr {
  static answers: Answer[] = [];
  static sent: FakeXhr[] = [];

  readonly upload = new EventTarget();
  private readonly events = new EventTarget();
  method = "";
  url = "";
  headers: Record<string, string> = {};
  body: unknown;
  status = 0;
  responseText = "";
  aborted = false;

  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name.toLowerCase()] = value;
  }
  addEventListener(type: string, listener: EventListener) {
    this.events.addEventListener(type, listener);
  }
  send(body: Blob) {
    this.body = body;
    FakeXhr.sent.push(this);
    const answer = FakeXhr.answers.shift() ?? "network-error";
    if (answer === "no-answer") return;
    setTimeout(() => {
      if (this.aborted) return;
      this.upload.dispatchEvent(
        Object.assign(new Event("progress"), {
          loaded: Math.floor(body.size / 2),
          total: body.size,
          lengthComputable: true,
        }),
      );
      this.upload.dispatchEvent(
        Object.assign(new Event("progress"), { loaded: body.size, total: body.size, lengthComputable: true }),
      );
      if (answer === "network-error") return void this.events.dispatchEvent(new Event("error"));
      this.status = answer.status;
      this.responseText = answer.body;
      this.events.dispatchEvent(new Event("load"));
    }, 0);
  }
  abort() {
    this.aborted = true;
    this.events.dispatchEvent(new Event("abort"));
  }
}

function refusal(status: number, code: string, message: string, reason: string | null = null): Answer {
  return { status, body: JSON.stringify({ error: { code, message, reason } }) };
}

const file = () => new File(["# Notes\nhi\n"], DOCUMENT.name, { type: "text/markdown" });

function options() {
  let minted = 0;
  const mint = vi.fn(async () => ({ token: `token-${++minted}`, expiresAt: Date.now() + 600_000 }));
  return { workerUrl: WORKER_URL, tokens: createTokenCache(), sessionId: "s-1", mint, file: file() };
}

beforeEach(() => {
  FakeXhr.answers = [];
  FakeXhr.sent = [];
  vi.stubGlobal("XMLHttpRequest", FakeXhr);
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("uploadDocument", () => {
  it("sends the file itself with the token, the request id and the percent-encoded name; resolves with the worker's document", async () => {
    FakeXhr.answers = [{ status: 201, body: JSON.stringify({ document: DOCUMENT }) }];
    const progress: number[] = [];
    const upload = options();
    await expect(uploadDocument({ ...upload, onProgress: ({ loaded }) => progress.push(loaded) })).resolves.toEqual(
      DOCUMENT,
    );

    const [request] = FakeXhr.sent;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe("http://worker.test:4000/documents");
    expect(request?.headers).toMatchObject({
      authorization: "Bearer token-1",
      "x-file-name": "notes%20%C3%A9t%C3%A9.md",
      "content-type": "application/octet-stream",
      "x-request-id": expect.any(String),
    });
    expect(request?.body).toBe(upload.file);
    expect(progress).toEqual([0, 5, 11]);
  });

  it("on a 401 drops the token and sends once more with a fresh one", async () => {
    FakeXhr.answers = [
      refusal(401, "UNAUTHORIZED", "The token has expired.", "expired"),
      { status: 201, body: JSON.stringify({ document: DOCUMENT }) },
    ];
    const upload = options();
    await expect(uploadDocument(upload)).resolves.toEqual(DOCUMENT);
    expect(FakeXhr.sent.map((request) => request.headers.authorization)).toEqual(["Bearer token-1", "Bearer token-2"]);
    expect(upload.mint).toHaveBeenCalledTimes(2);
  });

  it("a busy worker's 503 is waited out and the file sent again; any other 503 is final", async () => {
    vi.useFakeTimers();
    try {
      const busy = refusal(
        503,
        "SERVICE_UNAVAILABLE",
        "The worker is receiving as many uploads as it can: try again in a moment.",
        "busy",
      );
      FakeXhr.answers = [busy, busy, { status: 201, body: JSON.stringify({ document: DOCUMENT }) }];
      const uploaded = uploadDocument(options());
      await vi.runAllTimersAsync();
      await expect(uploaded).resolves.toEqual(DOCUMENT);
      expect(FakeXhr.sent).toHaveLength(3);

      FakeXhr.sent = [];
      FakeXhr.answers = [
        refusal(503, "SERVICE_UNAVAILABLE", "The job queue is not connected yet: try again in a few seconds."),
      ];
      const refused = uploadDocument(options()).catch((caught: unknown) => caught);
      await vi.runAllTimersAsync();
      expect(await refused).toMatchObject({ status: 503 });
      expect(FakeXhr.sent).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it("a second 401 is final, in explainWorkerFailure's words", async () => {
    FakeXhr.answers = [refusal(401, "UNAUTHORIZED", "no", "revoked"), refusal(401, "UNAUTHORIZED", "no", "revoked")];
    await expect(uploadDocument(options())).rejects.toThrow("Your session has ended. Sign in again.");
    expect(FakeXhr.sent).toHaveLength(2);
  });

  it.each([
    [413, "PAYLOAD_TOO_LARGE", "The file is larger than 25 MB, the most one upload may be.", "too_large"],
    [415, "UNSUPPORTED_MEDIA_TYPE", "This looks like a ZIP archive, not a document this app can read.", "unsupported"],
    [
      403,
      "FORBIDDEN",
      "This file would take your documents past 1000 MB (999 MB used): delete some to make room.",
      "quota_storage",
    ],
    [400, "BAD_REQUEST", "The file name is longer than 255 characters: rename it.", "bad_name"],
  ])("a %i refusal says why in the worker's words", async (status, code, message, reason) => {
    FakeXhr.answers = [refusal(status, code, message, reason)];
    const error: unknown = await uploadDocument(options()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkerHttpError);
    expect(error).toMatchObject({ message, code, reason, status });
  });

  it("nothing answering is the worker being unavailable, naming the URL the browser tried", async () => {
    FakeXhr.answers = ["network-error"];
    await expect(uploadDocument(options())).rejects.toThrow(
      `The worker is unavailable: nothing answered at ${WORKER_URL}. Is it running?`,
    );
  });

  it("a proxy's page instead of the worker's answer is not shown as if it were the worker's words", async () => {
    FakeXhr.answers = [{ status: 502, body: "<html>Bad Gateway</html>" }];
    await expect(uploadDocument(options())).rejects.toThrow("The worker's answer could not be read (HTTP 502).");
    FakeXhr.answers = [{ status: 413, body: "<html>Request Entity Too Large</html>" }];
    await expect(uploadDocument(options())).rejects.toThrow(/more than the worker accepts in one request/);
  });

  it("a failed mint is the mint's own error (the session ended): nothing is sent", async () => {
    const upload = { ...options(), mint: vi.fn(async () => Promise.reject(new Error("Sign in to continue."))) };
    await expect(uploadDocument(upload)).rejects.toThrow("Sign in to continue.");
    expect(FakeXhr.sent).toEqual([]);
  });

  it("aborting the signal cancels the upload with an AbortError", async () => {
    FakeXhr.answers = ["no-answer"];
    const controller = new AbortController();
    const pending = uploadDocument({ ...options(), signal: controller.signal });
    await vi.waitFor(() => expect(FakeXhr.sent).toHaveLength(1));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("oversizeMessage", () => {
  it("refuses a file over the limit before sending, in the worker's words", () => {
    expect(oversizeMessage({ size: 25_000_001 }, { maxUploadBytes: 25_000_000 })).toBe(
      "The file is larger than 25 MB, the most one upload may be.",
    );
    expect(oversizeMessage({ size: 1_600_000 }, { maxUploadBytes: 1_500_000 })).toBe(
      "The file is larger than 1.5 MB, the most one upload may be.",
    );
  });

  it("lets a file at the limit go, and any file while the limits are not known", () => {
    expect(oversizeMessage({ size: 25_000_000 }, { maxUploadBytes: 25_000_000 })).toBeNull();
    expect(oversizeMessage({ size: 10 ** 12 }, undefined)).toBeNull();
  });
});
