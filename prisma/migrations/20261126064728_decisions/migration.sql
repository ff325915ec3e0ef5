-- CreateTable
CREATE TABLE "decisions" (
    "id" BIGSERIAL NOT NULL,
    "agency_id" UUID NOT NULL,
    "direction" TEXT NOT NULL,
    "message_id" BIGINT,
    "outbound_attempt_id" UUID,
    "action" TEXT NOT NULL,
    "rule" TEXT NOT NULL,
    "categories" TEXT[],
    "reasons" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "decisions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "decisions_agency_id_direction_action_idx" ON "decisions"("agency_id", "direction", "action");

-- CreateIndex
CREATE INDEX "decisions_message_id_idx" ON "decisions"("message_id");

-- CreateIndex
CREATE INDEX "outbound_attempts_target_platform_target_chat_id_foreign_me_idx" ON "outbound_attempts"("target_platform", "target_chat_id", "foreign_message_id");

-- AddForeignKey
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_outbound_attempt_id_fkey" FOREIGN KEY ("outbound_attempt_id") REFERENCES "outbound_attempts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
