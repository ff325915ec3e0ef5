-- The officers' console (issue 20): the language each person chose, and server-side sessions (the cookie's random
-- id is kept only as its sha256).
-- AlterTable
ALTER TABLE "users" ADD COLUMN     "language" TEXT;
ALTER TABLE "users" ADD CONSTRAINT "users_language_check" CHECK ("language" IN ('kk', 'ru', 'en'));

-- CreateTable
CREATE TABLE "console_sessions" (
    "id_hash" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "console_sessions_pkey" PRIMARY KEY ("id_hash")
);

-- CreateIndex
CREATE INDEX "console_sessions_user_id_idx" ON "console_sessions"("user_id");

-- CreateIndex
CREATE INDEX "console_sessions_last_seen_at_idx" ON "console_sessions"("last_seen_at");

-- AddForeignKey
ALTER TABLE "console_sessions" ADD CONSTRAINT "console_sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
