import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertBalanced } from '../helpers/import.ts';
import { createImportWorld, maxRssMiB, measuringEnv, type ImportWorld } from '../helpers/import-world.ts';
import { writeZip } from '../helpers/zip.ts';

/**
 * Defect: a 306 KB WhatsApp zip whose chat text inflates to a 300 MB line crashed the importer (out of memory).
 * Now the zip is refused by its compression ratio (exit 2, naming the limit and the file); with the ratio allowed,
 * the over-long line is streamed past and its message dead-lettered naming maxLineBytes, in bounded memory.
 */
const LONG_LINE_BYTES = 300 * 1024 * 1024;
/** the header the long line starts with: it is a message of its own */
const LONG_LINE_PREFIX = '[15.01.2024, 09:15:00] Bolat: ';
/** The importer's own footprint (node, Prisma, BullMQ) is ≈ 150–180 MiB; a 300 MiB line must not add to it. */
const RSS_BOUND_MIB = 300;

describe('a small zip inflating to a huge line', { timeout: 120_000 }, () => {
  let world: ImportWorld;
  let zip: string;

  before(async () => {
    world = await createImportWorld(['a']);
    zip = path.join(world.dir, 'bomb.zip');
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    await writeZip(zip, [
      {
        name: '_chat.txt',
        *chunks() {
          yield Buffer.from(`[15.01.2024, 09:14:21] Arman: first message\n${LONG_LINE_PREFIX}`);
          for (let written = 0; written < LONG_LINE_BYTES; written += chunk.length) yield chunk;
          yield Buffer.from('\n[15.01.2024, 09:16:00] Arman: after the long line\n');
        },
      },
    ]);
    assert.ok(statSync(zip).size < 400 * 1024, `the zip is small (${statSync(zip).size} bytes)`);
  });
  after(async () => world?.close());

  it('is refused by its compression ratio, naming the limit and the file (exit 2), in bounded memory', async () => {
    const result = await world.importJson(
      ['import', 'whatsapp', zip, '--agency', 'a', '--timezone', 'Asia/Almaty'],
      measuringEnv(),
    );
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /maxZipRatio/);
    assert.match(result.stderr, /bomb\.zip/);
    const rss = maxRssMiB(result.stderr);
    assert.ok(rss !== null && rss < RSS_BOUND_MIB, `peak RSS ${rss} MiB`);
    assert.equal((await world.query(`SELECT count(*)::int AS n FROM messages`))[0]!.n, 0);
  });

  it('with the ratio allowed, dead-letters the over-long line naming maxLineBytes and imports the rest (exit 1)', async () => {
    const result = await world.importJson(['import', 'whatsapp', zip, '--agency', 'a', '--timezone', 'Asia/Almaty'], {
      ...measuringEnv(),
      AITU_GATEWAY_MAX_ZIP_RATIO: '100000',
    });
    assert.equal(result.code, 1, result.stderr);
    assert.ok(result.summary, result.stderr);
    assertBalanced(result.summary);
    assert.equal(result.summary.delivered, 2);
    assert.equal(result.summary.failed, 1);
    const rss = maxRssMiB(result.stderr);
    assert.ok(rss !== null && rss < RSS_BOUND_MIB, `peak RSS ${rss} MiB`);
    const expected = `(_chat.txt), line 2: ${(LONG_LINE_PREFIX.length + LONG_LINE_BYTES).toLocaleString('en-US')} bytes exceeds maxLineBytes 1,048,576`;
    const reasons = await world.deadLetterReasons();
    assert.ok(
      reasons.some((reason) => reason.includes(expected)),
      `${expected} in ${JSON.stringify(reasons)}`,
    );
  });
});
