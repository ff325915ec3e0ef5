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
  const columns = {
    platform: [] as string[],
    sourceChatId: [] as string[],
    sourceMessageId: [] as string[],
    chatId: [] as (string | null)[],
    senderId: [] as (string | null)[],
    senderName: [] as (string | null)[],
    sentAt: [] as string[],
    editedAt: [] as (string | null)[],
    kind: [] as string[],
    text: [] as string[],
    body: [] as string[],
    redacted: [] as boolean[],
    importRunId: [] as (string | null)[],
  };
  for (const row of rows) {
    const m = row.message;
    columns.platform.push(m.platform);
    columns.sourceChatId.push(m.chatId);
    columns.sourceMessageId.push(m.messageId);
    columns.chatId.push(row.chatId);
    columns.senderId.push(m.sender?.id ?? null);
    columns.senderName.push(m.sender?.name ?? null);
    columns.sentAt.push(m.sentAt);
    columns.editedAt.push(m.editedAt ?? null);
    columns.kind.push(m.kind ?? 'message');
    columns.text.push(row.deliveredText);
    columns.body.push(JSON.stringify(bodyOf(m)));
    columns.redacted.push(row.redacted);
    columns.importRunId.push(row.importRunId);
  }
  const result = await db.query<{ id: string; platform: string; source_chat_id: string; source_message_id: string }>(
    `INSERT INTO messages (agency_id, platform, source_chat_id, source_message_id, chat_id, sender_id, sender_name,
                           sent_at, edited_at, kind, text, body, redacted, import_run_id)
     SELECT $1::uuid, * FROM unnest($2::text[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::text[],
                                    $8::timestamptz[], $9::timestamptz[], $10::text[], $11::text[], $12::jsonb[],
                                    $13::bool[], $14::uuid[])
     ON CONFLICT (agency_id, platform, source_chat_id, source_message_id) DO NOTHING
     RETURNING id, platform, source_chat_id, source_message_id`,
    [
      agencyId,
      columns.platform,
      columns.sourceChatId,
      columns.sourceMessageId,
      columns.chatId,
      columns.senderId,
      columns.senderName,
      columns.sentAt,
      columns.editedAt,
      columns.kind,
      columns.text,
      columns.body,
      columns.redacted,
      columns.importRunId,
    ],
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
