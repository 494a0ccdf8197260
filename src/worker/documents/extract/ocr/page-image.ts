/**
 * One page's picture made ready for OCR (an uploaded image's page, or a PDF
 * page pdftoppm rendered): grayscale, no larger than Tesseract can use, and
 * the small WebP shown beside a search hit on it. Decoded once into raw
 * pixels, from which the rest is made.
 */
import sharp, { type Sharp } from "sharp";

// Each page is decoded once and never again: libvips's cache of recent
// operations would only hold a reader's memory up between documents.
sharp.cache(false);

/** The longest side Tesseract is given: about a letter page at 300 dpi; it gains nothing above that. */
export const MAX_OCR_SIDE = 4_000;
/** The page image shown beside a hit: wide enough to tell one scan from another, a few tens of KB. */
const PREVIEW_WIDTH = 600;
const PREVIEW_QUALITY = 60;
/**
 * A page is blank when fewer than this share of its pixels (at preview
 * size, which smooths a scanner's noise away) are clearly darker than the
 * page: a few characters' worth. Tesseract is not given it at all; on
 * noise it reads letters that are not there.
 */
const INK_SHARE = 1e-4;
/** How much darker than the page's mean a pixel must be to count as ink. */
const INK_CONTRAST = 64;

export interface PreparedPage {
  /** Grayscale PNG for Tesseract. */
  png: Buffer;
  /** Nothing printed on it: not worth recognising. */
  blank: boolean;
  preview: { bytes: Buffer; width: number; height: number };
}

/**
 * The page ready for OCR, from a sharp pipeline that reads it (its pixel
 * limit and orientation set by the caller), scanned or rendered at `dpi`
 * where that is known.
 */
export async function preparePage(image: Sharp, dpi?: number): Promise<PreparedPage> {
  const original = await image.metadata();
  // A transparent background is white paper, not black. (Only where the
  // alpha is a band of its own: sharp cannot flatten the odd TIFF whose
  // extra bands say otherwise, and paper has no transparency anyway.)
  if (original.hasAlpha && (original.channels === 2 || original.channels === 4)) {
    image.flatten({ background: "#ffffff" });
  }
  const { data, info } = await image
    .toColourspace("b-w")
    .resize({ width: MAX_OCR_SIDE, height: MAX_OCR_SIDE, fit: "inside", withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = () => sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
  const [png, preview] = await Promise.all([
    // Speed over size: it only crosses to Tesseract's thread.
    raw()
      .png({ compressionLevel: 1 })
      .withMetadata({
        density: tesseractDpi(
          info,
          dpi && (dpi * Math.max(info.width, info.height)) / Math.max(original.width, original.height),
        ),
      })
      .toBuffer(),
    raw()
      .resize({ width: PREVIEW_WIDTH, withoutEnlargement: true })
      .webp({ quality: PREVIEW_QUALITY })
      .toBuffer({ resolveWithObject: true }),
  ]);
  const small = await raw()
    .resize({ width: PREVIEW_WIDTH, withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    png,
    blank: isBlank(small.data, small.info.channels),
    preview: { bytes: preview.data, width: preview.info.width, height: preview.info.height },
  };
}

/**
 * The resolution Tesseract is told (it sizes its idea of a letter by it,
 * and warns below 70 dpi): the real one where known, else the page's
 * longest side taken as an A4 or letter page's (11.7 inches), as a scan or
 * a photo of one usually is.
 */
function tesseractDpi(size: { width: number; height: number }, known: number | undefined): number {
  const dpi = known ?? Math.max(size.width, size.height) / 11.7;
  return Math.round(Math.min(1200, Math.max(70, dpi)));
}

function isBlank(pixels: Buffer, channels: number): boolean {
  const count = pixels.length / channels;
  let sum = 0;
  for (let index = 0; index < pixels.length; index += channels) sum += pixels[index] ?? 0;
  const inkBelow = sum / count - INK_CONTRAST;
  let ink = 0;
  for (let index = 0; index < pixels.length; index += channels) if ((pixels[index] ?? 0) < inkBelow) ink++;
  return ink < count * INK_SHARE;
}
