import { fileTypeFromBuffer } from "file-type";

import { decodeText, sniffEncoding, type TextEncoding } from "./decode";
import type { DocumentKind } from "./types";

/** How many bytes of the file's start detection wants (file-type reads up to this far). */
export const DETECTION_HEAD_BYTES = 4100;

export const DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

export interface DetectedType {
  ok: true;
  kind: DocumentKind;
  /** What to store and serve the file as; text kinds carry their charset. */
  mimeType: string;
}

export type RefusalCode = "empty" | "executable" | "unsupported_type" | "extension_mismatch" | "text_encoding";

export interface Refusal {
  ok: false;
  code: RefusalCode;
  /** A sentence the uploader can act on. */
  message: string;
}

const WORD_EXTENSIONS = new Set(["docx", "docm", "dotx", "dotm"]);
const EXECUTABLES = new Set([
  "exe",
  "elf",
  "macho",
  "wasm",
  "class",
  "dex",
  "apk",
  "jar",
  "msi",
  "deb",
  "rpm",
  "crx",
  "xpi",
]);
// Pictures of text (scans, photos, screenshots), read by OCR (./ocr/).
const IMAGE_FORMATS = new Set(["png", "jpg", "tif", "webp"]);
const READABLE = "PDF, Word .docx, HTML, Markdown, plain text, or an image (PNG, JPEG, TIFF, WebP)";
// file-type recognises these by their text; they are read as the text they are.
const TEXT_FORMATS = new Set(["xml", "ics", "vcf", "vtt"]);
// A text document may hold a few stray control characters (the extractor drops
// them); a file where more than this share of characters are controls is data.
const MAX_CONTROL_SHARE = 0.01;

/**
 * What an upload is, judged from its first bytes (at least
 * DETECTION_HEAD_BYTES, or the whole file when smaller) rather than from its
 * name, so a misnamed file is caught before anything is stored. The name only
 * tells Markdown from plain text, and what the uploader believed the file was.
 */
export async function detectDocumentType(head: Uint8Array, fileName: string): Promise<DetectedType | Refusal> {
  if (head.length === 0) return refuse("empty", "The file is empty.");
  const extension = nameExtension(fileName);
  const partial = head.length >= DETECTION_HEAD_BYTES;
  // A byte-order mark is read as one before file-type sees it: FF FE also
  // starts an MPEG audio frame, and file-type would call UTF-16 text audio.
  const marked = sniffEncoding(head).bomLength > 0 ? decodeText(head, partial) : null;
  const found = marked && controlShare(marked.text) <= MAX_CONTROL_SHARE ? undefined : await fileTypeFromBuffer(head);

  if (found?.ext === "pdf") return { ok: true, kind: "pdf", mimeType: "application/pdf" };
  // A ZIP that turns out not to be a Word document fails in extraction, which
  // sees the whole archive; the head may not reach the entry that tells.
  if (found && (WORD_EXTENSIONS.has(found.ext) || found.ext === "zip")) {
    return { ok: true, kind: "docx", mimeType: found.ext === "zip" ? DOCX_MIME : found.mime };
  }
  // libtiff (and so most scanners' software) writes a TIFF's first directory at its end, past
  // the head file-type sees: its byte-order mark and 42 are what the head has.
  if (!found && isTiffHead(head) && extension !== "pdf" && extension !== "docx") {
    return { ok: true, kind: "image", mimeType: "image/tiff" };
  }
  if (found && IMAGE_FORMATS.has(found.ext) && extension !== "pdf" && extension !== "docx") {
    return { ok: true, kind: "image", mimeType: found.mime };
  }
  if (found && !TEXT_FORMATS.has(found.ext)) return refuseBinary(found, extension);

  const decoded = decodeText(head, partial);
  if (!decoded) {
    return looksBinary(head)
      ? refuse(
          extension === "pdf" || extension === "docx" ? "extension_mismatch" : "unsupported_type",
          `${namedAs(extension)}its content is not a format this app reads (${READABLE}).`,
        )
      : refuse(
          "text_encoding",
          "The file is text but not in UTF-8 (or UTF-16 with a byte-order mark): save it as UTF-8 and upload it again.",
        );
  }
  if (looksUtf16WithoutBom(head)) {
    return refuse(
      "text_encoding",
      "The file looks like UTF-16 text without a byte-order mark: save it as UTF-8 and upload it again.",
    );
  }
  if (controlShare(decoded.text) > MAX_CONTROL_SHARE) {
    return refuse(
      "unsupported_type",
      `${namedAs(extension)}its content is binary data, not a document this app reads (${READABLE}).`,
    );
  }
  if (extension === "pdf")
    return refuse(
      "extension_mismatch",
      "The file is named .pdf but it is not a PDF: it is text. Upload the real PDF, or rename it to .txt.",
    );
  if (extension === "docx") {
    return refuse(
      "extension_mismatch",
      "The file is named .docx but it is not a Word document (not a ZIP archive). Save it from Word as .docx and upload it again.",
    );
  }

  if (looksLikeHtml(decoded.text)) return textKind("html", "text/html", decoded.encoding);
  if (extension === "md" || extension === "markdown" || looksLikeMarkdown(decoded.text)) {
    return textKind("markdown", "text/markdown", decoded.encoding);
  }
  return textKind("text", "text/plain", decoded.encoding);
}

function isTiffHead(head: Uint8Array): boolean {
  const little = head[0] === 0x49 && head[1] === 0x49 && head[2] === 0x2a && head[3] === 0x00;
  const big = head[0] === 0x4d && head[1] === 0x4d && head[2] === 0x00 && head[3] === 0x2a;
  return little || big;
}

function refuse(code: RefusalCode, message: string): Refusal {
  return { ok: false, code, message };
}

function textKind(kind: DocumentKind, mime: string, encoding: TextEncoding): DetectedType {
  return { ok: true, kind, mimeType: `${mime}; charset=${encoding}` };
}

function nameExtension(fileName: string): string {
  const dot = fileName.lastIndexOf(".");
  return dot < 0 ? "" : fileName.slice(dot + 1).toLowerCase();
}

function namedAs(extension: string): string {
  if (extension === "pdf") return "The file is named .pdf but it is not a PDF: ";
  if (extension === "docx") return "The file is named .docx but it is not a Word document: ";
  return "The file cannot be read: ";
}

function refuseBinary(found: { ext: string; mime: string }, extension: string): Refusal {
  const prefix = namedAs(extension);
  if (EXECUTABLES.has(found.ext)) {
    return refuse("executable", `${prefix}it is an executable program (${found.ext.toUpperCase()}), not a document.`);
  }
  if (found.ext === "cfb") {
    return refuse(
      extension === "pdf" || extension === "docx" ? "extension_mismatch" : "unsupported_type",
      `${prefix}it is an old-format Office file (.doc, .xls) or a password-protected Office document. Save it as .docx without a password, or as PDF, and upload it again.`,
    );
  }
  return refuse(
    extension === "pdf" || extension === "docx" ? "extension_mismatch" : "unsupported_type",
    `${prefix}it is a ${found.ext.toUpperCase()} file (${found.mime}). This app reads ${READABLE}.`,
  );
}

function looksBinary(head: Uint8Array): boolean {
  let controls = 0;
  for (const byte of head)
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0c && byte !== 0x0d) controls++;
  return controls / head.length > MAX_CONTROL_SHARE;
}

// ASCII in UTF-16 is every other byte NUL, which is valid UTF-8; without the
// mark it would be read as text full of NULs.
function looksUtf16WithoutBom(head: Uint8Array): boolean {
  if (head.length < 4 || (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return false;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < head.length; i++) {
    if (head[i] !== 0) continue;
    if (i % 2 === 0) even++;
    else odd++;
  }
  const half = head.length / 2;
  return Math.max(even, odd) > half * 0.4 && Math.min(even, odd) < half * 0.05;
}

function controlShare(text: string): number {
  if (text.length === 0) return 0;
  const controls = text.match(/[\u0000-\u0008\u000b\u000e-\u001f]/g)?.length ?? 0;
  return controls / text.length;
}

const HTML_START = /^\s*(<!--[\s\S]*?-->\s*)*(<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])/i;
const HTML_TAGS = /<(html|head|body|div|p|h[1-6]|table|ul|ol|article|section|span|a\s+href)[\s>]/gi;

function looksLikeHtml(text: string): boolean {
  const start = text.replace(/^<\?xml[^>]*>/, "");
  if (HTML_START.test(start)) return true;
  // A fragment with no <html>: several common tags near the start.
  return (start.slice(0, 1024).match(HTML_TAGS)?.length ?? 0) >= 3 && start.trimStart().startsWith("<");
}

// A "# " line alone could be a comment in a config file; a heading plus more
// Markdown structure is a document.
function looksLikeMarkdown(text: string): boolean {
  return /^#{1,6} \S/m.test(text) && (text.match(/^(#{1,6} \S|[-*] \S|\d+\. \S|```)/gm)?.length ?? 0) >= 2;
}
