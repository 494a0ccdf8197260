/**
 * An uploaded image (PNG, JPEG, TIFF with one page or many, WebP), read by
 * OCR page by page. Its size is read from its header first: an image past
 * the pixel limit (a 50,000 × 50,000 PNG, a decompression bomb whose few
 * hundred KB inflate to gigabytes) is refused before a pixel is decoded,
 * and sharp's own limit guards the decoding should a header lie.
 */
import sharp from "sharp";

import { ExtractionFailed } from "../errors";
import type { Extracted, ExtractionProgress } from "../types";
import { noPageRead, ocrPages, PageFailed, tooManyPages, type OcrPage } from "./ocr-pages";
import { preparePage } from "./page-image";
import { pixelLimitReason } from "./pixel-limit";
import type { OcrSettings } from "./settings";

const DAMAGED = "The image is damaged and cannot be read. Save or export it again and upload the new copy.";

export async function extractImage(
  bytes: Uint8Array,
  settings: OcrSettings,
  onProgress?: ExtractionProgress,
): Promise<Extracted> {
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = (await header(input)).pages ?? 1;
  if (count > settings.maxPages) throw tooManyPages(count, settings, "pages");
  const pages: OcrPage[] = Array.from({ length: count }, (_, index) => ({
    page: index + 1,
    async prepare() {
      // Each page of a TIFF may have a size of its own.
      const { width, height } = await header(input, count === 1 ? undefined : index).catch((cause: unknown) => {
        throw new PageFailed("damaged", DAMAGED, { cause });
      });
      const tooLarge = pixelLimitReason(width, height, settings.maxPixels);
      if (tooLarge) throw new PageFailed("too_large", tooLarge);
      const image = sharp(input, {
        page: index,
        pages: 1,
        limitInputPixels: settings.maxPixels,
        // A phone photo's EXIF orientation: its text upright.
        autoOrient: true,
        // Truncated or damaged pixel data fails; a mere warning does not.
        failOn: "error",
      });
      return preparePage(image).catch((cause: unknown) => {
        throw new PageFailed("damaged", DAMAGED, { cause });
      });
    },
  }));
  const { units, outcome, failures } = await ocrPages(pages, { settings, pages: count, onProgress });
  if (outcome.pages === 0) throw noPageRead(failures);
  return { units, pages: count, ocr: outcome };
}

/** The image's header (size, page count), or the damaged-image failure. */
async function header(input: Buffer, page?: number): Promise<{ width: number; height: number; pages?: number }> {
  try {
    const { width, height, pages } = await sharp(input, {
      ...(page === undefined ? {} : { page }),
      // Only the header is read here, so no limit: the caller checks its size against the settings'.
      limitInputPixels: false,
    }).metadata();
    return { width, height, pages };
  } catch (cause) {
    throw new ExtractionFailed("damaged", DAMAGED, { cause });
  }
}
