import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { runCli } from './helpers/cli.ts';
import type { Summary } from './helpers/import.ts';
import { createImportWorld, maxRssMiB, measuringEnv, type ImportWorld } from './helpers/import-world.ts';
import { writeZip, type ZipEntrySpec } from './helpers/zip.ts';

/**
 * Malformed input through the real CLI (issue 22, "Bad input"). Each bad file comes after a good import into the same
 * agency and chat, and every run checks the three promises: a clear error naming the file and, where there is one,
 * the line or byte (no stack trace, no crash); nothing written outside the data directory (the run's working
 * directory is a folder inside the test's, and the temporary folder is searched for the names the zips try to
 * write); and the good import's rows, findings and attachments exactly as they were.
 *
 * Already proven elsewhere and not repeated here: invalid UTF-8 inside a message of each format, dead-lettered
 * naming file and line or byte (test/security/invalid-utf8-replaced.test.ts); a 300 MB JSONL line
 * (test/security/jsonl-line-unbounded.test.ts) and a 300 MB WhatsApp line inflated from a small zip, refused by its
 * ratio (test/security/zip-bomb-line.test.ts), both in bounded memory; a text past maxTextChars
 * (test/security/message-text-unbounded.test.ts); the truncated Telegram fixture resumed once fixed
 * (test/import-telegram.test.ts); a zip whose attachments are named `../evil.txt` and `/etc/evil`
 * (test/import-whatsapp.test.ts).
 */

const TOKEN = `aitu-bad-${randomBytes(4).toString('hex')}`;
const ALMATY = ['--timezone', 'Asia/Almaty'];
/** The importer's own footprint (node, Prisma, BullMQ) is ≈ 150–200 MiB; an input's size must not add to it. */
const RSS_BOUND_MIB = 300;
/** With maxLineBytes raised past a 50 MB message, the message is read whole, a few times over. */
const RAISED_RSS_BOUND_MIB = 600;
const MB50 = 50 * 1024 * 1024;
/** Past 2^31: a length or an offset kept in 32 bits would overflow here. */
const HUGE = 2 ** 31 + 1024 * 1024;
const STACK_LINE = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m;

/** The good imports, one chat per format. */
const TG_CHAT = { name: 'Штаб', type: 'private_supergroup', id: 1987650001 };
const tgMessage = (id: number, text: string) => ({
  id,
  type: 'message',
  date: `2024-01-15T09:${String(id % 60).padStart(2, '0')}:00`,
  date_unixtime: String(1705309200 + (id % 60) * 60),
  from: 'Dana',
  from_id: 'user7',
  text,
  text_entities: [{ type: 'plain', text }],
});
const tgExport = (messages: object[]) => JSON.stringify({ ...TG_CHAT, messages }, null, 1);
const GOOD_TG = [tgMessage(1, 'Доброе утро'), tgMessage(2, 'Менің ИИН 940101300123'), tgMessage(3, 'ok')];

const WA_NAME = 'Штаб';
const GOOD_WA = [
  '15.01.2024, 09:00 - Arman: Доброе утро',
  '15.01.2024, 09:01 - Bolat: Менің ИИН 940101300123',
  '15.01.2024, 09:02 - Arman: ok',
].join('\n');

const JSONL_CHAT = '-1009';
const jsonlLine = (id: string, text: string) =>
  JSON.stringify({
    platform: 'telegram',
    chatId: JSONL_CHAT,
    chatTitle: 'Press',
    messageId: id,
    sentAt: '2024-01-15T09:00:00Z',
    text,
  });
const GOOD_JSONL = ['g1', 'g2', 'g3'].map((id, i) => jsonlLine(id, i === 1 ? 'ИИН 940101300123' : `line ${id}`));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  summary: Summary | null;
  rss: number | null;
}

/** Every file under `root` but the data directory, with its size: what a run must leave as it was. */
function filesOutsideData(root: string, dataDir: string): Map<string, number> {
  const files = new Map<string, number>();
  for (const name of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    const full = path.join(root, name);
    if (full === dataDir || full.startsWith(dataDir + path.sep)) continue;
    const info = statSync(full, { throwIfNoEntry: false });
    if (info && !info.isDirectory()) files.set(name, info.size);
  }
  return files;
}

/** Files anywhere the zips' entries aim at that carry the test's token: there must be none. */
function tokenFiles(root: string): string[] {
  const places = [root, tmpdir(), path.dirname(root), '/tmp'];
  const found = new Set<string>();
  for (const place of places) {
    for (const name of readdirSync(place, { recursive: place === root, encoding: 'utf8' })) {
      if (name.includes(TOKEN)) found.add(path.join(place, name));
    }
  }
  return [...found];
}

/** Writes `size` bytes of `fill` between a head and a tail, a chunk at a time (never held in memory). */
async function writeHuge(file: string, head: string, size: number, tail: string, fill = 'a'): Promise<void> {
  const out = createWriteStream(file);
  const chunk = Buffer.alloc(1024 * 1024, fill);
  out.write(head);
  for (let left = size; left > 0; left -= chunk.length) {
    if (!out.write(left >= chunk.length ? chunk : chunk.subarray(0, left))) await once(out, 'drain');
  }
  out.end(tail);
  await once(out, 'finish');
}

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

describe('bad input through the CLI', { timeout: 15 * 60_000 }, () => {
  let world: ImportWorld;
  let input: string;
  let cwd: string;
  /** each agency's good rows, as they were after the good import */
  const good = new Map<string, string>();

  /** Each agency's rows of the good import: messages, findings and attachments, every column. */
  const goodRows = async (slug: string, ids: readonly string[]) =>
    JSON.stringify(
      await world.query(
        `SELECT to_jsonb(m) AS message,
                (SELECT jsonb_agg(to_jsonb(f) ORDER BY f.start, f.category) FROM findings f WHERE f.message_id = m.id) AS findings,
                (SELECT jsonb_agg(to_jsonb(a) ORDER BY a.position) FROM message_attachments a WHERE a.message_id = m.id) AS attachments,
                c.title
           FROM messages m LEFT JOIN chats c ON c.id = m.chat_id
          WHERE m.agency_id = $1 AND m.source_message_id = ANY($2) ORDER BY m.source_message_id`,
        [world.agencies[slug], ids],
      ),
    );
  const goodIds: Record<string, string[]> = {};

  /**
   * Runs `import … --json` from a folder inside the test's, measuring peak RSS, and checks what every bad input must
   * keep: no crash or stack trace, nothing new outside the data directory, the good imports unchanged.
   */
  async function run(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
    const before = filesOutsideData(world.dir, world.dataDir);
    const result = await runCli([...args, '--json', '--no-progress'], {
      cwd,
      env: { ...world.env, ...measuringEnv(), ...env },
    });
    let summary: Summary | null;
    try {
      summary = JSON.parse(result.stdout) as Summary;
    } catch {
      summary = null;
    }
    assert.equal(result.signal, null, `killed by ${result.signal}: ${result.stderr}`);
    assert.ok([0, 1, 2].includes(result.code ?? -1), `exit ${result.code}: ${result.stderr}`);
    assert.doesNotMatch(result.stderr, STACK_LINE, 'no stack trace');
    assert.doesNotMatch(result.stderr, /unexpected error|Unhandled|node:internal|ERR_[A-Z_]+/);
    assert.deepEqual(filesOutsideData(world.dir, world.dataDir), before, 'nothing written outside the data directory');
    assert.deepEqual(tokenFiles(world.dir), []);
    const tmp = path.join(world.dataDir, 'attachments', 'tmp');
    assert.deepEqual(existsSync(tmp) ? readdirSync(tmp) : [], [], 'no half-written attachment left');
    for (const [slug, rows] of good)
      assert.equal(await goodRows(slug, goodIds[slug]!), rows, `${slug}: the good import unchanged`);
    return { ...result, summary, rss: maxRssMiB(result.stderr) };
  }

  /** The one error line a failed run prints, checked to name the file and the position. */
  function assertError(result: Run, code: number, ...expected: (string | RegExp)[]): void {
    assert.equal(result.code, code, result.stderr);
    for (const part of expected) {
      if (typeof part === 'string') assert.ok(result.stderr.includes(part), `${part} in ${result.stderr}`);
      else assert.match(result.stderr, part);
    }
  }

  const lastReasons = async (n: number) => (await world.deadLetterReasons()).slice(-n);
  const hasReason = async (...parts: string[]) => {
    const reasons = await world.deadLetterReasons();
    assert.ok(
      reasons.some((reason) => parts.every((part) => reason.includes(part))),
      `${parts.join(' … ')} in ${JSON.stringify(reasons)}`,
    );
  };

  before(async () => {
    world = await createImportWorld(['tg', 'wa', 'jsonl']);
    input = path.join(world.dir, 'in');
    cwd = path.join(world.dir, 'cwd', 'deep');
    mkdirSync(input);
    mkdirSync(cwd, { recursive: true });

    mkdirSync(path.join(input, 'tg-good'));
    writeFileSync(path.join(input, 'tg-good', 'result.json'), tgExport(GOOD_TG));
    writeFileSync(path.join(input, `WhatsApp Chat with ${WA_NAME}.txt`), `${GOOD_WA}\n`);
    writeFileSync(path.join(input, 'good.jsonl'), `${GOOD_JSONL.join('\n')}\n`);
    const imports: [string, string[]][] = [
      ['tg', ['import', 'telegram', path.join(input, 'tg-good'), '--agency', 'tg']],
      [
        'wa',
        ['import', 'whatsapp', path.join(input, `WhatsApp Chat with ${WA_NAME}.txt`), '--agency', 'wa', ...ALMATY],
      ],
      ['jsonl', ['import', 'jsonl', path.join(input, 'good.jsonl'), '--agency', 'jsonl']],
    ];
    for (const [slug, args] of imports) {
      const result = await world.importJson(args);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.summary?.delivered, 3);
      goodIds[slug] = (
        await world.query<{ id: string }>(`SELECT source_message_id AS id FROM messages WHERE agency_id = $1`, [
          world.agencies[slug],
        ])
      ).map((row) => row.id);
      assert.equal(goodIds[slug]!.length, 3);
      good.set(slug, await goodRows(slug, goodIds[slug]!));
      // findings were made and are part of what must not change
      assert.match(good.get(slug)!, /"category"/);
    }
  });
  after(async () => world?.close());

  describe('truncated and malformed Telegram JSON', () => {
    const bad = tgExport([tgMessage(101, 'first after'), tgMessage(102, 'секрет второго'), tgMessage(103, 'third')]);
    const cuts: [string, number, number, RegExp][] = [
      [
        'inside the chat header',
        bad.indexOf('"type"') + 4,
        2,
        /not a readable Telegram export: the file ends early at byte \d+/,
      ],
      ['inside a message', bad.indexOf('секрет') + 3, 1, /truncated at byte \d+ inside a message after message id 101/],
      ['after the messages array', bad.lastIndexOf(']') + 1, 1, /truncated at byte \d+: the file ends early/],
    ];
    for (const [where, at, code, message] of cuts) {
      it(`cut ${where}: exit ${code} naming the file and the byte offset`, async () => {
        const folder = path.join(input, `tg-cut-${at}`);
        mkdirSync(folder);
        const file = path.join(folder, 'result.json');
        writeFileSync(file, Buffer.from(bad).subarray(0, Buffer.byteLength(bad.slice(0, at))));
        const result = await run(['import', 'telegram', folder, '--agency', 'tg']);
        assertError(result, code, file, message);
        assert.ok(!result.stderr.includes('секрет'), 'no message text in the error');
      });
    }

    it('garbage between messages: exit 1 naming the byte offset and the last message read', async () => {
      const folder = path.join(input, 'tg-garbage');
      mkdirSync(folder);
      const broken = bad.replace(/\}\s*,\s*\{\s*"id": 103/, '} ;{ "id": 103');
      const file = path.join(folder, 'result.json');
      writeFileSync(file, broken);
      const result = await run(['import', 'telegram', folder, '--agency', 'tg']);
      assertError(result, 1, file, /malformed JSON at byte \d+ after message id 102/);
    });

    it('a zipped export: exit 2, saying to unpack it', async () => {
      const zip = path.join(input, 'telegram-export.zip');
      await writeZip(zip, [{ name: 'result.json', chunks: () => [Buffer.from(tgExport(GOOD_TG))] }]);
      const result = await run(['import', 'telegram', zip, '--agency', 'tg']);
      assertError(result, 2, `${zip}: a zip archive, not a Telegram export; unpack it`);
    });

    it('a chat name that is not UTF-8: a warning naming the byte, the chat named by its id, never U+FFFD', async () => {
      const folder = path.join(input, 'tg-name');
      mkdirSync(folder);
      const text = tgExport([tgMessage(111, 'named badly')]);
      const [head, rest] = [text.slice(0, text.indexOf('Штаб')), text.slice(text.indexOf('Штаб') + 'Штаб'.length)];
      writeFileSync(
        path.join(folder, 'result.json'),
        Buffer.concat([Buffer.from(head), Buffer.from([0xd0, 0xa8, 0xd1]), Buffer.from(rest)]),
      );
      const result = await run(['import', 'telegram', folder, '--agency', 'tg']);
      assertError(result, 0, /warning: .*result\.json: the name of chat #1 \(at byte \d+\) is not valid UTF-8/);
      const titles = await world.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM chats WHERE strpos(title, chr(65533)) > 0`,
      );
      assert.equal(titles[0]!.n, 0);
    });
  });

  describe('invalid UTF-8 in the other formats (messages: see invalid-utf8-replaced)', () => {
    it('a WhatsApp zip whose chat text holds bytes that are not UTF-8: dead-lettered naming the zip, entry and line', async () => {
      const zip = path.join(input, 'utf8.zip');
      await writeZip(zip, [
        {
          name: '_chat.txt',
          chunks: () => [
            Buffer.from('15.01.2024, 10:00 - Arman: fine\n15.01.2024, 10:01 - Arman: bad '),
            Buffer.from([0xff, 0xfe]),
            Buffer.from('\n'),
          ],
        },
      ]);
      const result = await run(['import', 'whatsapp', zip, '--agency', 'wa', '--chat-name', WA_NAME, ...ALMATY]);
      assertError(result, 1);
      assert.equal(result.summary?.failed, 1);
      await hasReason(`${zip} (_chat.txt), line 2: not valid UTF-8`);
    });

    it('JSONL attachments of the wrong shape: those lines dead-lettered, the import goes on (exit 1)', async () => {
      const file = path.join(input, 'attachments.jsonl');
      const shapes = [
        {},
        [null],
        'ab',
        [{ kind: 'photo', name: 'a.jpg', sha256: 'abc' }],
        [{ name: 'b', sourcePath: 5 }],
      ];
      const line = (id: string, attachments: unknown) =>
        JSON.stringify({ ...JSON.parse(jsonlLine(id, 'with attachments')), attachments });
      writeFileSync(
        file,
        `${[jsonlLine('a0', 'before'), ...shapes.map((shape, i) => line(`a${i + 1}`, shape)), jsonlLine('a9', 'after')].join('\n')}\n`,
      );
      const result = await run(['import', 'jsonl', file, '--agency', 'jsonl']);
      assertError(result, 1);
      assert.equal(result.summary?.delivered, 2);
      assert.equal(result.summary?.failed, shapes.length);
      const reasons = await lastReasons(shapes.length);
      assert.ok(
        reasons.every((reason) => /attachments/.test(reason)),
        JSON.stringify(reasons),
      );
    });

    it('JSONL that is a zip or gzip archive: exit 2, saying to unpack it, not a dead letter per line', async () => {
      const gz = path.join(input, 'messages.jsonl.gz');
      writeFileSync(gz, gzipSync(`${GOOD_JSONL.join('\n')}\n`));
      const result = await run(['import', 'jsonl', gz, '--agency', 'jsonl']);
      assertError(result, 2, `${gz}: a gzip archive, not JSONL`);
    });
  });

  describe('a 50 MB message', () => {
    it('Telegram, default limits: dead-lettered naming maxLineBytes and the byte offset, in bounded memory', async (t) => {
      const folder = path.join(input, 'tg-50mb');
      mkdirSync(folder);
      const file = path.join(folder, 'result.json');
      const head = tgExport([tgMessage(121, 'before'), tgMessage(122, '')]).replace(/"text": ""[^]*$/, '"text": "');
      const tail = `"\n },\n ${JSON.stringify(tgMessage(123, 'after'))}\n ]\n}`;
      await writeHuge(file, head, MB50, tail);
      const result = await run(['import', 'telegram', folder, '--agency', 'tg']);
      rmSync(folder, { recursive: true });
      assertError(result, 1);
      assert.equal(result.summary?.delivered, 2);
      assert.equal(result.summary?.failed, 1);
      await hasReason(`${file}: message at byte`, 'after message id 121', 'exceeds maxLineBytes 1,048,576');
      t.diagnostic(`peak RSS ${result.rss?.toFixed(0)} MiB`);
      assert.ok(result.rss !== null && result.rss < RSS_BOUND_MIB, `peak RSS ${result.rss} MiB`);
    });

    // with maxLineBytes raised the message is read; its text is then refused by maxTextChars before it is queued
    const raised = { AITU_GATEWAY_MAX_LINE_BYTES: String(64 * 1024 * 1024) };
    it('JSONL, maxLineBytes raised: refused by maxTextChars naming file and line, its text not kept', async (t) => {
      const file = path.join(input, 'text-50mb.jsonl');
      const head = `${jsonlLine('t1', 'before')}\n${jsonlLine('t2', '').slice(0, -2)}`;
      await writeHuge(file, head, MB50, `"}\n${jsonlLine('t3', 'after')}\n`);
      const result = await run(['import', 'jsonl', file, '--agency', 'jsonl'], raised);
      rmSync(file);
      assertError(result, 1);
      assert.equal(result.summary?.delivered, 2);
      await hasReason('text-50mb.jsonl:2: text: 52,428,800 characters exceeds maxTextChars 65,536');
      t.diagnostic(`peak RSS ${result.rss?.toFixed(0)} MiB`);
      assert.ok(result.rss !== null && result.rss < RAISED_RSS_BOUND_MIB, `peak RSS ${result.rss} MiB`);
    });

    it('WhatsApp, maxLineBytes raised: refused by maxTextChars naming file and line', async (t) => {
      const file = path.join(input, 'wa-50mb.txt');
      await writeHuge(
        file,
        '15.01.2024, 11:00 - Arman: before\n15.01.2024, 11:01 - Bolat: ',
        MB50,
        '\n15.01.2024, 11:02 - Arman: after\n',
      );
      const result = await run(
        ['import', 'whatsapp', file, '--agency', 'wa', '--chat-name', WA_NAME, ...ALMATY],
        raised,
      );
      rmSync(file);
      assertError(result, 1);
      assert.equal(result.summary?.delivered, 2);
      await hasReason(`${file}, the message ending at line 2: text: 52,428,800 characters exceeds maxTextChars 65,536`);
      t.diagnostic(`peak RSS ${result.rss?.toFixed(0)} MiB`);
      assert.ok(result.rss !== null && result.rss < RAISED_RSS_BOUND_MIB, `peak RSS ${result.rss} MiB`);
    });
  });

  describe('a single line past 2 GiB, written streaming and deleted after', () => {
    const size = HUGE.toLocaleString('en-US');
    it('JSONL: dead-lettered naming the file, line and length; the lines around it imported; memory bounded', async (t) => {
      const file = path.join(input, 'huge.jsonl');
      const head = `${jsonlLine('h1', 'before')}\n${jsonlLine('h2', '').slice(0, -2)}`;
      const lineBytes = Buffer.byteLength(head) - Buffer.byteLength(jsonlLine('h1', 'before')) - 1 + HUGE + 2;
      await writeHuge(file, head, HUGE, `"}\n${jsonlLine('h3', 'after')}\n`);
      const result = await run(['import', 'jsonl', file, '--agency', 'jsonl']);
      rmSync(file);
      assertError(result, 1);
      assert.equal(result.summary?.delivered, 2);
      assert.equal(result.summary?.failed, 1);
      await hasReason(`huge.jsonl:2: ${lineBytes.toLocaleString('en-US')} bytes exceeds maxLineBytes 1,048,576`);
      t.diagnostic(`peak RSS ${result.rss?.toFixed(0)} MiB`);
      assert.ok(result.rss !== null && result.rss < RSS_BOUND_MIB, `peak RSS ${result.rss} MiB`);
    });

    it('WhatsApp: dead-lettered naming the file and line; memory bounded', async (t) => {
      const file = path.join(input, 'huge.txt');
      const prefix = '15.01.2024, 12:01 - Bolat: ';
      await writeHuge(
        file,
        `15.01.2024, 12:00 - Arman: before\n${prefix}`,
        HUGE,
        '\n15.01.2024, 12:02 - Arman: after\n',
      );
      const result = await run(['import', 'whatsapp', file, '--agency', 'wa', '--chat-name', WA_NAME, ...ALMATY]);
      rmSync(file);
      assertError(result, 1);
      assert.equal(result.summary?.delivered, 2);
      await hasReason(`${file}, line 2: ${(prefix.length + HUGE).toLocaleString('en-US')} bytes exceeds maxLineBytes`);
      t.diagnostic(`peak RSS ${result.rss?.toFixed(0)} MiB`);
      assert.ok(result.rss !== null && result.rss < RSS_BOUND_MIB, `peak RSS ${result.rss} MiB`);
    });

    it(`Telegram: a message object of ${size}+ bytes dead-lettered naming the byte offset; memory bounded`, async (t) => {
      const folder = path.join(input, 'tg-huge');
      mkdirSync(folder);
      const file = path.join(folder, 'result.json');
      const head = tgExport([tgMessage(131, 'before'), tgMessage(132, '')]).replace(/"text": ""[^]*$/, '"text": "');
      const tail = `"\n },\n ${JSON.stringify(tgMessage(133, 'after'))}\n ]\n}`;
      await writeHuge(file, head, HUGE, tail);
      const result = await run(['import', 'telegram', folder, '--agency', 'tg']);
      rmSync(folder, { recursive: true });
      assertError(result, 1);
      assert.equal(result.summary?.delivered, 2);
      await hasReason(`${file}: message at byte`, 'after message id 131', 'exceeds maxLineBytes 1,048,576');
      t.diagnostic(`peak RSS ${result.rss?.toFixed(0)} MiB`);
      assert.ok(result.rss !== null && result.rss < RSS_BOUND_MIB, `peak RSS ${result.rss} MiB`);
    });
  });

  describe('a WhatsApp line with an impossible date', () => {
    const dates: [string, string, string[]][] = [
      // the file's other dates decide DMY; 31 February does not exist under it
      ['31.02.2020', 'a day past the end of February', []],
      ['31.02.2020', 'a day past the end of February, with --date-format DMY', ['--date-format', 'DMY']],
      ['12.13.2023', 'month 13, with --date-format DMY', ['--date-format', 'DMY']],
      ['15.01.2024, 25:10', 'hour 25', []],
    ];
    for (const [date, what, options] of dates) {
      it(`${what}: the run stops at it (exit 1) naming the file and the line; the line before it is imported`, async () => {
        const file = path.join(input, `impossible-${sha256(what).slice(0, 8)}.txt`);
        const line = date.includes(',') ? `${date} - Bolat: секрет` : `${date}, 10:05 - Bolat: секрет`;
        // the text around it differs per case: the same line twice would be the same message, a duplicate
        writeFileSync(file, `28.12.2023, 10:00 - Arman: before ${what}\n${line}\n28.12.2023, 10:10 - Arman: after\n`);
        const result = await run([
          'import',
          'whatsapp',
          file,
          '--agency',
          'wa',
          '--chat-name',
          WA_NAME,
          ...ALMATY,
          ...options,
        ]);
        assertError(
          result,
          1,
          `${file}, line 2: the date or time at the start of the line does not exist when read as DMY`,
        );
        assert.ok(!result.stderr.includes('секрет'), 'no message text in the error');
        assert.equal(result.summary?.delivered, 1, 'the line before it is imported');
        assert.equal(result.summary?.status, 'failed');
      });
    }

    it('month 13 with the order left to the file: exit 2, the contradicting lines named, nothing imported', async () => {
      const file = path.join(input, 'month-13.txt');
      writeFileSync(file, '28.12.2023, 10:00 - Arman: x\n12.13.2023, 10:05 - Bolat: y\n');
      const result = await run(['import', 'whatsapp', file, '--agency', 'wa', '--chat-name', WA_NAME, ...ALMATY]);
      assertError(result, 2, file, /line 1 reads only as DMY, line 2 reads only as MDY/);
    });
  });

  describe('zips', () => {
    const chatText =
      (...lines: string[]) =>
      () => [Buffer.from(`${lines.join('\n')}\n`)];
    const importZip = (zip: string, env: NodeJS.ProcessEnv = {}) =>
      run(['import', 'whatsapp', zip, '--agency', 'wa', '--chat-name', WA_NAME, ...ALMATY], env);
    /** the sha256 names of the blobs in the store */
    const storedBlobs = () =>
      existsSync(path.join(world.dataDir, 'attachments'))
        ? readdirSync(path.join(world.dataDir, 'attachments'), { recursive: true, encoding: 'utf8' })
            .map((f) => path.basename(f))
            .filter((name) => /^[0-9a-f]{64}$/.test(name))
        : [];

    it('entries named with ../, absolute paths and drive letters: refused and reported, nothing lands outside', async () => {
      const zip = path.join(input, 'escape.zip');
      const names = [
        `../${TOKEN}-a.jpg`,
        `../../../${TOKEN}-b.jpg`,
        `media/../../${TOKEN}-c.jpg`,
        `..\\${TOKEN}-d.jpg`,
        `${path.join(tmpdir(), `${TOKEN}-e.jpg`)}`,
        `C:/${TOKEN}-f.jpg`,
      ];
      await writeZip(zip, [
        {
          name: 'WhatsApp Chat with Escape.txt',
          chunks: chatText(
            `15.01.2024, 13:00 - Arman: ${TOKEN}-a.jpg (файл добавлен)`,
            `15.01.2024, 13:01 - Arman: ../${TOKEN}-a.jpg (файл добавлен)`,
            '15.01.2024, 13:02 - Arman: what are these?',
          ),
        },
        ...names.map((name): ZipEntrySpec => ({ name, chunks: () => [Buffer.from('escaped\n')] })),
      ]);
      const result = await importZip(zip);
      assertError(result, 0, `refused ${names.length} zip entries whose path would escape the export`);
      assert.equal(result.summary?.delivered, 3);
      assert.equal(result.summary?.attachments, 0);
      assert.equal(result.summary?.missingAttachments, 2);
      assert.ok(!storedBlobs().includes(sha256('escaped\n')), 'no refused entry stored');
    });

    it('a chat text whose own name escapes: exit 2, the refusal said in the error', async () => {
      const zip = path.join(input, 'escape-text.zip');
      await writeZip(zip, [{ name: `../${TOKEN}.txt`, chunks: chatText('15.01.2024, 13:00 - Arman: x') }]);
      const result = await importZip(zip);
      assertError(
        result,
        2,
        `${zip}: the zip holds no chat text`,
        'whose path would escape the export',
        `../${TOKEN}.txt`,
      );
    });

    it('symbolic link entries: refused and reported; a link is never stored as the file it names', async () => {
      const zip = path.join(input, 'links.zip');
      await writeZip(zip, [
        {
          name: 'WhatsApp Chat with Links.txt',
          chunks: chatText(
            '15.01.2024, 14:00 - Arman: IMG-1.jpg (файл добавлен)',
            '15.01.2024, 14:01 - Arman: see above',
          ),
        },
        { name: 'IMG-1.jpg', unixMode: 0o120777, chunks: () => [Buffer.from('/etc/passwd')] },
        { name: `../${TOKEN}-link`, unixMode: 0o120777, chunks: () => [Buffer.from('/etc')] },
      ]);
      const result = await importZip(zip);
      assertError(result, 0, 'refused 1 zip entry that is a symbolic link: "IMG-1.jpg"', 'whose path would escape');
      assert.equal(result.summary?.missingAttachments, 1);
      assert.equal(result.summary?.attachments, 0);
      assert.ok(!storedBlobs().includes(sha256('/etc/passwd')), 'the link target is not stored as a photo');

      const textLink = path.join(input, 'text-link.zip');
      await writeZip(textLink, [{ name: '_chat.txt', unixMode: 0o120777, chunks: () => [Buffer.from('/etc/passwd')] }]);
      const refused = await importZip(textLink);
      assertError(refused, 2, `${textLink}: the zip holds no chat text`, 'symbolic link: "_chat.txt"');
    });

    const oneMiB = Buffer.alloc(1024 * 1024, 'z');
    const bombs: [string, ZipEntrySpec[], NodeJS.ProcessEnv, number, RegExp][] = [
      [
        'a chat text inflating past maxZipEntryBytes',
        [
          {
            name: '_chat.txt',
            chunks: function* () {
              yield Buffer.from('15.01.2024, 15:00 - Arman: x\n');
              for (let i = 0; i < 9; i++) yield oneMiB;
            },
          },
        ],
        { AITU_GATEWAY_MAX_ZIP_ENTRY_BYTES: String(8 * 1024 * 1024) },
        2,
        /zip entry "_chat\.txt" inflates to 9,437,2\d\d bytes, past maxZipEntryBytes 8,388,608 \(raise it with AITU_GATEWAY_MAX_ZIP_ENTRY_BYTES/,
      ],
      [
        'an attachment inflating past maxZipRatio',
        [
          { name: '_chat.txt', chunks: chatText('15.01.2024, 15:00 - Arman: IMG-2.jpg (файл добавлен)') },
          {
            name: 'IMG-2.jpg',
            chunks: function* () {
              for (let i = 0; i < 5; i++) yield oneMiB;
            },
          },
        ],
        {},
        2,
        /zip entry "IMG-2\.jpg" inflates [\d,]+:1 \([\d,]+ bytes to 5,242,880\), past maxZipRatio 100/,
      ],
      [
        'a chat text inflating past the size its header declares',
        [
          {
            name: '_chat.txt',
            declaredSize: 100,
            chunks: function* () {
              yield Buffer.from('15.01.2024, 15:00 - Arman: x\n');
              for (let i = 0; i < 64; i++) yield oneMiB;
            },
          },
        ],
        {},
        2,
        /zip entry "_chat\.txt" cannot be read: it inflates past the 100 bytes its header declares/,
      ],
      [
        'an attachment inflating past the size its header declares',
        [
          {
            name: '_chat.txt',
            chunks: chatText('15.01.2024, 15:00 - Arman: IMG-3.jpg (файл добавлен)', '15.01.2024, 15:01 - Arman: y'),
          },
          {
            name: 'IMG-3.jpg',
            declaredSize: 1000,
            chunks: function* () {
              for (let i = 0; i < 64; i++) yield oneMiB;
            },
          },
        ],
        {},
        1,
        /zip entry "IMG-3\.jpg" cannot be read: it inflates past the 1,000 bytes its header declares/,
      ],
    ];
    for (const [what, entries, env, code, message] of bombs) {
      it(`a zip bomb, ${what}: exit ${code} naming the zip, the entry and the limit, in bounded memory`, async () => {
        const zip = path.join(input, `bomb-${sha256(what).slice(0, 8)}.zip`);
        await writeZip(zip, entries);
        const blobs = storedBlobs().length;
        const result = await importZip(zip, env);
        assertError(result, code, zip, message);
        assert.equal(storedBlobs().length, blobs, 'nothing of the bomb stored');
        assert.ok(result.rss !== null && result.rss < RSS_BOUND_MIB, `peak RSS ${result.rss} MiB`);
      });
    }
  });

  it('dead letters name no message text', async () => {
    const reasons = await lastReasons(100);
    assert.ok(reasons.length > 0);
    for (const reason of reasons) assert.ok(!reason.includes('секрет') && !reason.includes('aaaa'), reason);
  });
});
