-- AlterTable
ALTER TABLE "review_items" ADD COLUMN     "escalated_at" TIMESTAMPTZ(3),
ADD COLUMN     "escalated_by" TEXT,
ADD COLUMN     "escalation_note" TEXT,
ADD COLUMN     "redacted_text" TEXT;
