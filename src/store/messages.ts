import type pg from 'pg';
import { canonicalMessageSchema, type CanonicalMessage, type WireMessage } from '../core/message.ts';

/** What the store keeps of a message besides its indexed columns. */
type MessageBody = Partial<
  Pick<
    CanonicalMessage,
    'chatTitle' | 'entities' | 'replyTo' | 'forwardedFrom' | 'attachments' | 'service' | 'reactions' | 'extra'
  >
>;

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/**
 * The rest of the message as JSON; default-valued fields are left out (the schema restores them on reading).
 * `withoutChatTitle`: for a delivery batch, which keeps each chat's title once.
 */
export function messageBody(m: WireMessage, options: { withoutChatTitle?: boolean } = {}): MessageBody {
  const body: MessageBody = {};
  if (m.chatTitle !== undefined && !options.withoutChatTitle) body.chatTitle = m.chatTitle;
  if (m.entities?.length) body.entities = m.entities;
  if (m.replyTo) body.replyTo = m.replyTo;
  if (m.forwardedFrom) body.forwardedFrom = m.forwardedFrom;
  if (m.attachments?.length) body.attachments = m.attachments;
  if (m.service) body.service = m.service;
  if (m.reactions?.length) body.reactions = m.reactions;
  if (m.extra && Object.keys(m.extra).length > 0) body.extra = m.extra;
  return body;
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
  chat_id: string;
}

/** Reads a stored message back as the canonical message it was delivered as. */
export async function readMessage(
  db: Queryable,
  agencyId: string,
  key: Pick<CanonicalMessage, 'platform' | 'chatId' | 'messageId'>,
): Promise<(CanonicalMessage & { storeId: bigint; redacted: boolean }) | null> {
  const result = await db.query<Omit<MessageColumns, 'chat_id'>>(
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
