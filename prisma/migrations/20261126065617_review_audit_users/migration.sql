-- AlterTable
ALTER TABLE "messages" ADD COLUMN     "withdrawn" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "agency_ids" UUID[],
    "token_hash" TEXT NOT NULL,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "detector_feedback" (
    "id" BIGSERIAL NOT NULL,
    "agency_id" UUID NOT NULL,
    "review_item_id" UUID NOT NULL,
    "message_id" BIGINT NOT NULL,
    "detector" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "confidence" DOUBLE PRECISION NOT NULL,
    "verdict" TEXT NOT NULL,
    "decided_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "detector_feedback_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_chain" (
    "seq" BIGINT NOT NULL,
    "entry_id" BIGINT NOT NULL,
    "prev_entry_id" BIGINT,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "sealed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_chain_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_name_key" ON "users"("name");

-- CreateIndex
CREATE UNIQUE INDEX "users_token_hash_key" ON "users"("token_hash");

-- CreateIndex
CREATE INDEX "detector_feedback_detector_category_idx" ON "detector_feedback"("detector", "category");

-- CreateIndex
CREATE INDEX "detector_feedback_agency_id_idx" ON "detector_feedback"("agency_id");

-- CreateIndex
CREATE UNIQUE INDEX "audit_chain_entry_id_key" ON "audit_chain"("entry_id");

-- The audit chain is insert-only like the audit log it seals: a link, once written, is never changed.
CREATE FUNCTION audit_chain_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_chain is append-only: % refused', TG_OP;
END;
$$;
CREATE TRIGGER audit_chain_append_only BEFORE UPDATE OR DELETE ON "audit_chain"
  FOR EACH ROW EXECUTE FUNCTION audit_chain_refuse_change();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON "audit_chain"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_refuse_change();
