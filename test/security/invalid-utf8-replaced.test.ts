import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertBalanced } from '../helpers/import.ts';
import { createImportWorld, type ImportWorld } from '../helpers/import-world.ts';

/**
 * Defect: bytes that are not UTF-8 were silently replaced with U+FFFD and stored. Now each importer checks its
 * bytes with a fatal decoder: the message holding them is dead-lettered naming the file and the line (or, in a
 * Telegram export, the byte offset), and no U+FFFD is ever stored in its place.
 */
const INVALID = Buffer.from([0xc3, 0x28]);
const bytes = (...parts: (string | Buffer)[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));

describe('bytes that are not UTF-8', () => {
  let world: ImportWorld;
  before(async () => {
    world = await createImportWorld(['jsonl', 'wa', 'tg']);
  });
  after(async () => world?.close());

  const replacementsStored = async (agency: string) =>
    (
      await world.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM messages WHERE agency_id = $1 AND (strpos(text, chr(65533)) > 0 OR strpos(body::text, chr(65533)) > 0)`,
        [world.agencies[agency]],
      )
    )[0]!.n;

  it('in a JSONL line: that line is dead-lettered naming the file and line', async () => {
    const file = path.join(world.dir, 'bad.jsonl');
    const line = (id: string, text: string | Buffer) =>
      bytes(
        `{"platform":"telegram","chatId":"-1004","messageId":"${id}","sentAt":"2024-01-15T09:00:00Z","text":"`,
        text,
        '"}\n',
      );
    writeFileSync(file, bytes(line('1', 'good'), line('2', bytes('caf', INVALID, 'é')), line('3', 'good again')));
    const result = await world.importJson(['import', 'jsonl', file, '--agency', 'jsonl']);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(result.summary);
    assertBalanced(result.summary);
    assert.equal(result.summary.delivered, 2);
    assert.equal(result.summary.failed, 1);
    const reasons = await world.deadLetterReasons();
    assert.ok(
      reasons.some((reason) => /bad\.jsonl:2: not valid UTF-8/.test(reason)),
      JSON.stringify(reasons),
    );
    assert.equal(await replacementsStored('jsonl'), 0);
  });

  it('in a WhatsApp export: the message whose line holds them is dead-lettered naming the file and line', async () => {
    const file = path.join(world.dir, 'WhatsApp Chat with Test.txt');
    writeFileSync(
      file,
      bytes(
        '[15.01.2024, 09:14:21] Arman: good\n',
        '[15.01.2024, 09:15:00] Bolat: bad ',
        INVALID,
        ' byte\n',
        '[15.01.2024, 09:16:00] Arman: good again\n',
        'second line ',
        INVALID,
        ' of it\n',
        '[15.01.2024, 09:17:00] Arman: fine\n',
      ),
    );
    const result = await world.importJson(['import', 'whatsapp', file, '--agency', 'wa', '--timezone', 'Asia/Almaty']);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(result.summary);
    assertBalanced(result.summary);
    assert.equal(result.summary.delivered, 2);
    assert.equal(result.summary.failed, 2);
    const reasons = await world.deadLetterReasons();
    assert.ok(
      reasons.some((reason) => /WhatsApp Chat with Test\.txt, line 2: not valid UTF-8/.test(reason)),
      JSON.stringify(reasons),
    );
    assert.ok(
      reasons.some((reason) => /WhatsApp Chat with Test\.txt, line 4: not valid UTF-8/.test(reason)),
      JSON.stringify(reasons),
    );
    assert.equal(await replacementsStored('wa'), 0);
  });

  it('in a Telegram export: the message holding them is dead-lettered naming the file and byte offset', async () => {
    const folder = path.join(world.dir, 'tg');
    mkdirSync(folder);
    const message = (id: number, text: string | Buffer) =>
      bytes(
        `{"id":${id},"type":"message","date":"2024-01-15T09:0${id}:00","date_unixtime":"${1705309200 + id * 60}","from":"Dana","from_id":"user7","text":"`,
        text,
        `","text_entities":[]}`,
      );
    const head = '{"name":"Штаб","type":"private_supergroup","id":1987650001,"messages":[';
    const first = message(1, 'good');
    const file = bytes(head, first, ',', message(2, bytes('bad ', INVALID)), ',', message(3, 'good again'), ']}');
    writeFileSync(path.join(folder, 'result.json'), file);
    const result = await world.importJson(['import', 'telegram', folder, '--agency', 'tg']);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(result.summary);
    assertBalanced(result.summary);
    assert.equal(result.summary.delivered, 2);
    assert.equal(result.summary.failed, 1);
    const secondAt = Buffer.byteLength(head) + first.length + 1;
    const reasons = await world.deadLetterReasons();
    assert.ok(
      reasons.some(
        (reason) =>
          reason.includes('result.json') && reason.includes(`byte ${secondAt}`) && /not valid UTF-8/.test(reason),
      ),
      `byte ${secondAt} in ${JSON.stringify(reasons)}`,
    );
    assert.equal(await replacementsStored('tg'), 0);
  });
});
