import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openJsonlSource } from '../../src/importers/jsonl-source.ts';
import { addDeadLetters } from '../../src/pipeline/dead-letter.ts';
import { openQueues } from '../../src/pipeline/queues.ts';
import { ingest } from '../../src/pipeline/stages/ingest.ts';
import { spawnCli } from '../helpers/import.ts';
import { createImportWorld, type ImportWorld } from '../helpers/import-world.ts';
import { redisUrl } from '../helpers/redis.ts';
import { loadKeyring, requireQueueKey } from '../../src/core/keys.ts';

/**
 * Defect: a JSONL line that is not JSON was dead-lettered as `{}`, losing the line, so `dlq retry` could never
 * succeed. Now its dead letter keeps the raw line (`message: { raw: "<line>" }`), and the pipeline's ingest
 * re-parses a raw line, so a retried dead letter is read again rather than refused for lacking every field.
 */
const good = (id: string) =>
  JSON.stringify({
    platform: 'telegram',
    chatId: '-1005',
    chatTitle: 'Raw',
    messageId: id,
    sentAt: '2024-01-15T09:00:00Z',
    text: 'hello',
  });
const broken =
  '{"platform":"telegram","chatId":"-1005","messageId":"b1","sentAt":"2024-01-15T09:00:00Z","text":"hello",}';

describe('an unparseable JSONL line', { timeout: 60_000 }, () => {
  let world: ImportWorld;
  let file: string;
  before(async () => {
    world = await createImportWorld(['a']);
    file = path.join(world.dir, 'broken.jsonl');
    writeFileSync(file, `${good('1')}\r\n${broken}\r\n[1, 2]\n`);
  });
  after(async () => world?.close());

  it('is handed to the dead-letter queue with its raw text', async () => {
    const source = await openJsonlSource(file);
    const entries = [];
    for await (const entry of source.entries()) entries.push(entry);
    await source.close();
    assert.equal(entries.length, 3);
    assert.equal(entries[0]!.problem, undefined);
    assert.match(entries[1]!.problem ?? '', /broken\.jsonl:2: not valid JSON/);
    assert.deepEqual(entries[1]!.message, { raw: broken });
    assert.match(entries[2]!.problem ?? '', /broken\.jsonl:3: not a JSON object/);
    assert.deepEqual(entries[2]!.message, { raw: '[1, 2]' });
  });

  it('ingest re-parses a raw line: a readable one is validated as any message, an unreadable one refused as JSON', () => {
    const { valid, refused } = ingest([{ raw: good('r1') }, { raw: broken }, { raw: '[1, 2]' }]);
    assert.deepEqual(
      valid.map((m) => m.messageId),
      ['r1'],
    );
    assert.equal(refused.length, 2);
    assert.match(refused[0]!.reason, /raw line: not valid JSON/);
    assert.deepEqual(refused[0]!.message, { raw: broken });
    assert.match(refused[1]!.reason, /raw line: not a JSON object/);
  });

  it('dlq retry sends the raw line through the pipeline again, which delivers it once it reads', async () => {
    const result = await world.importJson(['import', 'jsonl', file, '--agency', 'a']);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.summary?.delivered, 1);
    assert.equal(result.summary?.failed, 2);
    // a raw line that reads (as one written by a fixed exporter would): its retry delivers it
    const queueKey = requireQueueKey(await loadKeyring(path.join(world.dataDir, 'keys.json')));
    const queues = openQueues({ redisUrl, prefix: world.env.AITU_GATEWAY_QUEUE_PREFIX!, queueKey });
    try {
      await addDeadLetters(queues, [
        {
          agencyId: world.agencies.a!,
          runId: null,
          stage: 'ingest',
          reason: 'fixed.jsonl:1: not valid JSON',
          message: { raw: good('fixed') },
          failedAt: new Date().toISOString(),
        },
      ]);
    } finally {
      await queues.close();
    }
    const worker = spawnCli(['worker', '--stages', 'classify,deliver'], world.env);
    try {
      // retrying dead letters is an operator's or an admin's: the installation's first admin does it here
      const admin = await world.cli(['user', 'add', 'root', '--role', 'admin', '--json']);
      assert.equal(admin.code, 0, admin.stderr);
      const retried = await world.cli(['dlq', 'retry'], {
        AITU_GATEWAY_TOKEN: (JSON.parse(admin.stdout) as { token: string }).token,
      });
      assert.equal(retried.code, 0, retried.stderr);
      assert.match(retried.stdout, /retried 3/);
      let delivered: string[] = [];
      let reasons: string[] = [];
      for (let i = 0; i < 150; i++) {
        delivered = (await world.query<{ id: string }>(`SELECT source_message_id AS id FROM messages ORDER BY 1`)).map(
          (row) => row.id,
        );
        reasons = await world.deadLetterReasons();
        if (delivered.includes('fixed') && reasons.length === 2) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.deepEqual(delivered, ['1', 'fixed']);
      // the unreadable lines were read again, not refused for lacking every field of a message
      assert.equal(
        reasons.filter((reason) => /raw line: not valid JSON/.test(reason)).length,
        1,
        JSON.stringify(reasons),
      );
      assert.equal(
        reasons.filter((reason) => /raw line: not a JSON object/.test(reason)).length,
        1,
        JSON.stringify(reasons),
      );
    } finally {
      worker.child.kill('SIGTERM');
      await worker.done;
    }
  });
});
