-- CreateTable
CREATE TABLE "agencies" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "policy" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agencies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "chats" (
    "id" UUID NOT NULL,
    "agency_id" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "chats_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "chat_sources" (
    "id" UUID NOT NULL,
    "agency_id" UUID NOT NULL,
    "chat_id" UUID NOT NULL,
    "platform" TEXT NOT NULL,
    "source_chat_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "chat_sources_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "people" (
    "id" UUID NOT NULL,
    "agency_id" UUID NOT NULL,
    "display_name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "people_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identities" (
    "id" UUID NOT NULL,
    "agency_id" UUID NOT NULL,
    "person_id" UUID NOT NULL,
    "platform" TEXT NOT NULL,
    "platform_id" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "identities_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "messages" (
    "id" BIGSERIAL NOT NULL,
    "agency_id" UUID NOT NULL,
    "platform" TEXT NOT NULL,
    "source_chat_id" TEXT NOT NULL,
    "source_message_id" TEXT NOT NULL,
    "chat_id" UUID,
    "sender_id" TEXT,
    "sender_name" TEXT,
    "sent_at" TIMESTAMPTZ(3) NOT NULL,
    "edited_at" TIMESTAMPTZ(3),
    "kind" TEXT NOT NULL DEFAULT 'message',
    "text" TEXT NOT NULL DEFAULT '',
    "body" JSONB NOT NULL DEFAULT '{}',
    "redacted" BOOLEAN NOT NULL DEFAULT false,
    "import_run_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "attachment_blobs" (
    "sha256" TEXT NOT NULL,
    "size" BIGINT NOT NULL,
    "mime" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "attachment_blobs_pkey" PRIMARY KEY ("sha256")
);

-- CreateTable
CREATE TABLE "message_attachments" (
    "id" BIGSERIAL NOT NULL,
    "message_id" BIGINT NOT NULL,
    "position" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "mime" TEXT,
    "size" BIGINT,
    "sha256" TEXT,
    "missing" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "message_attachments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "findings" (
    "id" BIGSERIAL NOT NULL,
    "message_id" BIGINT NOT NULL,
    "category" TEXT NOT NULL,
    "start" INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    "confidence" DOUBLE PRECISION NOT NULL,
    "detector" TEXT NOT NULL,
    "explanation" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "findings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "review_items" (
    "id" UUID NOT NULL,
    "agency_id" UUID NOT NULL,
    "message_id" BIGINT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "categories" TEXT[],
    "original" BYTEA,
    "key_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decided_at" TIMESTAMPTZ(3),
    "decided_by" TEXT,
    "note" TEXT,

    CONSTRAINT "review_items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "agency_id" UUID,
    "subject" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "import_runs" (
    "id" UUID NOT NULL,
    "agency_id" UUID NOT NULL,
    "source" TEXT NOT NULL,
    "input_path" TEXT NOT NULL,
    "input_size" BIGINT NOT NULL,
    "input_hash" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "checkpoint" JSONB NOT NULL DEFAULT '{}',
    "counts" JSONB NOT NULL DEFAULT '{}',
    "options" JSONB NOT NULL DEFAULT '{}',
    "error" TEXT,
    "resumed_from" UUID,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "import_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbound_attempts" (
    "id" UUID NOT NULL,
    "agency_id" UUID NOT NULL,
    "target_platform" TEXT NOT NULL,
    "target_chat_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "reason" JSONB,
    "foreign_message_id" TEXT,
    "text_digest" TEXT NOT NULL,
    "author" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outbound_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "agencies_slug_key" ON "agencies"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "chats_agency_id_title_key" ON "chats"("agency_id", "title");

-- CreateIndex
CREATE UNIQUE INDEX "chat_sources_agency_id_platform_source_chat_id_key" ON "chat_sources"("agency_id", "platform", "source_chat_id");

-- CreateIndex
CREATE UNIQUE INDEX "identities_agency_id_platform_platform_id_key" ON "identities"("agency_id", "platform", "platform_id");

-- CreateIndex
CREATE INDEX "messages_chat_id_sent_at_idx" ON "messages"("chat_id", "sent_at");

-- CreateIndex
CREATE INDEX "messages_import_run_id_idx" ON "messages"("import_run_id");

-- CreateIndex
CREATE UNIQUE INDEX "messages_source_key" ON "messages"("agency_id", "platform", "source_chat_id", "source_message_id");

-- CreateIndex
CREATE UNIQUE INDEX "message_attachments_message_id_position_key" ON "message_attachments"("message_id", "position");

-- CreateIndex
CREATE INDEX "findings_message_id_idx" ON "findings"("message_id");

-- CreateIndex
CREATE INDEX "findings_category_idx" ON "findings"("category");

-- CreateIndex
CREATE UNIQUE INDEX "review_items_message_id_key" ON "review_items"("message_id");

-- CreateIndex
CREATE INDEX "review_items_agency_id_status_idx" ON "review_items"("agency_id", "status");

-- CreateIndex
CREATE INDEX "audit_log_agency_id_at_idx" ON "audit_log"("agency_id", "at");

-- CreateIndex
CREATE INDEX "import_runs_agency_id_source_input_hash_idx" ON "import_runs"("agency_id", "source", "input_hash");

-- CreateIndex
CREATE INDEX "outbound_attempts_target_platform_target_chat_id_text_diges_idx" ON "outbound_attempts"("target_platform", "target_chat_id", "text_digest");

-- AddForeignKey
ALTER TABLE "chats" ADD CONSTRAINT "chats_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "agencies"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "chat_sources" ADD CONSTRAINT "chat_sources_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "agencies"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "chat_sources" ADD CONSTRAINT "chat_sources_chat_id_fkey" FOREIGN KEY ("chat_id") REFERENCES "chats"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "people" ADD CONSTRAINT "people_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "agencies"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identities" ADD CONSTRAINT "identities_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "agencies"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identities" ADD CONSTRAINT "identities_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "people"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "agencies"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_chat_id_fkey" FOREIGN KEY ("chat_id") REFERENCES "chats"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message_attachments" ADD CONSTRAINT "message_attachments_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message_attachments" ADD CONSTRAINT "message_attachments_sha256_fkey" FOREIGN KEY ("sha256") REFERENCES "attachment_blobs"("sha256") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "findings" ADD CONSTRAINT "findings_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "review_items" ADD CONSTRAINT "review_items_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "agencies"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "review_items" ADD CONSTRAINT "review_items_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "import_runs" ADD CONSTRAINT "import_runs_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "agencies"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outbound_attempts" ADD CONSTRAINT "outbound_attempts_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "agencies"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The audit log is append-only: officers must be able to prove who saw what, so rows are never changed.
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON "audit_log"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
