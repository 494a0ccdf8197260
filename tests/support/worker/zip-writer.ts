/** ZIP archives written byte by byte for the tests, including ones no honest tool would write. */
import { constants, crc32, deflateRawSync } from "node:zlib";

export interface ZipEntryInput {
  name: string;
  /** Stored as is (method 0) unless `deflated` is given. */
  data?: Uint8Array;
  deflated?: { compressed: Uint8Array; size: number; crc: number };
  /** The uncompressed size the archive claims, when it should lie. */
  declaredSize?: number;
}

export function zip(entries: ZipEntryInput[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, "utf8");
    const data = entry.deflated ? Buffer.from(entry.deflated.compressed) : Buffer.from(entry.data ?? new Uint8Array());
    const method = entry.deflated ? 8 : 0;
    const crc = entry.deflated ? entry.deflated.crc : crc32(data);
    const size = entry.declaredSize ?? (entry.deflated ? entry.deflated.size : data.length);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, data);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/**
 * A deflate stream of `megabytes` MiB of zeros, built in milliseconds: one
 * MiB compressed with a sync flush (byte-aligned, its back-references never
 * reach before its own start) repeated, then a final empty block. 1 GiB
 * becomes about 1 MB.
 */
export function deflatedZeros(megabytes: number): { compressed: Buffer; size: number; crc: number } {
  const mib = Buffer.alloc(1024 * 1024);
  const block = deflateRawSync(mib, { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
  const final = deflateRawSync(Buffer.alloc(0));
  let crc = 0;
  for (let i = 0; i < megabytes; i++) crc = crc32(mib, crc);
  return {
    compressed: Buffer.concat([...Array.from({ length: megabytes }, () => block), final]),
    size: megabytes * mib.length,
    crc,
  };
}

/**
 * A Word document that passes every check before the parser (a small file,
 * expanding to `megabytes` of XML, under the 100 MB cap) and whose reading
 * then needs many times that in memory: mammoth holds the XML as a tree.
 */
export function wordDocumentOfTinyParagraphs(megabytes: number, contentTypes = Buffer.from("<Types/>")): Buffer {
  const paragraph = "<w:p><w:r><w:t>lorem ipsum</w:t></w:r></w:p>";
  const xml = Buffer.from(
    `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${paragraph.repeat(
      Math.ceil((megabytes * 1e6) / paragraph.length),
    )}</w:body></w:document>`,
  );
  return zip([
    { name: "[Content_Types].xml", data: contentTypes },
    { name: "word/document.xml", deflated: { compressed: deflateRawSync(xml), size: xml.length, crc: crc32(xml) } },
  ]);
}
