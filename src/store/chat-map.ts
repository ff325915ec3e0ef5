import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { UsageError } from '../core/errors.ts';
import { platformSchema, type Platform } from '../core/message.ts';

export interface ChatMapping {
  platform: Platform;
  sourceChatId: string;
  nationalChat: string;
  /** its messages are also relayed, through the outbound gate, to the national chat's other relaying sources */
  relay: boolean;
}

/** `telegram:<id>`, `whatsapp:<id>`, `aitu:<group-id>` → platform and id (normalized by the caller's bridge rules). */
export function parseSource(source: string): { platform: Platform; chatId: string } {
  const at = source.indexOf(':');
  const platform = platformSchema.safeParse(at > 0 ? source.slice(0, at) : '');
  const chatId = at > 0 ? source.slice(at + 1).trim() : '';
  if (!platform.success || !chatId) {
    throw new UsageError(`source "${source}" must be telegram:<chat-id>, whatsapp:<chat-id> or aitu:<group-id>`);
  }
  return { platform: platform.data, chatId };
}

/**
 * Links a foreign chat to a national chat (created by title when new); a foreign chat maps to one national chat.
 * Returns the national chat's id with what changed.
 */
export async function addMapping(
  pool: pg.Pool,
  agencyId: string,
  platform: Platform,
  sourceChatId: string,
  nationalChat: string,
  options: { relay?: boolean } = {},
): Promise<{ moved: boolean; created: boolean; nationalChatId: string }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('aitu-chats:' || $1))`, [agencyId]);
    const existing = await client.query<{ id: string }>(`SELECT id FROM chats WHERE agency_id = $1 AND title = $2`, [
      agencyId,
      nationalChat,
    ]);
    let chatId = existing.rows[0]?.id;
    const created = !chatId;
    if (!chatId) {
      chatId = randomUUID();
      await client.query(`INSERT INTO chats (id, agency_id, title) VALUES ($1, $2, $3)`, [
        chatId,
        agencyId,
        nationalChat,
      ]);
    }
    const previous = await client.query<{ chat_id: string }>(
      `SELECT chat_id FROM chat_sources WHERE agency_id = $1 AND platform = $2 AND source_chat_id = $3`,
      [agencyId, platform, sourceChatId],
    );
    await client.query(
      `INSERT INTO chat_sources (id, agency_id, chat_id, platform, source_chat_id, relay) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (agency_id, platform, source_chat_id) DO UPDATE SET chat_id = EXCLUDED.chat_id, relay = EXCLUDED.relay`,
      [randomUUID(), agencyId, chatId, platform, sourceChatId, options.relay ?? false],
    );
    // messages already delivered from this source follow it, so history and live copies stay in one chat
    await client.query(
      `UPDATE messages SET chat_id = $4 WHERE agency_id = $1 AND platform = $2 AND source_chat_id = $3`,
      [agencyId, platform, sourceChatId, chatId],
    );
    await client.query('COMMIT');
    return { moved: Boolean(previous.rows[0] && previous.rows[0].chat_id !== chatId), created, nationalChatId: chatId };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export async function listMappings(pool: pg.Pool, agencyId: string): Promise<ChatMapping[]> {
  const rows = await pool.query<{ platform: Platform; source_chat_id: string; title: string; relay: boolean }>(
    `SELECT s.platform, s.source_chat_id, c.title, s.relay FROM chat_sources s JOIN chats c ON c.id = s.chat_id
      WHERE s.agency_id = $1 ORDER BY c.title, s.platform, s.source_chat_id`,
    [agencyId],
  );
  return rows.rows.map((r) => ({
    platform: r.platform,
    sourceChatId: r.source_chat_id,
    nationalChat: r.title,
    relay: r.relay,
  }));
}

export async function removeMapping(
  pool: pg.Pool,
  agencyId: string,
  platform: Platform,
  sourceChatId: string,
): Promise<boolean> {
  const result = await pool.query(
    `DELETE FROM chat_sources WHERE agency_id = $1 AND platform = $2 AND source_chat_id = $3`,
    [agencyId, platform, sourceChatId],
  );
  return (result.rowCount ?? 0) > 0;
}
