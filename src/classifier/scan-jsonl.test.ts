import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { scanJsonl, scanLine } from '../../cli/commands/scan.ts';

async function run(input: string): Promise<string[]> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await scanJsonl(Readable.from([input]), out, { minConfidence: 0.5 });
  out.end();
  return Buffer.concat(chunks)
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '');
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
  const pieces: Buffer[] = [];
  for (let at = 0; at < input.length; at += 7) pieces.push(input.subarray(at, at + 7));
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await scanJsonl(Readable.from(pieces), out, { minConfidence: 0.5 });
  out.end();
  const lines = Buffer.concat(chunks)
    .toString('utf8')
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
  const pieces: Buffer[] = [];
  const bytes = Buffer.from(input, 'utf8');
  for (let at = 0; at < bytes.length; at += 500) pieces.push(bytes.subarray(at, at + 500));
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await scanJsonl(Readable.from(pieces), out, { minConfidence: 0.5, maxLineBytes: 1024 });
  out.end();
  const lines = Buffer.concat(chunks)
    .toString('utf8')
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
