-- Edits (issue 17): a message's earlier versions, and the withheld versions of rejected messages, are kept here;
-- the messages row shows the latest version. Edits are rare, so plain foreign keys (checked per row) serve.

-- CreateTable
CREATE TABLE "message_versions" (
    "id" BIGSERIAL NOT NULL,
    "message_id" BIGINT NOT NULL,
    "version" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "body" JSONB NOT NULL DEFAULT '{}',
    "edited_at" TIMESTAMPTZ(3),
    "redacted" BOOLEAN NOT NULL,
    "decision_id" BIGINT NOT NULL,
    "findings" JSONB NOT NULL DEFAULT '[]',
    "attachments" JSONB NOT NULL DEFAULT '[]',
    "review_status" TEXT,
    "withheld" BOOLEAN NOT NULL DEFAULT false,
    "original" BYTEA,
    "key_id" TEXT,
    "original_format" SMALLINT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "message_versions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "message_versions_message_id_version_key" ON "message_versions"("message_id", "version");

-- AddForeignKey
ALTER TABLE "message_versions" ADD CONSTRAINT "message_versions_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message_versions" ADD CONSTRAINT "message_versions_decision_id_fkey" FOREIGN KEY ("decision_id") REFERENCES "decisions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
