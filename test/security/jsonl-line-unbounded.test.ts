import assert from 'node:assert/strict';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertBalanced } from '../helpers/import.ts';
import { createImportWorld, maxRssMiB, measuringEnv, type ImportWorld } from '../helpers/import-world.ts';

/**
 * Defect: a JSONL line had no maximum; a 300 MB line was buffered (and copied over and over) whole. Now a line past
 * maxLineBytes is streamed past without being kept, its message dead-lettered naming the limit, file and line,
 * and the import goes on (exit 1 at the end), in bounded memory.
 */
const LONG_TEXT_BYTES = 300 * 1024 * 1024;
const RSS_BOUND_MIB = 300;

const line = (id: string, text: string) =>
  JSON.stringify({
    platform: 'telegram',
    chatId: '-1001',
    chatTitle: 'Long lines',
    messageId: id,
    sentAt: '2024-01-15T09:00:00Z',
    text,
  });

describe('an over-long JSONL line', { timeout: 120_000 }, () => {
  let world: ImportWorld;
  let file: string;
  let longLineBytes = 0;

  before(async () => {
    world = await createImportWorld(['a']);
    file = path.join(world.dir, 'long.jsonl');
    const fd = openSync(file, 'w');
    try {
      writeSync(fd, `${line('1', 'before')}\n`);
      // the line up to its text's opening quote
      const head = line('2', '').slice(0, -2);
      writeSync(fd, head);
      const chunk = Buffer.alloc(1024 * 1024, 'a');
      for (let written = 0; written < LONG_TEXT_BYTES; written += chunk.length) writeSync(fd, chunk);
      writeSync(fd, '"}\n');
      longLineBytes = Buffer.byteLength(head) + LONG_TEXT_BYTES + 2;
      writeSync(fd, `${line('3', 'after')}\n`);
    } finally {
      closeSync(fd);
    }
  });
  after(async () => world?.close());

  it('is dead-lettered naming maxLineBytes, file and line; the rest is imported; memory stays bounded', async () => {
    const result = await world.importJson(['import', 'jsonl', file, '--agency', 'a'], measuringEnv());
    assert.equal(result.code, 1, result.stderr);
    assert.ok(result.summary, result.stderr);
    assertBalanced(result.summary);
    assert.equal(result.summary.delivered, 2);
    assert.equal(result.summary.failed, 1);
    const rss = maxRssMiB(result.stderr);
    assert.ok(rss !== null && rss < RSS_BOUND_MIB, `peak RSS ${rss} MiB`);
    const expected = `long.jsonl:2: ${longLineBytes.toLocaleString('en-US')} bytes exceeds maxLineBytes 1,048,576`;
    const reasons = await world.deadLetterReasons();
    assert.ok(
      reasons.some((reason) => reason.includes(expected)),
      `${expected} in ${JSON.stringify(reasons)}`,
    );
    const stored = await world.query<{ id: string }>(`SELECT source_message_id AS id FROM messages ORDER BY 1`);
    assert.deepEqual(
      stored.map((row) => row.id),
      ['1', '3'],
    );
  });

  it('a lower limit from the environment applies to ordinary lines too', async () => {
    const small = path.join(world.dir, 'small.jsonl');
    writeFileSync(small, `${line('s1', 'short')}\n${line('s2', 'x'.repeat(500))}\n`);
    const result = await world.importJson(['import', 'jsonl', small, '--agency', 'a'], {
      AITU_GATEWAY_MAX_LINE_BYTES: '300',
    });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.summary?.delivered, 1);
    assert.equal(result.summary?.failed, 1);
    const reasons = await world.deadLetterReasons();
    assert.ok(
      reasons.some((reason) => /small\.jsonl:2: [\d,]+ bytes exceeds maxLineBytes 300/.test(reason)),
      JSON.stringify(reasons),
    );
  });
});
