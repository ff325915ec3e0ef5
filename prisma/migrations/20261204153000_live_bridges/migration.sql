-- AlterTable
ALTER TABLE "chat_sources" ADD COLUMN     "relay" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "outbound_attempts" ADD COLUMN     "attachment_name" TEXT,
ADD COLUMN     "attachment_sha256" TEXT,
ADD COLUMN     "echo_message_id" TEXT,
ADD COLUMN     "reply_to" TEXT;
