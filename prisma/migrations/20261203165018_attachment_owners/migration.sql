-- AlterTable
ALTER TABLE "message_attachments" ADD COLUMN     "withheld" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "attachment_owners" (
    "agency_id" UUID NOT NULL,
    "sha256" TEXT NOT NULL,
    "run_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "attachment_owners_pkey" PRIMARY KEY ("agency_id","sha256")
);

-- What the store already links stays linkable by the agency whose message links it: nothing tells, after the fact,
-- a reference an import made to bytes it read from one made to a blob it found by its sha256.
INSERT INTO "attachment_owners" ("agency_id", "sha256")
SELECT DISTINCT m.agency_id, a.sha256
  FROM "message_attachments" a JOIN "messages" m ON m.id = a.message_id
 WHERE a.sha256 IS NOT NULL
ON CONFLICT DO NOTHING;

-- A message may reference only a blob its own agency stored (attachment_owners). A row trigger, fired only for rows
-- that name a blob (WHEN): references to missing bytes, most of an export's, cost nothing; it runs after the
-- statement, when the messages its rows belong to are written.
CREATE OR REPLACE FUNCTION message_attachments_check_owner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM messages m JOIN attachment_owners o ON o.agency_id = m.agency_id AND o.sha256 = NEW.sha256
     WHERE m.id = NEW.message_id
  ) THEN
    RAISE EXCEPTION 'message_attachments: an attachment refers to a blob that was not stored for the message''s agency'
      USING ERRCODE = 'foreign_key_violation', TABLE = 'message_attachments', CONSTRAINT = 'message_attachments_blob_owner';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER message_attachments_check_owner AFTER INSERT OR UPDATE OF sha256, message_id ON message_attachments
  FOR EACH ROW WHEN (NEW.sha256 IS NOT NULL) EXECUTE FUNCTION message_attachments_check_owner();
