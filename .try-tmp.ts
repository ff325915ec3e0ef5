import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { addAgency } from './src/store/agencies.ts';
import { runCli } from './test/helpers/cli.ts';
import { createTestDatabase } from './test/helpers/database.ts';
import { removePrefix, testPrefix } from './test/helpers/redis.ts';
const db = await createTestDatabase();
const prefix = testPrefix();
const dir = mkdtempSync(path.join(tmpdir(), 'aitu-try-'));
await addAgency(db.store.prisma, { slug: 'mvd', name: 'MVD' });
const env = { DATABASE_URL: db.url, AITU_GATEWAY_QUEUE_PREFIX: prefix, AITU_GATEWAY_DATA_DIR: path.join(dir, 'data'), AITU_GATEWAY_KEY_FILE: path.join(dir, 'keys.json'), LOG_LEVEL: 'warn' };
for (const args of process.argv.slice(2).map((a) => a.split(' '))) {
  const r = await runCli([...args, '--agency', 'mvd', '--json'], { env });
  console.log(r.code, r.ms, r.stdout, r.stderr);
}
const q = async (s: string) => (await db.store.pool.query(s)).rows;
console.log(await q(`select source_chat_id, source_message_id, sender_id, sender_name, kind, text, redacted, body from messages order by source_chat_id, source_message_id::int limit 100`).then(r => r.map(x => JSON.stringify(x)).join('\n')));
console.log(await q(`select * from message_attachments`));
console.log(await q(`select c.title, s.* from chats c join chat_sources s on s.chat_id=c.id`));
console.log(await q(`select platform_id, display_name from identities`));
await removePrefix(prefix); await db.drop();
