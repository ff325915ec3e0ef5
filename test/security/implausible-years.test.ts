import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseCanonicalMessage } from '../../src/core/message.ts';
import { assertBalanced } from '../helpers/import.ts';
import { createImportWorld, type ImportWorld } from '../helpers/import-world.ts';

/**
 * Defect: years 0001 and 9999 were accepted as a message's time. Now sentAt and editedAt must lie between
 * 1990-01-01 and a day after now; anything else is refused with a reason naming the field and the bound.
 */
const message = (id: string, sentAt: string, editedAt: string | null = null) => ({
  platform: 'telegram',
  chatId: '-1003',
  chatTitle: 'Times',
  messageId: id,
  sentAt,
  editedAt,
  text: 'ok',
});

describe('implausible message times', () => {
  let world: ImportWorld;
  before(async () => {
    world = await createImportWorld(['a']);
  });
  after(async () => world?.close());

  it('validation refuses times before 1990 or more than a day ahead, naming the field', () => {
    const now = new Date('2026-11-26T12:00:00Z');
    const check = (sentAt: string, editedAt: string | null = null) =>
      parseCanonicalMessage(message('1', sentAt, editedAt), { now });
    assert.equal(check('1990-01-01T00:00:00Z').ok, true);
    assert.equal(check('2026-11-27T11:59:59Z').ok, true);
    for (const [sentAt, pattern] of [
      ['0001-01-01T00:00:00Z', /^sentAt: before 1990-01-01/],
      ['1989-12-31T23:59:59Z', /^sentAt: before 1990-01-01/],
      ['9999-12-31T23:59:59Z', /^sentAt: more than a day after now/],
      ['2026-11-27T12:00:01Z', /^sentAt: more than a day after now/],
    ] as const) {
      const result = check(sentAt);
      assert.equal(result.ok, false, sentAt);
      assert.match(!result.ok ? result.error : '', pattern, sentAt);
    }
    const edited = check('2024-01-01T00:00:00Z', '9999-01-01T00:00:00Z');
    assert.match(!edited.ok ? edited.error : '', /^editedAt: more than a day after now/);
  });

  it('an import dead-letters them and delivers the rest (exit 1)', async () => {
    const file = path.join(world.dir, 'times.jsonl');
    const tomorrowAndMore = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const lines = [
      message('1', '2024-01-15T09:00:00Z'),
      message('2', '0001-01-01T00:00:00Z'),
      message('3', '9999-12-31T23:59:59Z'),
      message('4', tomorrowAndMore),
      message('5', '2024-01-15T09:00:00Z', '9999-01-01T00:00:00+06:00'),
      message('6', '1990-01-01T00:00:00Z'),
    ];
    writeFileSync(file, lines.map((m) => JSON.stringify(m)).join('\n') + '\n');
    const result = await world.importJson(['import', 'jsonl', file, '--agency', 'a']);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(result.summary);
    assertBalanced(result.summary);
    assert.equal(result.summary.delivered, 2);
    assert.equal(result.summary.failed, 4);
    const reasons = await world.deadLetterReasons();
    assert.equal(
      reasons.filter((reason) => /sentAt: before 1990-01-01/.test(reason)).length,
      1,
      JSON.stringify(reasons),
    );
    assert.equal(
      reasons.filter((reason) => /sentAt: more than a day after now/.test(reason)).length,
      2,
      JSON.stringify(reasons),
    );
    assert.equal(
      reasons.filter((reason) => /editedAt: more than a day after now/.test(reason)).length,
      1,
      JSON.stringify(reasons),
    );
    const stored = await world.query<{ id: string }>(`SELECT source_message_id AS id FROM messages ORDER BY 1`);
    assert.deepEqual(
      stored.map((row) => row.id),
      ['1', '6'],
    );
  });
});
