"use client";

import { useState } from "react";

import type { DocumentSummary } from "~/contract/document-summary";
import { readingPage, readyNotice, statusLabel } from "./format";

/**
 * What changed in the list's statuses between two renders, as one sentence
 * for a screen reader: a document uploaded, deleted, moved to another
 * status, and what the owner of a ready one should know. Progress within a
 * status is not news, nor is each page read; OCR starting is (it is slow,
 * and says why). Null when nothing changed.
 */
export function describeStatusChanges(
  before: readonly DocumentSummary[] | undefined,
  after: readonly DocumentSummary[] | undefined,
): string | null {
  if (!before || !after) return null;
  const was = new Map(before.map((document) => [document.id, document]));
  const news: string[] = [];
  for (const document of after) {
    const previous = was.get(document.id);
    was.delete(document.id);
    if (previous?.status === document.status) {
      if (ocrStarted(previous, document)) news.push(`${document.name}: ${statusNews(document)}`);
      continue;
    }
    if (document.status === "failed")
      news.push(`${document.name} failed: ${document.failureReason ?? "no reason given"}`);
    else if (!previous) news.push(`${document.name} uploaded: ${statusNews(document)}`);
    else news.push(`${document.name}: ${statusNews(document)}`);
  }
  for (const gone of was.values()) news.push(`${gone.name} deleted.`);
  return news.length ? news.join(" ") : null;
}

/** "extracting text, reading page 3 of 12 (OCR).", "ready. No text was found in the image." */
function statusNews(document: DocumentSummary): string {
  const status = statusLabel(document.status).toLowerCase();
  const reading = readingPage(document);
  if (reading) return `${status}, reading ${reading}.`;
  const notice = readyNotice(document);
  return notice ? `${status}. ${notice}` : `${status}.`;
}

function ocrStarted(previous: DocumentSummary, document: DocumentSummary): boolean {
  return document.status === "extracting" && document.reading?.ocr === true && previous.reading?.ocr !== true;
}

/** The latest status news of `documents` (for an aria-live region), kept until there is newer. */
export function useStatusAnnouncement(documents: readonly DocumentSummary[] | undefined): string {
  const [previous, setPrevious] = useState(documents);
  const [message, setMessage] = useState("");
  // Compared while rendering, not in an effect: the announcement shows in
  // the same commit as the change it is about.
  if (documents !== previous) {
    setPrevious(documents);
    const news = describeStatusChanges(previous, documents);
    if (news) setMessage(news);
  }
  return message;
}
