import { randomUUID } from 'node:crypto';
import type pg from 'pg';

type Queryable = Pick<pg.PoolClient, 'query'>;

export interface ForeignChat {
  platform: string;
  sourceChatId: string;
  /** used to name a national chat when the foreign chat has no mapping yet */
  title?: string;
}

const chatKey = (platform: string, sourceChatId: string) => `${platform}\u0000${sourceChatId}`;

/**
 * The national chat of each foreign chat. A foreign chat with no mapping gets a national chat of its own,
 * named after its title (suffixed with its source when that name is taken). Must run inside a transaction.
 */
export async function resolveChats(
  db: Queryable,
  agencyId: string,
  chats: readonly ForeignChat[],
): Promise<Map<string, string>> {
  const wanted = new Map<string, ForeignChat>();
  for (const chat of chats) wanted.set(chatKey(chat.platform, chat.sourceChatId), chat);
  const resolved = await selectMappings(db, agencyId, [...wanted.values()]);
  const missing = [...wanted.entries()].filter(([key]) => !resolved.has(key)).map(([, chat]) => chat);
  if (missing.length === 0) return resolved;

  // creating chats is rare (once per foreign chat): serialize it per agency so two workers agree
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('aitu-chats:' || $1))`, [agencyId]);
  for (const [key, chatId] of await selectMappings(db, agencyId, missing)) resolved.set(key, chatId);
  for (const chat of missing) {
    const key = chatKey(chat.platform, chat.sourceChatId);
    if (resolved.has(key)) continue;
    const chatId = await createNationalChat(
      db,
      agencyId,
      chat.title?.trim() || `${chat.platform}:${chat.sourceChatId}`,
      chat,
    );
    await db.query(
      `INSERT INTO chat_sources (id, agency_id, chat_id, platform, source_chat_id) VALUES ($1, $2, $3, $4, $5)`,
      [randomUUID(), agencyId, chatId, chat.platform, chat.sourceChatId],
    );
    resolved.set(key, chatId);
  }
  return resolved;
}

async function createNationalChat(
  db: Queryable,
  agencyId: string,
  title: string,
  source: ForeignChat,
): Promise<string> {
  for (const candidate of [title, `${title} (${source.platform}:${source.sourceChatId})`]) {
    const id = randomUUID();
    const created = await db.query(
      `INSERT INTO chats (id, agency_id, title) VALUES ($1, $2, $3) ON CONFLICT (agency_id, title) DO NOTHING RETURNING id`,
      [id, agencyId, candidate],
    );
    if (created.rowCount) return id;
  }
  const existing = await db.query<{ id: string }>(`SELECT id FROM chats WHERE agency_id = $1 AND title = $2`, [
    agencyId,
    `${title} (${source.platform}:${source.sourceChatId})`,
  ]);
  return existing.rows[0]!.id;
}

async function selectMappings(
  db: Queryable,
  agencyId: string,
  chats: readonly ForeignChat[],
): Promise<Map<string, string>> {
  if (chats.length === 0) return new Map();
  const result = await db.query<{ platform: string; source_chat_id: string; chat_id: string }>({
    name: 'aitu-chat-mappings',
    text: `SELECT s.platform, s.source_chat_id, s.chat_id
             FROM chat_sources s
             JOIN unnest($2::text[], $3::text[]) AS w(platform, source_chat_id)
               ON s.platform = w.platform AND s.source_chat_id = w.source_chat_id
            WHERE s.agency_id = $1`,
    values: [agencyId, chats.map((c) => c.platform), chats.map((c) => c.sourceChatId)],
  });
  return new Map(result.rows.map((r) => [chatKey(r.platform, r.source_chat_id), r.chat_id]));
}

export { chatKey };
