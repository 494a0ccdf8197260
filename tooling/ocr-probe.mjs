/**
 * Reads the text of one image with the packages the worker ships beside its
 * bundle (tooling/shipped-packages.ts), as the worker's OCR does: sharp to
 * prepare the image, tesseract.js with the English model found by resolving
 * its package from this file, and nothing fetched or cached. Bundled and run
 * from a folder of its own by tooling/ocr-probe.test.ts, and run with the
 * worker image's own node by the containers suite.
 *
 *   node ocr-probe.mjs [--cdn] <PNG as base64>
 *
 * Prints one JSON line: the text, tesseract's confidence and where each
 * package was loaded from. --cdn leaves langPath unset, so tesseract.js
 * would download its model: how the tests show that their network guard sees
 * a download from tesseract's own thread.
 */
import { createRequire } from "node:module";
import path from "node:path";

import sharp from "sharp";
import { createWorker } from "tesseract.js";

const resolveHere = createRequire(import.meta.url).resolve;
const image = Buffer.from(process.argv.at(-1) ?? "", "base64");
const fromCdn = process.argv.includes("--cdn");

// As the OCR code finds a language's model: the folder of its package, best_int (LSTM only) models, gzipped.
const langPath = path.join(path.dirname(resolveHere("@tesseract.js-data/eng/package.json")), "4.0.0_best_int");

const { data: grey, info } = await sharp(image).greyscale().png().toBuffer({ resolveWithObject: true });
const worker = await createWorker(
  "eng",
  1,
  fromCdn ? { cacheMethod: "none" } : { langPath, gzip: true, cacheMethod: "none" },
);
try {
  const { data } = await worker.recognize(grey);
  process.stdout.write(
    `${JSON.stringify({
      text: data.text,
      confidence: data.confidence,
      width: info.width,
      height: info.height,
      loaded: { tesseract: resolveHere("tesseract.js"), sharp: resolveHere("sharp"), langPath },
    })}\n`,
  );
} finally {
  await worker.terminate();
}
