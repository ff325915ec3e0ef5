-- A batch's messages point at a handful of chats and decisions: each reference is locked and checked once per
-- statement, not once per message (the check's cost stays with the batch's references, not the store's size).
CREATE OR REPLACE FUNCTION messages_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  chat_ids uuid[];
  agency_ids uuid[];
  decision_ids bigint[];
  bad record;
BEGIN
  SELECT array_agg(r.chat_id), array_agg(r.agency_id) INTO chat_ids, agency_ids
    FROM (SELECT DISTINCT n.chat_id, n.agency_id FROM new_messages n) r;
  SELECT array_agg(DISTINCT n.decision_id) INTO decision_ids FROM new_messages n;
  PERFORM 1 FROM chats c WHERE c.id = ANY (chat_ids) FOR KEY SHARE;
  PERFORM 1 FROM decisions d WHERE d.id = ANY (decision_ids) FOR KEY SHARE;
  SELECT r.chat_id INTO bad FROM unnest(chat_ids, agency_ids) AS r(chat_id, agency_id)
   WHERE NOT EXISTS (SELECT 1 FROM chats c WHERE c.id = r.chat_id AND c.agency_id = r.agency_id) LIMIT 1;
  IF FOUND THEN
    SELECT n.id, n.chat_id INTO bad FROM new_messages n WHERE n.chat_id = bad.chat_id LIMIT 1;
    RAISE EXCEPTION 'messages: message % refers to chat %, which is not a chat of its agency', bad.id, bad.chat_id
      USING ERRCODE = 'foreign_key_violation', TABLE = 'messages', CONSTRAINT = 'messages_chat_reference';
  END IF;
  SELECT r.decision_id INTO bad FROM unnest(decision_ids) AS r(decision_id)
   WHERE NOT EXISTS (SELECT 1 FROM decisions d WHERE d.id = r.decision_id) LIMIT 1;
  IF FOUND THEN
    SELECT n.id, n.decision_id INTO bad FROM new_messages n WHERE n.decision_id = bad.decision_id LIMIT 1;
    RAISE EXCEPTION 'messages: message % refers to decision %, which does not exist', bad.id, bad.decision_id
      USING ERRCODE = 'foreign_key_violation', TABLE = 'messages', CONSTRAINT = 'messages_decision_reference';
  END IF;
  RETURN NULL;
END $$;

