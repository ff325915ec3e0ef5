-- The Aitu connector (issue 21): each agency's language for the bot's notices, and the bot's posts relaying stored
-- messages into mapped Aitu groups (ids and a digest only; the text is read from the message when it is sent).
-- AlterTable
ALTER TABLE "agencies" ADD COLUMN "language" TEXT NOT NULL DEFAULT 'kk';

-- CreateTable
CREATE TABLE "aitu_posts" (
    "message_id" BIGINT,
    "local_id" TEXT NOT NULL,
    "agency_id" UUID NOT NULL,
    "group_id" TEXT NOT NULL,
    "part" INTEGER NOT NULL DEFAULT 0,
    "state" TEXT NOT NULL,
    "content_digest" TEXT NOT NULL,
    "aitu_message_id" TEXT,
    "sent_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "assigned_at" TIMESTAMPTZ(3),

    CONSTRAINT "aitu_posts_pkey" PRIMARY KEY ("local_id")
);

-- CreateIndex
CREATE INDEX "aitu_posts_message_id_idx" ON "aitu_posts"("message_id");

-- CreateIndex
CREATE INDEX "aitu_posts_aitu_message_id_idx" ON "aitu_posts"("aitu_message_id");

-- AddForeignKey
ALTER TABLE "aitu_posts" ADD CONSTRAINT "aitu_posts_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "agencies"("id") ON DELETE CASCADE ON UPDATE CASCADE;
