-- Attachments read (issue 23): what each agency's copy of a file holds, its findings by page and span (never the
-- text), and a message's inspection state (pending while its attachments are being read).
-- AlterTable
ALTER TABLE "messages" ADD COLUMN "inspection" TEXT;

-- CreateTable
CREATE TABLE "attachment_inspections" (
    "agency_id" UUID NOT NULL,
    "sha256" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "reason" TEXT,
    "pages" INTEGER NOT NULL DEFAULT 0,
    "ocr_pages" INTEGER NOT NULL DEFAULT 0,
    "categories" TEXT[],
    "inspected_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "attachment_inspections_pkey" PRIMARY KEY ("agency_id","sha256")
);

-- CreateTable
CREATE TABLE "attachment_findings" (
    "id" BIGSERIAL NOT NULL,
    "agency_id" UUID NOT NULL,
    "sha256" TEXT NOT NULL,
    "page" INTEGER NOT NULL,
    "start" INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    "category" TEXT NOT NULL,
    "confidence" DOUBLE PRECISION NOT NULL,
    "detector" TEXT NOT NULL,
    "explanation" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "attachment_findings_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "attachment_findings_agency_id_sha256_idx" ON "attachment_findings"("agency_id", "sha256");

-- the pending messages the extract worker settles, found without reading the others
CREATE INDEX "messages_inspection_pending_idx" ON "messages"("agency_id") WHERE "inspection" = 'pending';

-- AddForeignKey
ALTER TABLE "attachment_findings" ADD CONSTRAINT "attachment_findings_agency_id_sha256_fkey" FOREIGN KEY ("agency_id", "sha256") REFERENCES "attachment_inspections"("agency_id", "sha256") ON DELETE CASCADE ON UPDATE CASCADE;
