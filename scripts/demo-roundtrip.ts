// Checks the sample canonical messages against the national store: each one reads back as it was imported.
import { readFileSync } from 'node:fs';
import { config } from '../src/core/config.ts';
import { canonicalMessageSchema } from '../src/core/message.ts';
import { requireAgency } from '../src/store/agencies.ts';
import { openStore } from '../src/store/database.ts';
import { readMessage } from '../src/store/messages.ts';

const [file = 'samples/canonical/press-office.jsonl', slug = 'demo'] = process.argv.slice(2);
const messages = readFileSync(file, 'utf8')
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => canonicalMessageSchema.parse(JSON.parse(line)));
const store = await openStore(config().databaseUrl);
try {
  const agency = await requireAgency(store.pool, slug);
  let identical = 0;
  for (const message of messages) {
    const back = await readMessage(store.pool, agency.id, message);
    const { storeId: _id, redacted: _r, ...canonical } = back ?? { storeId: 0n, redacted: false };
    if (JSON.stringify(canonical) === JSON.stringify(message)) identical++;
  }
  process.stdout.write(`store check: ${identical} of ${messages.length} sample messages read back from the store as imported\n`);
  process.exitCode = identical === messages.length ? 0 : 1;
} finally {
  await store.close();
}
