-- Each false-positive decision records the vocabulary term that fired (the finding's explanation termId), so
-- `classifier feedback` can name the terms officers keep overturning. Null for pattern detectors.
-- AlterTable
ALTER TABLE "detector_feedback" ADD COLUMN     "term_id" TEXT;

-- CreateIndex
CREATE INDEX "detector_feedback_detector_term_id_idx" ON "detector_feedback"("detector", "term_id");

-- Feedback recorded before the column: the term of the one finding of the message with the same detector, category
-- and confidence. Where a message had several such findings the row cannot be told apart and stays null.
UPDATE detector_feedback d
   SET term_id = (SELECT min(f.explanation->>'termId') FROM findings f
                   WHERE f.message_id = d.message_id AND f.detector = d.detector AND f.category = d.category AND f.confidence = d.confidence)
 WHERE d.term_id IS NULL
   AND (SELECT count(*) FROM findings f
         WHERE f.message_id = d.message_id AND f.detector = d.detector AND f.category = d.category AND f.confidence = d.confidence) = 1;
