// What the demo brought into the national store: chats, what policy decided, what waits for an officer,
// and a few delivered copies to show redaction (tagged copies only: they carry no personal data).
import { config } from '../src/core/config.ts';
import { requireAgency } from '../src/store/agencies.ts';
import { openStore } from '../src/store/database.ts';

const slug = process.argv[2] ?? 'demo';
const store = await openStore(config().databaseUrl);
try {
  const agency = await requireAgency(store.pool, slug);
  const q = async <T extends Record<string, unknown>>(sql: string) =>
    (await store.pool.query<T>(sql, [agency.id])).rows;
  const chats = await q<{ title: string; sources: string; messages: string }>(
    `SELECT c.title, string_agg(DISTINCT s.platform || ':' || s.source_chat_id, ', ') AS sources, count(DISTINCT m.id) AS messages
       FROM chats c LEFT JOIN chat_sources s ON s.chat_id = c.id LEFT JOIN messages m ON m.chat_id = c.id
      WHERE c.agency_id = $1 GROUP BY c.title ORDER BY c.title`,
  );
  const decisions = await q<{ action: string; n: string }>(
    `SELECT d.action, count(*) AS n FROM messages m JOIN decisions d ON d.id = m.decision_id WHERE m.agency_id = $1 GROUP BY d.action ORDER BY d.action`,
  );
  const review = await q<{ n: string }>(
    `SELECT count(*) AS n FROM review_items WHERE agency_id = $1 AND status = 'open'`,
  );
  const examples = await q<{ text: string; action: string }>(
    `SELECT m.text, d.action FROM messages m JOIN decisions d ON d.id = m.decision_id
      WHERE m.agency_id = $1 AND d.action IN ('quarantine', 'redact') AND m.text <> '' ORDER BY m.sent_at LIMIT 3`,
  );
  const out = [`\nthe national store for agency ${agency.slug}:`];
  for (const c of chats) out.push(`  chat "${c.title}" ← ${c.sources ?? '(no source)'}: ${c.messages} messages`);
  out.push(`  policy decisions: ${decisions.map((d) => `${d.action} ${d.n}`).join(', ')}`);
  out.push(
    `  review items waiting for an officer: ${review[0]?.n ?? 0} (aitu-gateway review list, with an officer's token)`,
  );
  for (const e of examples)
    out.push(`  delivered (${e.action}): ${e.text.length > 100 ? `${e.text.slice(0, 100)}…` : e.text}`);
  process.stdout.write(`${out.join('\n')}\n`);
} finally {
  await store.close();
}
