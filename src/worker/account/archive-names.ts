/**
 * The names the originals get inside an export archive. A document's name is
 * the one it was uploaded with (upload.ts keeps its last path segment, without
 * control characters), but two documents may share it, and a name that was
 * fine where it was uploaded may not be where the archive is unpacked: "..",
 * "CON.txt", "a:b?", a trailing dot, two names differing only in case on a
 * case-insensitive file system. Each becomes a name that the common file
 * systems take and that no other in the archive has, ignoring case; the
 * first of equal names keeps it, the next get " (2)", " (3)" before the
 * extension, as a browser's downloads do.
 */

/** Characters Windows refuses in a name, path separators, and invisible ones. */
const UNSAFE = /[<>:"/\\|?*]/gu;
const INVISIBLE = /[\p{Cc}\p{Cf}]/gu;
/** Device names Windows reserves, whatever extension follows them. */
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/iu;
/** A name's length limit on ext4, APFS and most others, in UTF-8 bytes. */
const MAX_NAME_BYTES = 255;
/** Longer than this after the last dot, it is not an extension worth keeping whole. */
const MAX_EXTENSION_LENGTH = 16;
/** What an empty name (or one of dots only) becomes. */
const FALLBACK_NAME = "document";

/** `names` in order, each made safe and unique among them (compared without case). */
export function archiveNames(names: readonly string[]): string[] {
  const taken = new Set<string>();
  return names.map((name) => {
    const { stem, extension } = split(safeName(name));
    for (let copy = 1; ; copy++) {
      const candidate = fit(stem, copy === 1 ? extension : ` (${copy})${extension}`);
      const key = candidate.toLowerCase();
      if (!taken.has(key)) {
        taken.add(key);
        return candidate;
      }
    }
  });
}

function safeName(name: string): string {
  const safe = trimEnds(name.normalize("NFC").replace(INVISIBLE, "").replace(UNSAFE, "_"));
  return /^\.*$/u.test(safe) ? FALLBACK_NAME : safe;
}

/** Windows drops trailing dots and spaces (two names would meet); leading spaces are easy to miss. */
function trimEnds(name: string): string {
  return name.replace(/^ +/u, "").replace(/[. ]+$/u, "");
}

function split(name: string): { stem: string; extension: string } {
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 && name.length - dot <= MAX_EXTENSION_LENGTH ? name.slice(dot) : "";
  let stem = name.slice(0, name.length - extension.length);
  // "CON.txt" and "con.tar.gz" are the device too: what precedes the first dot decides.
  if (RESERVED.test(stem.split(".", 1)[0]!)) stem = `_${stem}`;
  return { stem, extension };
}

/** `stem` + `tail`, the stem shortened (by whole characters) until the name fits MAX_NAME_BYTES. */
function fit(stem: string, tail: string): string {
  const budget = MAX_NAME_BYTES - Buffer.byteLength(tail);
  if (Buffer.byteLength(stem) <= budget) return stem + tail;
  const characters = Array.from(stem);
  while (characters.length > 0 && Buffer.byteLength(characters.join("")) > budget) characters.pop();
  return (trimEnds(characters.join("")) || FALLBACK_NAME) + tail;
}
