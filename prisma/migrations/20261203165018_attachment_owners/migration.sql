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

-- A message may reference only a blob its own agency stored (attachment_owners): checked once per statement over
-- the statement's new references, so a delivery batch pays one query, not one per attachment.
CREATE OR REPLACE FUNCTION message_attachments_check_owner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM (SELECT DISTINCT n.message_id, n.sha256 FROM new_attachments n WHERE n.sha256 IS NOT NULL) a
      JOIN messages m ON m.id = a.message_id
     WHERE NOT EXISTS (SELECT 1 FROM attachment_owners o WHERE o.agency_id = m.agency_id AND o.sha256 = a.sha256)
  ) THEN
    RAISE EXCEPTION 'message_attachments: an attachment refers to a blob that was not stored for the message''s agency'
      USING ERRCODE = 'foreign_key_violation', TABLE = 'message_attachments', CONSTRAINT = 'message_attachments_blob_owner';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER message_attachments_check_owner_insert AFTER INSERT ON message_attachments
  REFERENCING NEW TABLE AS new_attachments FOR EACH STATEMENT EXECUTE FUNCTION message_attachments_check_owner();
CREATE TRIGGER message_attachments_check_owner_update AFTER UPDATE ON message_attachments
  REFERENCING NEW TABLE AS new_attachments FOR EACH STATEMENT EXECUTE FUNCTION message_attachments_check_owner();
