-- Data subjects' rights and retention (issue 24): the keyed subject index (an HMAC of each identifier found, never
-- the value in clear: `sealed` holds it encrypted under a key derived from the same index key, so the index can be
-- re-keyed without the texts) pointing at messages, attachments' findings and outbound attempts; legal holds that suspend retention;
-- erasures (and blockings) as resumable operations; a message's blocked flag.
-- CreateTable
CREATE TABLE "subject_index" (
    "id" BIGSERIAL NOT NULL,
    "agency_id" UUID NOT NULL,
    "category" TEXT NOT NULL,
    "digest" BYTEA NOT NULL,
    "key_id" TEXT NOT NULL,
    "message_id" BIGINT,
    "sha256" TEXT,
    "attachment_finding_id" BIGINT,
    "attempt_id" UUID,
    "sealed" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "subject_index_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "legal_holds" (
    "id" UUID NOT NULL,
    "agency_id" UUID NOT NULL,
    "chat_id" UUID,
    "category" TEXT,
    "digest" BYTEA,
    "sealed" BYTEA,
    "key_id" TEXT,
    "note" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "removed_by" TEXT,
    "removed_at" TIMESTAMPTZ(3),

    CONSTRAINT "legal_holds_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "subject_erasures" (
    "id" UUID NOT NULL,
    "category" TEXT NOT NULL,
    "digests" BYTEA[],
    "mode" TEXT NOT NULL,
    "note" TEXT NOT NULL,
    "requested_by" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "counts" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "subject_erasures_pkey" PRIMARY KEY ("id")
);

-- AlterTable
ALTER TABLE "messages" ADD COLUMN "blocked" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE INDEX "subject_index_agency_id_digest_idx" ON "subject_index"("agency_id", "digest");
CREATE INDEX "subject_index_message_id_idx" ON "subject_index"("message_id");
CREATE INDEX "subject_index_attachment_finding_id_idx" ON "subject_index"("attachment_finding_id");
CREATE INDEX "subject_index_attempt_id_idx" ON "subject_index"("attempt_id");
CREATE INDEX "subject_index_key_id_idx" ON "subject_index"("key_id");
CREATE INDEX "legal_holds_agency_id_idx" ON "legal_holds"("agency_id");

-- AddForeignKey
ALTER TABLE "subject_index" ADD CONSTRAINT "subject_index_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "agencies"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "subject_index" ADD CONSTRAINT "subject_index_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "subject_index" ADD CONSTRAINT "subject_index_attachment_finding_id_fkey" FOREIGN KEY ("attachment_finding_id") REFERENCES "attachment_findings"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "subject_index" ADD CONSTRAINT "subject_index_attempt_id_fkey" FOREIGN KEY ("attempt_id") REFERENCES "outbound_attempts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "legal_holds" ADD CONSTRAINT "legal_holds_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "agencies"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "legal_holds" ADD CONSTRAINT "legal_holds_chat_id_fkey" FOREIGN KEY ("chat_id") REFERENCES "chats"("id") ON DELETE CASCADE ON UPDATE CASCADE;
