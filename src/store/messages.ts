import type pg from 'pg';
import { canonicalMessageSchema, type CanonicalMessage, type WireMessage } from '../core/message.ts';

/** What the store keeps of a message besides its indexed columns. */
type MessageBody = Partial<
  Pick<CanonicalMessage, 'chatTitle' | 'entities' | 'replyTo' | 'forwardedFrom' | 'attachments' | 'service' | 'reactions' | 'extra'>
>;

export interface MessageRow {
  /** absent fields hold their defaults (see WireMessage) */
  message: WireMessage;
  /** the national chat it lands in, when known */
  chatId: string | null;
  /** the text as delivered: the original, or a redacted copy */
  deliveredText: string;
  redacted: boolean;
  importRunId: string | null;
}

export interface InsertedMessage {
  id: bigint;
  platform: string;
  sourceChatId: string;
  sourceMessageId: string;
}

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** The rest of the message as JSON; default-valued fields are left out (the schema restores them on reading). */
function bodyOf(m: WireMessage): MessageBody {
  const body: MessageBody = {};
  if (m.chatTitle !== undefined) body.chatTitle = m.chatTitle;
  if (m.entities?.length) body.entities = m.entities;
  if (m.replyTo) body.replyTo = m.replyTo;
  if (m.forwardedFrom) body.forwardedFrom = m.forwardedFrom;
  if (m.attachments?.length) body.attachments = m.attachments;
  if (m.service) body.service = m.service;
  if (m.reactions?.length) body.reactions = m.reactions;
  if (m.extra && Object.keys(m.extra).length > 0) body.extra = m.extra;
  return body;
}

/**
 * Writes a batch in one set-based statement. Rows already in the store (same agency, platform, source chat
 * and source message id) are left as they are; only the newly inserted rows come back.
 */
export async function insertMessages(db: Queryable, agencyId: string, rows: readonly MessageRow[]): Promise<InsertedMessage[]> {
  if (rows.length === 0) return [];
  // one JSON document rather than thirteen array parameters: node serializes it natively, where pg escapes every
  // array element in JavaScript (measured on this statement alone: ≈ 40 % less node CPU, same database time)
  const document = JSON.stringify(
    rows.map((row) => {
      const m = row.message;
      return {
        p: m.platform,
        c: m.chatId,
        i: m.messageId,
        n: row.chatId,
        si: m.sender?.id ?? null,
        sn: m.sender?.name ?? null,
        t: m.sentAt,
        e: m.editedAt ?? null,
        k: m.kind ?? 'message',
        x: row.deliveredText,
        b: bodyOf(m),
        r: row.redacted,
        run: row.importRunId,
      };
    }),
  );
  const result = await db.query<{ id: string; platform: string; source_chat_id: string; source_message_id: string }>(
    `INSERT INTO messages (agency_id, platform, source_chat_id, source_message_id, chat_id, sender_id, sender_name,
                           sent_at, edited_at, kind, text, body, redacted, import_run_id)
     SELECT $1::uuid, p, c, i, n, si, sn, t, e, k, x, b, r, run
       FROM json_to_recordset($2::json)
         AS t(p text, c text, i text, n uuid, si text, sn text, t timestamptz, e timestamptz, k text, x text, b jsonb, r bool, run uuid)
     ON CONFLICT (agency_id, platform, source_chat_id, source_message_id) DO NOTHING
     RETURNING id, platform, source_chat_id, source_message_id`,
    [agencyId, document],
  );
  return result.rows.map((r) => ({
    id: BigInt(r.id),
    platform: r.platform,
    sourceChatId: r.source_chat_id,
    sourceMessageId: r.source_message_id,
  }));
}

/** A `messages` row as PostgreSQL returns it. */
export interface MessageColumns {
  id: string;
  platform: string;
  source_chat_id: string;
  source_message_id: string;
  sender_id: string | null;
  sender_name: string | null;
  sent_at: Date;
  edited_at: Date | null;
  kind: string;
  text: string;
  body: MessageBody;
  redacted: boolean;
  chat_id: string | null;
}

/** Reads a stored message back as the canonical message it was delivered as. */
export async function readMessage(
  db: Queryable,
  agencyId: string,
  key: Pick<CanonicalMessage, 'platform' | 'chatId' | 'messageId'>,
): Promise<(CanonicalMessage & { storeId: bigint; redacted: boolean }) | null> {
  const result = await db.query<MessageColumns>(
    `SELECT id, platform, source_chat_id, source_message_id, sender_id, sender_name, sent_at, edited_at, kind, text, body, redacted
       FROM messages WHERE agency_id = $1 AND platform = $2 AND source_chat_id = $3 AND source_message_id = $4`,
    [agencyId, key.platform, key.chatId, key.messageId],
  );
  const row = result.rows[0];
  if (!row) return null;
  const message = canonicalMessageSchema.parse({
    ...row.body,
    platform: row.platform,
    chatId: row.source_chat_id,
    messageId: row.source_message_id,
    kind: row.kind,
    sender: row.sender_id === null ? null : { id: row.sender_id, name: row.sender_name ?? '' },
    sentAt: row.sent_at.toISOString(),
    editedAt: row.edited_at ? row.edited_at.toISOString() : null,
    text: row.text,
  });
  return { ...message, storeId: BigInt(row.id), redacted: row.redacted };
}
