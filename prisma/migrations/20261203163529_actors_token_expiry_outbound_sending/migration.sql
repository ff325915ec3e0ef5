-- AlterTable
ALTER TABLE "outbound_attempts" ADD COLUMN     "idempotency_key" TEXT,
ADD COLUMN     "sending_at" TIMESTAMPTZ(3),
ADD COLUMN     "sent_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "expires_at" TIMESTAMPTZ(3),
ADD COLUMN     "token_issued_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- CreateIndex
CREATE INDEX "outbound_attempts_status_idx" ON "outbound_attempts"("status");

-- Tokens issued before this migration were issued when their user was created.
UPDATE "users" SET "token_issued_at" = "created_at";
