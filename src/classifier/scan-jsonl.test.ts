import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { scanJsonl } from '../../cli/commands/scan.ts';
import { scanLine } from '../../cli/scan-lines.ts';
import { ScanThreads } from '../../cli/scan-threads.ts';
import { corpusStream } from './corpus.ts';
import { CustomClassifier } from './custom.ts';
import { JobFailedError } from '../core/errors.ts';

/** `scanJsonl` over `pieces`, its output as one string. */
async function scanPieces(pieces: readonly Buffer[], options: Parameters<typeof scanJsonl>[2]): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await scanJsonl(Readable.from(pieces), out, options);
  out.end();
  return Buffer.concat(chunks).toString('utf8');
}

/** `bytes` cut in pieces of `size` bytes, as a stream delivers them. */
function piecesOf(bytes: Buffer, size: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) pieces.push(bytes.subarray(at, at + size));
  return pieces;
}

async function run(input: string): Promise<string[]> {
  return (await scanPieces([Buffer.from(input, 'utf8')], { minConfidence: 0.5 })).split('\n').filter((l) => l !== '');
}

test('one JSON line per non-blank input line, in order, errors inline', async () => {
  const lines = await run(
    [
      '{"id": 1, "text": "ИИН 940101300123, тел 8 701 123 45 67"}',
      '',
      '   ',
      'not json',
      '{"id": "x", "text": 5}',
      '{"text": "без данных"}',
      '[1,2]',
      '{"id": {"chat": 7}, "text": "Ds: J18.9"}',
    ].join('\n'),
  );
  assert.equal(lines.length, 6);
  const parsed = lines.map((l) => JSON.parse(l));
  assert.deepEqual(parsed[0], {
    id: 1,
    categories: ['IIN', 'PHONE'],
    findings: [
      { category: 'IIN', start: 4, end: 16, confidence: 0.99, detector: 'iin' },
      { category: 'PHONE', start: 22, end: 37, confidence: 0.9, detector: 'phone' },
    ],
    redacted: 'ИИН [IIN], тел [PHONE]',
  });
  assert.equal(parsed[1].id, null);
  assert.match(parsed[1].error, /JSON/);
  assert.equal(parsed[2].id, 'x');
  assert.match(parsed[2].error, /text/);
  assert.deepEqual(parsed[3], { id: null, categories: [], findings: [], redacted: 'без данных' });
  assert.equal(parsed[4].id, null);
  assert.ok(parsed[4].error);
  assert.deepEqual(parsed[5].id, { chat: 7 });
  assert.deepEqual(parsed[5].categories, ['HEALTH']);
});

test('categories are sorted and unique', () => {
  const r = JSON.parse(
    scanLine(JSON.stringify({ id: 2, text: 'тел 87011234567, ИИН 940101300123, ИИН 791028302728' }), {
      minConfidence: 0.5,
    }),
  );
  assert.deepEqual(r.categories, ['IIN', 'PHONE']);
  assert.equal(r.findings.length, 3);
});

test('the CLI writes only result lines on stdout and exits 0', () => {
  const bin = fileURLToPath(new URL('../../bin/aitu-gateway.js', import.meta.url));
  const input = '{"id":1,"text":"паспорт N12345678"}\nbroken\n\n{"id":3,"text":"ok"}\n';
  const r = spawnSync(process.execPath, [bin, 'scan', '--jsonl'], { input, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 3);
  assert.deepEqual(JSON.parse(lines[0] as string).categories, ['PASSPORT']);
  assert.ok(JSON.parse(lines[1] as string).error);
  assert.equal(JSON.parse(lines[2] as string).id, 3);
});

test('the CLI for a person, and its usage errors', () => {
  const bin = fileURLToPath(new URL('../../bin/aitu-gateway.js', import.meta.url));
  const r = spawnSync(process.execPath, [bin, 'scan', 'ИИН 940101300123'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /IIN .*iin/);
  assert.match(r.stdout, /context "ИИН"/);
  assert.match(r.stdout, /ИИН \[IIN\]/);
  assert.ok(!r.stdout.includes('940101300123'));
  const bad = spawnSync(process.execPath, [bin, 'scan', '--min-confidence', '2', 'x'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  const none = spawnSync(process.execPath, [bin, 'scan'], { encoding: 'utf8' });
  assert.equal(none.status, 2);
  const missing = spawnSync(process.execPath, [bin, 'scan', '--file', '/nonexistent/notes.txt'], { encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read/);
});

test('lines and UTF-8 characters split across input chunks, CRLF line ends', async () => {
  const input = Buffer.from(
    '{"id":1,"text":"ИИН 940101300123"}\r\n{"id":2,"text":"Диагноз: J18.9"}\r\n{"id":3,"text":"без данных"}',
    'utf8',
  );
  // cut inside a two-byte letter and inside a line, and feed the bytes in pieces of 7
  const lines = (await scanPieces(piecesOf(input, 7), { minConfidence: 0.5 }))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => [l.id, l.categories]),
    [
      [1, ['IIN']],
      [2, ['HEALTH']],
      [3, []],
    ],
  );
  assert.equal(lines[2].redacted, 'без данных');
});

test('a line past the maximum is reported by its number, never held, and the lines after it are scanned', async () => {
  const long = `{"id":2,"text":"${'а'.repeat(3000)}"}`;
  const input = `{"id":1,"text":"ИИН 940101300123"}\n${long}\n{"id":3,"text":"без данных"}\n`;
  const lines = (
    await scanPieces(piecesOf(Buffer.from(input, 'utf8'), 500), { minConfidence: 0.5, maxLineBytes: 1024 })
  )
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => l.id),
    [1, null, 3],
  );
  assert.equal(lines[1].line, 2);
  assert.match(lines[1].error, /longer than the maximum of 1024 bytes/);
});

/** 3,000 generated messages as JSON lines, among them a line past 4 KiB, lines not JSON, blank, CRLF, bad UTF-8. */
function mixedInput(): { bytes: Buffer; longLine: number } {
  const parts: Buffer[] = [];
  const stream = corpusStream(31, { positiveRate: 0.3, negativeRate: 0.3 });
  let longLine = 0;
  for (let i = 1; i <= 3000; i++) {
    const m = stream.next().value as { id: number; text: string };
    const line = JSON.stringify({ id: m.id, text: m.text });
    if (i === 1234) {
      longLine = i;
      parts.push(Buffer.from(`{"id":"long","text":"${'ы'.repeat(3000)}"}\n`));
    } else if (i % 97 === 0) parts.push(Buffer.from('not json\n'));
    else if (i % 89 === 0) parts.push(Buffer.from('   \n'));
    else if (i % 83 === 0)
      parts.push(
        Buffer.concat([Buffer.from('{"id":"bad","text":"a'), Buffer.from([0xff, 0xc3]), Buffer.from('b"}\n')]),
      );
    else parts.push(Buffer.from(`${line}${i % 2 === 0 ? '\r\n' : '\n'}`));
  }
  return { bytes: Buffer.concat(parts), longLine };
}

test('on worker threads: the same result lines in the same order as in one thread, whatever the chunks', async () => {
  const { bytes, longLine } = mixedInput();
  const one = await scanPieces(piecesOf(bytes, 65536), { minConfidence: 0.5, maxLineBytes: 4096 });
  const lines = one.split('\n').filter((l) => l !== '');
  // every line but the blank ones has its result
  assert.equal(lines.length, 3000 - Math.floor(3000 / 89));
  const parsed = lines.map((l) => JSON.parse(l));
  assert.ok(parsed.filter((r) => r.findings?.length > 0).length > 500, 'the generated messages carry findings');
  assert.equal(parsed.find((r) => r.line !== undefined)?.line, longLine);
  assert.ok(parsed.some((r) => r.id === 'bad' && r.redacted === 'a\uFFFD\uFFFDb'));
  for (const size of [65536, 4093, 200]) {
    assert.equal(
      await scanPieces(piecesOf(bytes, size), { minConfidence: 0.5, maxLineBytes: 4096, threads: 3 }),
      one,
      `chunks of ${size}`,
    );
  }
});

test("on worker threads the agency's classifier section applies as in one thread", async () => {
  const custom = new CustomClassifier({ ignore: { IIN: ['940101300123'] }, terms: { HEALTH: ['гемодиализ*'] } });
  const input = Buffer.from(
    '{"id":1,"text":"ИИН 940101300123"}\n{"id":2,"text":"ИИН 791028302728"}\n{"id":3,"text":"ему назначили гемодиализу"}\n',
  );
  const one = await scanPieces([input], { minConfidence: 0.5, custom });
  const two = await scanPieces([input], { minConfidence: 0.5, custom, threads: 2 });
  assert.equal(two, one);
  const parsed = two
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    parsed.map((r) => r.categories),
    [[], ['IIN'], ['HEALTH']],
  );
});

test('a scan thread that fails fails the scan with its reason, and the threads stop', async () => {
  // an ignore list the thread cannot build: the thread throws as it starts
  const threads = new ScanThreads(2, { minConfidence: 0.5, custom: { ignore: { IIN: [' '] } } });
  try {
    await assert.rejects(threads.scan(Buffer.from('{"id":1,"text":"x"}\n')), (error: Error) => {
      assert.ok(error instanceof JobFailedError, 'exit 1 with its message, not an unexpected error');
      assert.match(error.message, /a scan thread failed: .*empty entry/);
      return true;
    });
    await assert.rejects(threads.scan(Buffer.from('{"id":2,"text":"y"}\n')), /a scan thread failed/);
  } finally {
    await threads.close();
  }
});

test('the CLI on two threads writes what it writes on one; it refuses a number of threads that is not a whole number from 1', () => {
  const bin = fileURLToPath(new URL('../../bin/aitu-gateway.js', import.meta.url));
  const input = mixedInput().bytes;
  const one = spawnSync(process.execPath, [bin, 'scan', '--jsonl'], { input, encoding: 'utf8' });
  const two = spawnSync(process.execPath, [bin, 'scan', '--jsonl', '--threads', '2'], { input, encoding: 'utf8' });
  assert.equal(two.status, 0, two.stderr);
  assert.ok(one.stdout.split('\n').length > 2900);
  assert.equal(two.stdout, one.stdout);
  for (const n of ['0', '1.5', 'many']) {
    const r = spawnSync(process.execPath, [bin, 'scan', '--jsonl', '--threads', n], { input: '', encoding: 'utf8' });
    assert.equal(r.status, 2, n);
    assert.match(r.stderr, /--threads must be a whole number/);
  }
});
