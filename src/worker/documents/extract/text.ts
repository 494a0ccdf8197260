import { decodeText } from "./decode";
import { ExtractionFailed } from "./errors";
import type { Extracted } from "./types";

/** The file's text, for the text formats: detection usually vouched for the encoding, but a job may reach here without it. */
export function decodeDocument(bytes: Uint8Array): string {
  const decoded = decodeText(bytes);
  if (!decoded) {
    throw new ExtractionFailed(
      "invalid_encoding",
      "The file is not valid UTF-8 (or UTF-16 with a byte-order mark): save it as UTF-8 and upload it again.",
    );
  }
  return decoded.text;
}

/** Plain text has no headings: one unit, which the chunker splits at blank lines. */
export function extractPlainText(bytes: Uint8Array): Extracted {
  return { units: [{ text: decodeDocument(bytes) }] };
}
