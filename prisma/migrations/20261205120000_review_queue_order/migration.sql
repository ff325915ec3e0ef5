-- The review queue lists items oldest message first (ORDER BY messages.sent_at): with this index a page of the
-- queue reads its first rows in order instead of sorting the whole queue's join (bench:console, docs/benchmarks.md).
-- CreateIndex
CREATE INDEX "messages_sent_at_idx" ON "messages"("sent_at");
