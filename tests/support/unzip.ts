/**
 * A ZIP archive read back whole, with yauzl (the library the worker's DOCX
 * guard uses) at its strictest: a name with a backslash, an absolute path or
 * a ".." segment, or an entry whose bytes disagree with its declared size or
 * CRC-32, fails the read.
 */
import { fromBufferPromise } from "yauzl";

export interface UnzippedEntry {
  name: string;
  bytes: Buffer;
  /** 0: stored, 8: deflated. */
  compressionMethod: number;
  lastModified: Date;
}

/** The entries in the archive's order. */
export async function unzip(archive: Buffer): Promise<UnzippedEntry[]> {
  const zip = await fromBufferPromise(archive, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true });
  const entries: UnzippedEntry[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      const stream = await zip.openReadStreamPromise(entry);
      const chunks: Buffer[] = [];
      for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
      entries.push({
        name: entry.fileName,
        bytes: Buffer.concat(chunks),
        compressionMethod: entry.compressionMethod,
        lastModified: entry.getLastModDate(),
      });
    }
  } finally {
    zip.close();
  }
  return entries;
}
