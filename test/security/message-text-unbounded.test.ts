import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseCanonicalMessage } from '../../src/core/message.ts';
import { assertBalanced } from '../helpers/import.ts';
import { createImportWorld, type ImportWorld } from '../helpers/import-world.ts';

/**
 * Defect: message text had no maximum. Now a text longer than maxTextChars (65,536 by default, configurable) is
 * refused at the pipeline's boundary: the message is dead-lettered naming the limit, and the import goes on.
 */
const message = (id: string, text: string) => ({
  platform: 'telegram',
  chatId: '-1002',
  chatTitle: 'Texts',
  messageId: id,
  sentAt: '2024-01-15T09:00:00Z',
  text,
});

describe('message text length', () => {
  let world: ImportWorld;
  before(async () => {
    world = await createImportWorld(['a']);
  });
  after(async () => world?.close());

  it('validation refuses a text past the limit, naming the limit and never the text', () => {
    assert.equal(parseCanonicalMessage(message('1', 'x'.repeat(65_536))).ok, true);
    const refused = parseCanonicalMessage(message('1', 'x'.repeat(65_537)));
    assert.equal(refused.ok, false);
    assert.match(!refused.ok ? refused.error : '', /^text: 65,537 characters exceeds maxTextChars 65,536/);
    const lower = parseCanonicalMessage(message('1', 'секрет'.repeat(3)), { maxTextChars: 10 });
    assert.equal(lower.ok, false);
    assert.ok(!lower.ok && !lower.error.includes('секрет'));
  });

  it('an import dead-letters the message past the default limit and delivers the rest (exit 1)', async () => {
    const file = path.join(world.dir, 'texts.jsonl');
    const lines = [
      message('1', 'short'),
      message('2', 'y'.repeat(65_536)),
      message('3', 'z'.repeat(65_537)),
      message('4', 'last'),
    ];
    writeFileSync(file, lines.map((m) => JSON.stringify(m)).join('\n') + '\n');
    const result = await world.importJson(['import', 'jsonl', file, '--agency', 'a']);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(result.summary);
    assertBalanced(result.summary);
    assert.equal(result.summary.delivered, 3);
    assert.equal(result.summary.failed, 1);
    const reasons = await world.deadLetterReasons();
    assert.ok(
      reasons.some((reason) => /text: 65,537 characters exceeds maxTextChars 65,536/.test(reason)),
      JSON.stringify(reasons),
    );
    const stored = await world.query<{ id: string }>(`SELECT source_message_id AS id FROM messages ORDER BY 1`);
    assert.deepEqual(
      stored.map((row) => row.id),
      ['1', '2', '4'],
    );
  });

  it('the limit comes from the configuration (AITU_GATEWAY_MAX_TEXT_CHARS)', async () => {
    const file = path.join(world.dir, 'configured.jsonl');
    writeFileSync(
      file,
      [message('c1', 'x'.repeat(20)), message('c2', 'x'.repeat(21))].map((m) => JSON.stringify(m)).join('\n') + '\n',
    );
    const result = await world.importJson(['import', 'jsonl', file, '--agency', 'a'], {
      AITU_GATEWAY_MAX_TEXT_CHARS: '20',
    });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.summary?.delivered, 1);
    assert.equal(result.summary?.failed, 1);
    const reasons = await world.deadLetterReasons();
    assert.ok(
      reasons.some((reason) => /text: 21 characters exceeds maxTextChars 20/.test(reason)),
      JSON.stringify(reasons),
    );
  });
});
