import mammoth from "mammoth";

import { ExtractionFailed } from "./errors";
import { extractHtml } from "./html";
import type { Extracted } from "./types";
import { checkZip, type ZipLimits } from "./zip-guard";

// What other ZIP-based formats hold, to tell the uploader what they sent instead.
const OTHER_FORMATS: [prefix: string, what: string][] = [
  ["xl/", "an Excel workbook"],
  ["ppt/", "a PowerPoint presentation"],
  ["content.xml", "an OpenDocument file (LibreOffice)"],
  ["META-INF/container.xml", "an EPUB book"],
];

/**
 * A Word document's text, one unit per heading (Heading 1–3 styles): mammoth
 * turns it into HTML, which is read as any HTML is.
 */
export async function extractDocx(bytes: Uint8Array, limits?: ZipLimits): Promise<Extracted> {
  const names = await checkZip(bytes, limits);
  if (!names.has("word/document.xml")) {
    const other = OTHER_FORMATS.find(([prefix]) => [...names].some((name) => name.startsWith(prefix)));
    throw new ExtractionFailed(
      "not_word_document",
      `The file is a ZIP archive but not a Word document${other ? `: it is ${other[1]}` : ""}. Upload a .docx saved by Word, LibreOffice or Google Docs.`,
    );
  }
  let html: string;
  try {
    // Images would come back as base64 data URIs only to be thrown away: skip them.
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
      { convertImage: mammoth.images.imgElement(() => Promise.resolve({ src: "" })) },
    );
    html = result.value;
  } catch (cause) {
    throw new ExtractionFailed(
      "damaged",
      "The Word document is damaged and cannot be read. Save it again and upload the new copy.",
      { cause },
    );
  }
  return extractHtml(html);
}
