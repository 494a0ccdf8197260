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
      doc("a", "ready"),
      doc("b", "failed", { failureReason: "The PDF is damaged." }),
    ];
    expect(describeStatusChanges(before, after)).toBe(
      "new.pdf uploaded: queued. a.pdf: ready. b.pdf failed: The PDF is damaged. c.pdf deleted.",
    );
  });
});
