import { describe, expect, it } from "vitest";

import { documentSummary } from "../../../../tests/support/document-summary";
import type { DocumentSummary } from "~/contract/document-summary";
import { describeStatusChanges } from "./status-announcement";

function doc(id: string, status: DocumentSummary["status"], change: Partial<DocumentSummary> = {}): DocumentSummary {
  return documentSummary({ id, name: `${id}.pdf`, kind: "pdf", mimeType: "application/pdf", status, ...change });
}

describe("describeStatusChanges", () => {
  it("says nothing before there is a list to compare with, or when only progress moved", () => {
    expect(describeStatusChanges(undefined, [doc("a", "queued")])).toBeNull();
    expect(
      describeStatusChanges([doc("a", "extracting", { progress: 10 })], [doc("a", "extracting", { progress: 40 })]),
    ).toBeNull();
  });

  it("names each document that arrived, moved on, failed (with why) or went", () => {
    const before = [doc("a", "indexing"), doc("b", "extracting"), doc("c", "ready")];
    const after = [
      doc("new", "queued"),
      doc("a", "ready", { chunkCount: 3 }),
      doc("b", "failed", { failureReason: "The PDF is damaged." }),
    ];
    expect(describeStatusChanges(before, after)).toBe(
      "new.pdf uploaded: queued. a.pdf: ready. b.pdf failed: The PDF is damaged. c.pdf deleted.",
    );
  });

  it("says that OCR started, and which page, without announcing each page after", () => {
    const reading = (page: number, ocr: boolean) => ({ reading: { page, pages: 40, ocr } });
    expect(describeStatusChanges([doc("a", "queued")], [doc("a", "extracting", reading(1, true))])).toBe(
      "a.pdf: extracting text, reading page 1 of 40 (OCR).",
    );
    // A mixed PDF: its text pages read quietly, its first scanned page is news.
    expect(
      describeStatusChanges([doc("a", "extracting", reading(4, false))], [doc("a", "extracting", reading(5, true))]),
    ).toBe("a.pdf: extracting text, reading page 5 of 40 (OCR).");
    expect(
      describeStatusChanges([doc("a", "extracting", reading(5, true))], [doc("a", "extracting", reading(6, true))]),
    ).toBeNull();
    expect(
      describeStatusChanges([doc("a", "extracting", reading(1, false))], [doc("a", "extracting", reading(2, false))]),
    ).toBeNull();
  });

  it("a document that became ready says what its owner should know", () => {
    const scan = doc("scan", "ready", { notice: "No text was found in the image.", chunkCount: 0 });
    expect(describeStatusChanges([doc("scan", "indexing")], [scan])).toBe(
      "scan.pdf: ready. No text was found in the image.",
    );
  });
});
