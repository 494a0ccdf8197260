import { fromBufferPromise, type ZipFile } from "yauzl";

import { ExtractionFailed } from "./errors";

/** The most a Word document may expand to, all its parts together. */
export const MAX_DOCX_EXPANDED_BYTES = 100 * 1024 * 1024;
/** Real Word documents have tens of parts; millions of empty ones are an attack on time, not space. */
export const MAX_DOCX_ENTRIES = 10_000;

export interface ZipLimits {
  maxExpandedBytes?: number;
  maxEntries?: number;
}

/**
 * Checks a ZIP before a parser that trusts it (mammoth unzips everything into
 * memory) opens it: every entry is decompressed and its real bytes counted,
 * since the sizes an archive declares are the attacker's to write. Stops at
 * the cap rather than after. Returns the entries' names.
 */
export async function checkZip(bytes: Uint8Array, limits: ZipLimits = {}): Promise<Set<string>> {
  const maxBytes = limits.maxExpandedBytes ?? MAX_DOCX_EXPANDED_BYTES;
  const maxEntries = limits.maxEntries ?? MAX_DOCX_ENTRIES;
  const tooLarge = () =>
    new ExtractionFailed(
      "too_large",
      `The document expands to more than ${formatMb(maxBytes)} MB: too large to process.`,
    );

  let zip: ZipFile;
  try {
    // validateEntrySizes off: a lying size is caught by the count below, with the reason that matters.
    zip = await fromBufferPromise(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      lazyEntries: true,
      validateEntrySizes: false,
      strictFileNames: false,
    });
  } catch (cause) {
    throw damaged(cause);
  }
  try {
    if (zip.entryCount > maxEntries)
      throw new ExtractionFailed("too_large", `The document has more than ${maxEntries} parts: too large to process.`);
    const names = new Set<string>();
    let declared = 0;
    let expanded = 0;
    for await (const entry of zip.eachEntry()) {
      names.add(entry.fileName);
      // The declared sizes, when honest, refuse a large archive before any work.
      declared += entry.uncompressedSize;
      if (declared > maxBytes) throw tooLarge();
      if (entry.fileName.endsWith("/")) continue;
      const stream = await zip.openReadStreamPromise(entry);
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          expanded += chunk.length;
          if (expanded > maxBytes) throw tooLarge();
        }
      } finally {
        stream.destroy();
      }
    }
    return names;
  } catch (error) {
    throw error instanceof ExtractionFailed ? error : damaged(error);
  } finally {
    zip.close();
  }
}

function damaged(cause: unknown): ExtractionFailed {
  return new ExtractionFailed(
    "damaged",
    "The document is damaged: its ZIP archive cannot be read. Save it again and upload the new copy.",
    { cause },
  );
}

function formatMb(bytes: number): string {
  return String(Math.round((bytes / (1024 * 1024)) * 10) / 10);
}
