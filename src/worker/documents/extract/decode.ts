export type TextEncoding = "utf-8" | "utf-16le" | "utf-16be";

/** The encoding a byte-order mark announces, UTF-8 when there is none, and how many bytes the mark takes. */
export function sniffEncoding(bytes: Uint8Array): { encoding: TextEncoding; bomLength: number } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: "utf-8", bomLength: 3 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: "utf-16le", bomLength: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: "utf-16be", bomLength: 2 };
  return { encoding: "utf-8", bomLength: 0 };
}

/**
 * Decodes UTF-8 (a BOM dropped) or UTF-16 with a BOM; null when the bytes are
 * not valid in that encoding. `partial`: the bytes are the start of a longer
 * file, so a character cut at the end is not an error.
 */
export function decodeText(bytes: Uint8Array, partial = false): { text: string; encoding: TextEncoding } | null {
  const { encoding, bomLength } = sniffEncoding(bytes);
  // ignoreBOM: the mark is sliced off here, so one a file repeats stays visible to the caller.
  const decoder = new TextDecoder(encoding, { fatal: true, ignoreBOM: true });
  try {
    return { text: decoder.decode(bytes.subarray(bomLength), { stream: partial }), encoding };
  } catch {
    return null;
  }
}
