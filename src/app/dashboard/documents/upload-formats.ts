/**
 * What the upload zone offers: the formats the worker reads, which it tells
 * from the bytes (src/worker/documents/extract/detect.ts), never from these
 * names. The picker's filter is only its default (desktop pickers offer
 * "All files"; a drop is not filtered), so text/* stands for every text file.
 */
export const UPLOAD_FORMATS =
  "PDF, Word (.docx), HTML, Markdown, plain text, or a scan or photo (PNG, JPEG, TIFF, WebP)";

const DOCUMENT_TYPES = [
  "application/pdf",
  ".pdf",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  ".docx",
  "text/html",
  ".html",
  ".htm",
  "text/markdown",
  ".md",
  ".markdown",
  "text/*",
  ".txt",
];

// JPEG first: Safari on macOS converts a photo in a format not listed (an
// iPhone's HEIC, which the worker does not read) to the first image type here.
const IMAGE_TYPES = [
  "image/jpeg",
  ".jpg",
  ".jpeg",
  "image/png",
  ".png",
  "image/tiff",
  ".tif",
  ".tiff",
  "image/webp",
  ".webp",
];

/** The file input's accept attribute. */
export const UPLOAD_ACCEPT = [...DOCUMENT_TYPES, ...IMAGE_TYPES].join(",");
