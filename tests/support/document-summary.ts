import type { DocumentSummary } from "~/contract/document-summary";

/** For tests: a document as the worker describes one, a freshly uploaded Markdown file unless `change` says otherwise. */
export function documentSummary(change: Partial<DocumentSummary> = {}): DocumentSummary {
  return {
    id: "5f0c6e5e-8a39-4d55-9f0b-7c1b1f0a2d11",
    name: "notes.md",
    kind: "markdown",
    mimeType: "text/markdown",
    sizeBytes: 100,
    status: "queued",
    progress: 0,
    failureReason: null,
    retryable: false,
    pages: null,
    sections: null,
    chunkCount: 0,
    ocr: null,
    notice: null,
    reading: null,
    createdAt: 1_764_600_000_000,
    changeSeq: "1",
    ...change,
  };
}
