-- CreateTable
CREATE TABLE "backfill_cursors" (
    "agency_id" UUID NOT NULL,
    "platform" TEXT NOT NULL,
    "source_chat_id" TEXT NOT NULL,
    "cursor" TEXT,
    "fetched" INTEGER NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "backfill_cursors_pkey" PRIMARY KEY ("agency_id","platform","source_chat_id")
);

-- AddForeignKey
ALTER TABLE "backfill_cursors" ADD CONSTRAINT "backfill_cursors_agency_id_fkey" FOREIGN KEY ("agency_id") REFERENCES "agencies"("id") ON DELETE CASCADE ON UPDATE CASCADE;
