-- AlterTable
ALTER TABLE "document" ADD COLUMN     "notice" TEXT,
ADD COLUMN     "ocrConfidence" REAL,
ADD COLUMN     "ocrPages" INTEGER,
ADD COLUMN     "readingOcr" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "readingPage" INTEGER,
ADD COLUMN     "readingPages" INTEGER,
ADD COLUMN     "searchConfig" TEXT;

-- CreateTable
CREATE TABLE "document_page_image" (
    "documentId" TEXT NOT NULL,
    "page" INTEGER NOT NULL,
    "mimeType" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "confidence" REAL NOT NULL,
    "bytes" BYTEA NOT NULL,

    CONSTRAINT "document_page_image_pkey" PRIMARY KEY ("documentId","page")
);

-- AddForeignKey
ALTER TABLE "document_page_image" ADD CONSTRAINT "document_page_image_documentId_fkey" FOREIGN KEY ("documentId") REFERENCES "document"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Images and scanned pages are read by OCR (documents/extract/ocr/).
ALTER TABLE "document" DROP CONSTRAINT "document_kind_check";
ALTER TABLE "document" ADD CONSTRAINT "document_kind_check"
  CHECK ("kind" IN ('pdf', 'docx', 'html', 'markdown', 'text', 'image'));
ALTER TABLE "document" ADD CONSTRAINT "document_ocr_confidence_check"
  CHECK ("ocrConfidence" BETWEEN 0 AND 100);
ALTER TABLE "document_page_image" ADD CONSTRAINT "document_page_image_page_check" CHECK ("page" >= 1);

-- Page images are already compressed (WebP): stored out of line without
-- TOAST's compression, as the originals are.
ALTER TABLE "document_page_image" ALTER COLUMN "bytes" SET STORAGE EXTERNAL;

-- The worker writes and serves them, as it does the originals.
GRANT SELECT, INSERT, DELETE ON TABLE "document_page_image" TO app_worker;
