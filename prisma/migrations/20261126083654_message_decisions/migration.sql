-- Every message points at the policy decision that delivered it. A decision row is shared by the messages of a
-- batch that were decided alike (same action, rule and categories): one row per message cost as much database
-- time as the message itself.
--
-- A message's references (its chat, which must be a chat of the message's own agency, and its decision) are
-- checked once per statement over all the rows it wrote, by the triggers at the end of this file, instead of by
-- foreign keys, which PostgreSQL checks row by row: measured on the deliver stage's batch insert, the two
-- per-row checks cost ≈ 12 µs of database time per message, a third of the whole write. The triggers keep what
-- the foreign keys gave: the referenced rows are locked (FOR KEY SHARE) until the writing transaction ends, a
-- missing reference fails the statement with SQLSTATE 23503, deleting a chat deletes its messages, and a decision
-- that messages point at cannot be deleted.

-- AlterTable: the reference, filled from the per-message decision rows kept so far
ALTER TABLE "messages" ADD COLUMN "decision_id" BIGINT;
UPDATE "messages" m SET "decision_id" = d."id" FROM "decisions" d WHERE d."message_id" = m."id";
-- messages delivered before decisions were recorded keep one decision per agency that says so
INSERT INTO "decisions" ("agency_id", "direction", "action", "rule", "categories", "reasons")
  SELECT DISTINCT "agency_id", 'inbound', 'allow', 'delivered before decisions were recorded', '{}'::text[], '[]'::jsonb
    FROM "messages" WHERE "decision_id" IS NULL;
UPDATE "messages" m SET "decision_id" = d."id" FROM "decisions" d
 WHERE m."decision_id" IS NULL AND d."agency_id" = m."agency_id" AND d."rule" = 'delivered before decisions were recorded';
ALTER TABLE "messages" ALTER COLUMN "decision_id" SET NOT NULL;

-- DropForeignKey
ALTER TABLE "decisions" DROP CONSTRAINT "decisions_message_id_fkey";

-- DropForeignKey
ALTER TABLE "messages" DROP CONSTRAINT "messages_agency_id_fkey";

-- DropForeignKey
ALTER TABLE "messages" DROP CONSTRAINT "messages_chat_id_fkey";

-- DropIndex
DROP INDEX "decisions_message_id_idx";

-- AlterTable
ALTER TABLE "decisions" DROP COLUMN "message_id";

-- AlterTable: every message lands in a national chat
ALTER TABLE "messages" ALTER COLUMN "chat_id" SET NOT NULL;

-- the references, checked per statement
CREATE FUNCTION messages_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  PERFORM 1 FROM chats c WHERE c.id IN (SELECT DISTINCT n.chat_id FROM new_messages n) FOR KEY SHARE;
  PERFORM 1 FROM decisions d WHERE d.id IN (SELECT DISTINCT n.decision_id FROM new_messages n) FOR KEY SHARE;
  SELECT n.id, n.chat_id INTO bad FROM new_messages n
   WHERE NOT EXISTS (SELECT 1 FROM chats c WHERE c.id = n.chat_id AND c.agency_id = n.agency_id) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'messages: message % refers to chat %, which is not a chat of its agency', bad.id, bad.chat_id
      USING ERRCODE = 'foreign_key_violation', TABLE = 'messages', CONSTRAINT = 'messages_chat_reference';
  END IF;
  SELECT n.id, n.decision_id INTO bad FROM new_messages n
   WHERE NOT EXISTS (SELECT 1 FROM decisions d WHERE d.id = n.decision_id) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'messages: message % refers to decision %, which does not exist', bad.id, bad.decision_id
      USING ERRCODE = 'foreign_key_violation', TABLE = 'messages', CONSTRAINT = 'messages_decision_reference';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER messages_references_on_insert AFTER INSERT ON messages
  REFERENCING NEW TABLE AS new_messages FOR EACH STATEMENT EXECUTE FUNCTION messages_check_references();
CREATE TRIGGER messages_references_on_update AFTER UPDATE ON messages
  REFERENCING NEW TABLE AS new_messages FOR EACH STATEMENT EXECUTE FUNCTION messages_check_references();

-- deleting chats deletes their messages (what ON DELETE CASCADE did)
CREATE FUNCTION chats_delete_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM messages m USING old_chats o WHERE m.chat_id = o.id;
  RETURN NULL;
END $$;
CREATE TRIGGER chats_delete_messages AFTER DELETE ON chats
  REFERENCING OLD TABLE AS old_chats FOR EACH STATEMENT EXECUTE FUNCTION chats_delete_messages();

-- a chat that messages point at keeps its id and agency
CREATE FUNCTION chats_keep_referenced_identity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM messages m WHERE m.chat_id = OLD.id) THEN
    RAISE EXCEPTION 'chats: chat % has messages; its id and agency cannot change', OLD.id
      USING ERRCODE = 'foreign_key_violation', TABLE = 'chats', CONSTRAINT = 'messages_chat_reference';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER chats_keep_referenced_identity BEFORE UPDATE OF id, agency_id ON chats
  FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.agency_id IS DISTINCT FROM NEW.agency_id)
  EXECUTE FUNCTION chats_keep_referenced_identity();

-- a decision that messages point at is kept (what ON DELETE RESTRICT did)
CREATE FUNCTION decisions_keep_referenced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  referenced bigint;
BEGIN
  SELECT o.id INTO referenced FROM old_decisions o WHERE EXISTS (SELECT 1 FROM messages m WHERE m.decision_id = o.id) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'decisions: decision % is what delivered stored messages; it cannot be deleted', referenced
      USING ERRCODE = 'foreign_key_violation', TABLE = 'decisions', CONSTRAINT = 'messages_decision_reference';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER decisions_keep_referenced AFTER DELETE ON decisions
  REFERENCING OLD TABLE AS old_decisions FOR EACH STATEMENT EXECUTE FUNCTION decisions_keep_referenced();
CREATE FUNCTION decisions_keep_referenced_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM messages m WHERE m.decision_id = OLD.id) THEN
    RAISE EXCEPTION 'decisions: decision % is what delivered stored messages; its id cannot change', OLD.id
      USING ERRCODE = 'foreign_key_violation', TABLE = 'decisions', CONSTRAINT = 'messages_decision_reference';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER decisions_keep_referenced_id BEFORE UPDATE OF id ON decisions
  FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION decisions_keep_referenced_id();

-- DropIndex: nothing reads messages by import run; the index cost every delivered message an entry
DROP INDEX "messages_import_run_id_idx";
