import type pg from 'pg';
import { storeSnapshot } from './import.ts';

/**
 * What the fault tests compare between an interrupted run and an uninterrupted one: storeSnapshot (messages, their
 * findings, attachments, chats, identities) and, per message, the policy decision that delivered it, its review item
 * and how many earlier versions it has. Store-generated ids and times are left out.
 */
export async function faultSnapshot(pool: pg.Pool): Promise<unknown> {
  const q = async (sql: string) => (await pool.query(sql)).rows;
  return {
    ...((await storeSnapshot(pool)) as object),
    decisions: await q(
      `SELECT m.platform, m.source_chat_id, m.source_message_id, d.direction, d.action, d.rule, d.categories, d.reasons
         FROM messages m JOIN decisions d ON d.id = m.decision_id ORDER BY 1, 2, 3`,
    ),
    reviews: await q(
      `SELECT m.platform, m.source_chat_id, m.source_message_id, r.status, r.categories, r.original IS NOT NULL AS sealed
         FROM review_items r JOIN messages m ON m.id = r.message_id ORDER BY 1, 2, 3`,
    ),
    versions: await q(
      `SELECT m.platform, m.source_chat_id, m.source_message_id, count(v.*)::int AS n
         FROM messages m LEFT JOIN message_versions v ON v.message_id = m.id GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    ),
  };
}
