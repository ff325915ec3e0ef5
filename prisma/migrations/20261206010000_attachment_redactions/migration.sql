-- Attachments redacted with black boxes (issue 23, policy redaction.attachments: boxes): where each finding's words
-- sit on its page (fractions of the page, never the text), the agency's redacted copy of a file with the key its
-- encrypted original was sealed under, and the copy a message delivers in place of the original.
-- AlterTable
ALTER TABLE "attachment_findings" ADD COLUMN "boxes" JSONB;

-- AlterTable
ALTER TABLE "message_attachments" ADD COLUMN "redacted_sha256" TEXT;

-- CreateTable
CREATE TABLE "attachment_redactions" (
    "agency_id" UUID NOT NULL,
    "sha256" TEXT NOT NULL,
    "redacted_sha256" TEXT NOT NULL,
    "mime" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "categories" TEXT[],
    "boxes" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "attachment_redactions_pkey" PRIMARY KEY ("agency_id","sha256")
);

-- AddForeignKey
ALTER TABLE "attachment_redactions" ADD CONSTRAINT "attachment_redactions_agency_id_sha256_fkey" FOREIGN KEY ("agency_id", "sha256") REFERENCES "attachment_inspections"("agency_id", "sha256") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message_attachments" ADD CONSTRAINT "message_attachments_redacted_sha256_fkey" FOREIGN KEY ("redacted_sha256") REFERENCES "attachment_blobs"("sha256") ON DELETE RESTRICT ON UPDATE CASCADE;
