import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { convertTelegramMessage } from '../../bridges/telegram/export/convert.ts';
import { CATEGORIES } from '../../src/classifier/types.ts';
import { mulberry32 } from '../../src/classifier/corpus.ts';
import { projectRoot } from './cli.ts';

/**
 * The inputs test/fuzz.test.ts feeds to the readers: valid fixtures of each format, mutated. Everything here is a
 * pure function of the seed and the case index, so a failing case is generated again from those two numbers.
 */

export type Target = 'telegram' | 'whatsapp' | 'jsonl' | 'policy';
export const TARGETS: readonly Target[] = ['telegram', 'whatsapp', 'jsonl', 'policy'];

/** A generator of floats in [0, 1): mulberry32, seeded from the run's seed and the case index (splitmix32 mixed). */
export type Rng = () => number;

/** The case's own generator: mulberry32 (the corpus's) seeded by the run's seed mixed with the case index. */
export function caseRng(seed: number, index: number): Rng {
  return mulberry32(mix32((seed >>> 0) ^ mix32(index + 0x9e3779b9)));
}

function mix32(x: number): number {
  let z = (x + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

export const int = (r: Rng, n: number): number => Math.floor(r() * n);
export const pick = <T>(r: Rng, items: readonly T[]): T => items[int(r, items.length)]!;

export interface TelegramSeed {
  name: string;
  /** the fixture's folder, whose media a case's copy holds */
  folder: string;
  bytes: Buffer;
}

export interface Corpus {
  telegram: TelegramSeed[];
  whatsappTexts: { name: string; bytes: Buffer }[];
  whatsappZips: { name: string; bytes: Buffer }[];
  jsonl: Buffer[];
  policies: Buffer[];
  /** every file above, for splices across formats */
  all: Buffer[];
}

const files = (folder: string, suffix: string): string[] =>
  readdirSync(path.join(projectRoot, folder))
    .filter((name) => name.endsWith(suffix))
    .sort()
    .map((name) => path.join(projectRoot, folder, name));

/** The valid (and a few deliberately broken) fixtures the project already has, read once. */
export function loadCorpus(): Corpus {
  const telegramFolders = [
    'bridges/telegram/fixtures/single-chat',
    'bridges/telegram/fixtures/full-account',
    'bridges/telegram/fixtures/malformed',
    'bridges/telegram/fixtures/truncated',
    'samples/telegram/press-office',
  ];
  const telegram = telegramFolders.map((folder) => ({
    name: folder,
    folder: path.join(projectRoot, folder),
    bytes: readFileSync(path.join(projectRoot, folder, 'result.json')),
  }));
  const whatsappTexts = [
    ...files('bridges/whatsapp/fixtures', '.txt'),
    ...files('bridges/whatsapp/fixtures/extended', '.txt'),
    ...files('samples/whatsapp', '.txt'),
  ].map((file) => ({ name: path.basename(file), bytes: readFileSync(file) }));
  const whatsappZips = files('bridges/whatsapp/fixtures', '.zip').map((file) => ({
    name: path.basename(file),
    bytes: readFileSync(file),
  }));
  const jsonl = [
    readFileSync(path.join(projectRoot, 'samples/canonical/press-office.jsonl')),
    canonicalLines(telegram[0]!),
  ];
  const policies = [
    readFileSync(path.join(projectRoot, 'docs/policy.example.yaml')),
    ...POLICY_SNIPPETS.map((s) => Buffer.from(s)),
  ];
  const all = [...telegram.map((t) => t.bytes), ...whatsappTexts.map((w) => w.bytes), ...jsonl, ...policies];
  return { telegram, whatsappTexts, whatsappZips, jsonl, policies, all };
}

/** Canonical JSONL of a Telegram fixture's messages (entities, replies, service events, attachments). */
function canonicalLines(seed: TelegramSeed): Buffer {
  const chat = JSON.parse(seed.bytes.toString('utf8')) as { messages: unknown[] };
  const lines = chat.messages.map((raw) =>
    JSON.stringify(convertTelegramMessage(raw, { chatId: '-1001987654321', chatTitle: 'Fuzz' })),
  );
  return Buffer.from(`${lines.join('\n')}\n`);
}

const POLICY_SNIPPETS = [
  '',
  'version: 1\n',
  '{"version": 1, "inbound": {"IIN": "block"}, "redaction": {"operator": "mask", "keepLast": 2}}',
  'inbound:\n  default: allow\noutbound:\n  PHONE: redact\nredaction:\n  operator: hash\n',
  'classifier:\n  ignore:\n    HEALTH: ["скорая помощь"]\n  terms:\n    HEALTH: ["плазмаферез*"]\n  patterns:\n    PASSPORT: ["N\\\\d{8}"]\n',
  'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
];

/** Bytes that mean something to one of the formats: JSON structure, escapes, line ends, UTF-8 edges, dates. */
const TOKENS: readonly (string | Buffer)[] = [
  '"',
  '\\',
  '\\u',
  '\\ud800',
  '\\"',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '\n',
  '\r',
  '\r\n',
  '\u2028',
  '\uFEFF',
  '\u200E',
  '\u202F',
  '0'.repeat(400),
  '-1',
  '1e999',
  '9007199254740993',
  'null',
  'true',
  '"id":',
  '"messages":[',
  '"chats":{"list":[',
  '"text_entities":[{"type":"text_link","text":"x"}]',
  '"photo":"../../etc/passwd"',
  '"file":"/etc/passwd"',
  '"sentAt":"0001-01-01T00:00:00Z"',
  '"attachments":[{"kind":"photo","sourcePath":"../x"}]',
  '31.02.2020, 10:05 - A: ',
  '12.13.2023, 10:00 - A: ',
  '15.01.2024, 25:61 - A: ',
  '[1/1/1, 0:00:00] A: ',
  '99/99/99, 99:99 - ',
  '2020-13-45, 10:00 - A: ',
  '18 Mar 12:14 - A: ',
  '28 февраля 2024 г., 10:00 - A: ',
  '15/01/2565, 14:56:01 - A: ',
  '<attached: ../x.jpg>',
  'IMG-20240115-WA0001.jpg (файл добавлен)',
  '<Media omitted>',
  '&a ',
  '*a',
  '!!binary ',
  '? ',
  '- ',
  '\t',
  '%YAML 1.1\n---\n',
  'x'.repeat(5000),
  Buffer.from([0xff]),
  Buffer.from([0xc3]),
  Buffer.from([0xc3, 0x28]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0xf0, 0x9f, 0x98]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0x00]),
];

const INTERESTING_BYTES = [
  0x00, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x0a, 0x0d, 0x20, 0x80, 0xbf, 0xc0, 0xff,
];

/** No case grows past this: the readers must stay quick, and size is covered by test/bad-input.test.ts. */
export const MAX_CASE_BYTES = 512 * 1024;

const asBuffer = (token: string | Buffer) => (typeof token === 'string' ? Buffer.from(token) : token);

/** Byte-level mutations, stacked: what a broken disk, a bad transfer or a hand edit does to a file. */
export function mutateBytes(input: Buffer, r: Rng, corpus: Corpus): { bytes: Buffer; ops: string[] } {
  let bytes: Buffer = Buffer.from(input);
  const ops: string[] = [];
  const count = 1 + int(r, 4);
  for (let k = 0; k < count; k++) {
    const at = int(r, bytes.length + 1);
    const op = int(r, 10);
    if (op === 0 && bytes.length > 0) {
      const flips = 1 + int(r, 8);
      for (let f = 0; f < flips; f++) bytes[int(r, bytes.length)]! ^= 1 << int(r, 8);
      ops.push(`flip ${flips} bits`);
    } else if (op === 1 && bytes.length > 0) {
      bytes[Math.min(at, bytes.length - 1)] = pick(r, INTERESTING_BYTES);
      ops.push(`byte at ${at}`);
    } else if (op === 2 || op === 3) {
      const token = asBuffer(pick(r, TOKENS));
      // half the time at a line start, where a header or a key begins
      const lineStart = r() < 0.5 ? bytes.lastIndexOf(0x0a, at - 1) + 1 : at;
      bytes = Buffer.concat([bytes.subarray(0, lineStart), token, bytes.subarray(lineStart)]);
      ops.push(`token at ${lineStart}`);
    } else if (op === 4) {
      bytes = bytes.subarray(0, at);
      ops.push(`truncate at ${at}`);
    } else if (op === 5) {
      const other = pick(r, corpus.all);
      const from = int(r, other.length + 1);
      const piece = other.subarray(from, from + int(r, 2048));
      bytes = Buffer.concat([bytes.subarray(0, at), piece, bytes.subarray(at)]);
      ops.push(`splice ${piece.length} at ${at}`);
    } else if (op === 6) {
      const end = Math.min(bytes.length, at + int(r, 512));
      const times = 1 + int(r, 20);
      const piece = bytes.subarray(at, end);
      bytes = Buffer.concat([bytes.subarray(0, end), ...Array<Buffer>(times).fill(piece), bytes.subarray(end)]);
      ops.push(`repeat ${piece.length}×${times} at ${at}`);
    } else if (op === 7) {
      const end = Math.min(bytes.length, at + int(r, 256));
      bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(end)]);
      ops.push(`delete ${end - at} at ${at}`);
    } else if (op === 8) {
      bytes = swapLines(bytes, r);
      ops.push('swap lines');
    } else {
      bytes = Buffer.concat([bytes.subarray(0, at), randomBytes(r, int(r, 64)), bytes.subarray(at)]);
      ops.push(`random bytes at ${at}`);
    }
    if (bytes.length > MAX_CASE_BYTES) bytes = bytes.subarray(0, MAX_CASE_BYTES);
  }
  return { bytes, ops };
}

function swapLines(bytes: Buffer, r: Rng): Buffer {
  const lines = bytes.toString('latin1').split('\n');
  if (lines.length < 2) return bytes;
  const a = int(r, lines.length);
  const b = int(r, lines.length);
  [lines[a], lines[b]] = [lines[b]!, lines[a]!];
  return Buffer.from(lines.join('\n'), 'latin1');
}

export function randomBytes(r: Rng, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = int(r, 256);
  return out;
}

/** Values that stand where a reader expects another type, or at an edge of the expected one. */
const ODD_VALUES: readonly unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  1e308,
  -0,
  '',
  'x',
  '0',
  '-100',
  '2024-02-30T25:61:00',
  '9999-12-31T23:59:59Z',
  '\u0000',
  '\ud800',
  'x'.repeat(70_000),
  [],
  [null],
  [{}],
  {},
  { type: 'x' },
  { type: 'plain', text: 7 },
  { id: 'user1', name: null },
  nested(2000),
];

function nested(depth: number): unknown {
  let value: unknown = [];
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/**
 * A JSON-aware mutation: one value somewhere in the document replaced by an odd one, a key removed, or an element
 * duplicated. Returns null when the input is not JSON (then byte mutations apply).
 */
export function mutateJson(text: string, r: Rng): { text: string; op: string } | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  const containers: (Record<string, unknown> | unknown[])[] = [];
  const walk = (value: unknown, depth: number) => {
    if (depth > 20 || value === null || typeof value !== 'object') return;
    containers.push(value as Record<string, unknown> | unknown[]);
    for (const child of Object.values(value)) walk(child, depth + 1);
  };
  walk(doc, 0);
  if (containers.length === 0) return null;
  const target = pick(r, containers);
  const keys = Object.keys(target);
  if (keys.length === 0) return null;
  const key = pick(r, keys);
  const roll = int(r, 4);
  let op: string;
  if (roll === 0 && !Array.isArray(target)) {
    delete target[key];
    op = 'delete';
  } else if (roll === 1 && Array.isArray(target)) {
    target.push(structuredClone(target[Number(key)]));
    op = 'duplicate';
  } else {
    (target as Record<string, unknown>)[key] = structuredClone(pick(r, ODD_VALUES));
    op = 'replace';
  }
  return { text: JSON.stringify(doc, null, r() < 0.5 ? 1 : undefined), op: `json ${op} ${key}` };
}

/** Mutates each line of a JSONL file as JSON on its own, some of the time. */
export function mutateJsonLines(bytes: Buffer, r: Rng): { bytes: Buffer; ops: string[] } {
  const ops: string[] = [];
  const lines = bytes.toString('utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (r() > 0.3) continue;
    const mutated = mutateJson(lines[i]!, r);
    if (mutated) {
      lines[i] = mutated.text.replace(/\n/g, ' ');
      ops.push(`line ${i + 1}: ${mutated.op}`);
    }
  }
  return { bytes: Buffer.from(lines.join('\n')), ops };
}

/** A YAML policy built from the schema's own words, with odd values: what a person might write by mistake. */
export function randomPolicy(r: Rng): string {
  const categories = [...CATEGORIES, 'default', 'iin', 'X'];
  const actions = ['allow', 'redact', 'quarantine', 'block', 'Block', '', 'null', '1', '[]', '{}'];
  const lines: string[] = [];
  if (r() < 0.7) lines.push(`version: ${pick(r, ['1', '2', '"1"', '0', 'null', '[1]'])}`);
  for (const direction of ['inbound', 'outbound', 'sideways']) {
    if (r() < 0.4) continue;
    lines.push(`${direction}:`);
    for (let i = int(r, 5); i > 0; i--) lines.push(`  ${pick(r, categories)}: ${pick(r, actions)}`);
  }
  if (r() < 0.5) {
    lines.push('redaction:');
    lines.push(`  operator: ${pick(r, ['tag', 'mask', 'hash', 'none', '7'])}`);
    if (r() < 0.5) lines.push(`  keepLast: ${pick(r, ['0', '4', '16', '17', '-1', '1.5', 'x'])}`);
  }
  if (r() < 0.5) {
    lines.push('classifier:');
    for (const list of ['ignore', 'terms', 'patterns', 'other']) {
      if (r() < 0.5) continue;
      lines.push(`  ${list}:`);
      const words = [
        '"скорая помощь"',
        '"плазмаферез*"',
        '"(a+)+$"',
        '"["',
        '"\\\\d{12}"',
        '""',
        '"*"',
        '1',
        'null',
        '"x".repeat',
      ];
      lines.push(`    ${pick(r, categories)}: [${Array.from({ length: int(r, 4) }, () => pick(r, words)).join(', ')}]`);
    }
  }
  return `${lines.join('\n')}\n`;
}
