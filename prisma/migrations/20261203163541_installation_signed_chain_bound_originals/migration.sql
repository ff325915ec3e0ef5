-- Links sealed before this migration were HMAC-SHA256 under the key file's chainKey: they keep that format (the
-- column's default only names them), and the signed chain continues after the last of them.
ALTER TABLE "audit_chain" ADD COLUMN     "format" TEXT NOT NULL DEFAULT 'hmac-sha256';
ALTER TABLE "audit_chain" ALTER COLUMN "format" SET DEFAULT 'sha256';

-- Originals encrypted before this migration carry no associated data (format 1) until `keys reencrypt` binds them.
ALTER TABLE "review_items" ADD COLUMN     "original_format" SMALLINT NOT NULL DEFAULT 1;
ALTER TABLE "review_items" ALTER COLUMN "original_format" SET DEFAULT 2;

-- CreateTable
CREATE TABLE "installation" (
    "id" SMALLINT NOT NULL DEFAULT 1,
    "data_dir" TEXT NOT NULL,
    "key_file" TEXT NOT NULL,
    "key_file_fingerprint" TEXT NOT NULL,
    "chain_key_file" TEXT NOT NULL,
    "chain_public_key_file" TEXT NOT NULL,
    "chain_public_key_fingerprint" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "installation_pkey" PRIMARY KEY ("id")
);
