/**
 * Builds `tune/*.jsonl` and `holdout/*.jsonl` from the hand-written messages in `tune/src/*.txt` and
 * `holdout/src/*.txt`. The only thing generated is the identifiers put into `{PLACEHOLDER}`s; every sentence is
 * written by hand. Deterministic: one fixed seed per source file. Run: `node --import tsx eval/classify/build-set.ts`.
 *
 * Source line: `<labels> <lang> <text>[ ## <note>]`
 *   labels  `-` for none, else letters: upper case = the message holds that category, lower case = it is a hard
 *           negative for it. H HEALTH, I IIN, B BIN, P PHONE, E EMAIL, C CARD, N IBAN, S PASSPORT, D ID_CARD.
 *           A prefix `2*` writes the message twice with different identifiers.
 *   lang    ru | kk | kl (Kazakh, Latin script) | en | mx (code-switching)
 *   text    `\n` is a line break inside the message.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';

import type { Category } from '../../src/classifier/types.ts';
import * as gen from './generate-identifiers.ts';
import { SET_DIR, SPLITS, type Lang, type Split } from './load-set.ts';

const SEED = 20261204;

const LETTERS: Record<string, Category> = {
  H: 'HEALTH',
  I: 'IIN',
  B: 'BIN',
  P: 'PHONE',
  E: 'EMAIL',
  C: 'CARD',
  N: 'IBAN',
  S: 'PASSPORT',
  D: 'ID_CARD',
};
const LANG: Record<string, Lang> = { ru: 'ru', kk: 'kk', kl: 'kk-latn', en: 'en', mx: 'mixed' };

/** Placeholder → the category whose label it requires (null: a look-alike that must not be labelled). */
const PLACEHOLDERS: Record<string, { category: Category | null; make: (rng: gen.Rng, arg?: string) => string }> = {
  IIN: { category: 'IIN', make: (rng, v) => iinVariant(gen.iin(rng), rng, v) },
  BIN: { category: 'BIN', make: (rng, v) => binVariant(gen.bin(rng), rng, v) },
  PHONE: { category: 'PHONE', make: (rng, v) => gen.phone(rng, v) },
  CITY: { category: 'PHONE', make: (rng) => gen.cityPhone(rng) },
  EMAIL: { category: 'EMAIL', make: (rng, v) => gen.email(rng, v) },
  CARD: { category: 'CARD', make: (rng, v) => gen.card(rng, v) },
  IBAN: { category: 'IBAN', make: (rng, v) => gen.iban(rng, v) },
  PASSPORT: { category: 'PASSPORT', make: (rng, v) => gen.passport(rng, v) },
  IDCARD: { category: 'ID_CARD', make: (rng, v) => gen.idCard(rng, v) },
  // look-alikes: written where the identifier is not one
  IIN_SHAPED: { category: null, make: (rng) => gen.iin(rng) },
  IIN_BAD: { category: null, make: (rng) => gen.iinBadChecksum(rng) },
  BIN_SHAPED: { category: null, make: (rng) => gen.bin(rng) },
  CARD_BAD: { category: null, make: (rng, v) => gen.cardBadLuhn(rng, v !== 'flat') },
  CARD_MASK: { category: null, make: (rng) => gen.cardMasked(rng) },
  IBAN_BAD: { category: null, make: (rng) => gen.ibanBad(rng) },
  DATE6: { category: null, make: (rng) => gen.date6(rng) },
  TRACK: { category: null, make: (rng) => gen.tracking(rng) },
  D: { category: null, make: (rng, n) => gen.plainDigits(rng, Number(n)) },
};

function iinVariant(s: string, rng: gen.Rng, v?: string): string {
  return twelveDigitForm(s, v ?? rng.pick(['plain', 'plain', 'plain', 'plain', 'sp', 'dash', 'sp4']), 'IIN');
}

function binVariant(s: string, rng: gen.Rng, v?: string): string {
  return twelveDigitForm(s, v ?? rng.pick(['plain', 'plain', 'plain', 'plain', 'sp']), 'BIN');
}

/** An IIN's or a BIN's twelve digits in one of the written forms people use (their source's `{IIN:form}`). */
function twelveDigitForm(s: string, form: string, kind: 'IIN' | 'BIN'): string {
  const every = (n: number, separator: string) => (s.match(new RegExp(`.{${n}}`, 'g')) as string[]).join(separator);
  switch (form) {
    case 'plain':
      return s;
    case 'sp':
      return `${s.slice(0, 6)} ${s.slice(6)}`;
    case 'dash':
      return `${s.slice(0, 6)}-${s.slice(6)}`;
    case 'sp4':
      return `${s.slice(0, 4)} ${s.slice(4, 8)} ${s.slice(8)}`;
    case 'sp3':
      return every(3, ' ');
    case 'sp633':
      return `${s.slice(0, 6)} ${s.slice(6, 9)} ${s.slice(9)}`;
    case 'dash4':
      return `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8)}`;
    case 'sp22':
      return `${s.slice(0, 2)} ${s.slice(2, 4)} ${s.slice(4, 6)} ${s.slice(6)}`;
    case 'dash633':
      return `${s.slice(0, 6)}-${s.slice(6, 9)}-${s.slice(9)}`;
    case 'pairs':
      // dictated over the phone in pairs of digits and typed as heard
      return every(2, ' ');
    case 'nbsp':
      // copied out of a Word table: a no-break space between the first six digits and the rest
      return `${s.slice(0, 6)}\u00a0${s.slice(6)}`;
    case 'apos':
      // pasted from an Excel cell kept as text with a leading apostrophe
      return `'${s}`;
    case 'cells':
      // copied out of a boxed paper form (one digit a cell): every digit spaced
      return every(1, ' ');
    case 'comma3':
      // an Excel cell formatted as a number with thousands separators (English locale), pasted as shown
      return every(3, ',');
    case 'nbsp3':
      // an Excel cell formatted as a number in a Russian locale: groups of three with no-break spaces
      return every(3, '\u00a0');
    case 'dash3':
      // read out in threes over the phone and typed with dashes
      return every(3, '-');
    case 'dot3':
      // grouped by three with dots, as some people type long numbers on a phone: 900.101.300.123
      return every(3, '.');
    case 'dashsp':
      // typed on a phone with a spaced dash between the first six digits and the rest: 900101 - 300123
      return `${s.slice(0, 6)} - ${s.slice(6)}`;
    case 'dot':
      // split in two halves with a dot, as some clerks and accountants type it: 900101.300123
      return `${s.slice(0, 6)}.${s.slice(6)}`;
    case 'slash':
      // split in two halves with a slash, as on some hand-filled forms: 900101/300123
      return `${s.slice(0, 6)}/${s.slice(6)}`;
    case 'dash22':
      // an IIN's birth date typed like a date with dashes, then the serial: 90-01-01-300123
      return `${s.slice(0, 2)}-${s.slice(2, 4)}-${s.slice(4, 6)}-${s.slice(6)}`;
    case 'dot22':
      // the birth date typed like a date with dots, then the serial: 90.01.01.300123
      return `${s.slice(0, 2)}.${s.slice(2, 4)}.${s.slice(4, 6)}.${s.slice(6)}`;
    case 'sp84':
      // a stray space typed before the last four digits, as when copying in two looks: 90010130 0123
      return `${s.slice(0, 8)} ${s.slice(8)}`;
    case 'nbsp4':
      // copied out of a PDF that groups by four with no-break spaces
      return `${s.slice(0, 4)}\u00a0${s.slice(4, 8)}\u00a0${s.slice(8)}`;
    case 'sp48':
      // a BIN's registration year and month split off, the rest in one run: 1907 40012345
      return `${s.slice(0, 4)} ${s.slice(4)}`;
    case 'dash48':
      // the registration year and month split off with a dash: 1907-40012345
      return `${s.slice(0, 4)}-${s.slice(4)}`;
    case 'numsp':
      // printed after a number sign in a company's letterhead: № 190740012345
      return `№ ${s}`;
    default:
      throw new Error(`unknown ${kind} variant ${form}`);
  }
}

interface Built {
  id: string;
  lang: Lang;
  text: string;
  labels: Category[];
  hard?: Category[];
  note?: string;
}

function fail(where: string, reason: string): never {
  throw new Error(`${where}: ${reason}`);
}

function seedOf(name: string): number {
  let h = SEED;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

function buildLine(raw: string, where: string, rng: gen.Rng): Omit<Built, 'id'>[] {
  const m = /^(?:(\d)\*)?(\S+)\s+(\S+)\s+(.+)$/.exec(raw);
  if (!m) fail(where, 'expected `<labels> <lang> <text>`');
  const [, times, labelCode, langCode, rest] = m as unknown as [string, string | undefined, string, string, string];
  const lang = LANG[langCode] ?? fail(where, `unknown lang ${langCode}`);
  const labels: Category[] = [];
  const hard: Category[] = [];
  if (labelCode !== '-') {
    for (const ch of labelCode) {
      const cat = LETTERS[ch.toUpperCase()] ?? fail(where, `unknown label letter ${ch}`);
      (ch === ch.toUpperCase() ? labels : hard).push(cat);
    }
  }
  const [body, note] = rest.split(' ## ') as [string, string | undefined];
  const out: Omit<Built, 'id'>[] = [];
  for (let k = 0; k < Number(times ?? 1); k++) {
    const used = new Set<Category>();
    const text = body
      .replace(/\\n/g, '\n')
      .replace(/\{([A-Z_0-9]+)(?::([a-z0-9-]+))?\}/g, (_all, name: string, arg?: string) => {
        const ph = PLACEHOLDERS[name] ?? fail(where, `unknown placeholder {${name}}`);
        if (ph.category) used.add(ph.category);
        return ph.make(rng, arg);
      });
    if (text.includes('{') && /\{[A-Z]/.test(text)) fail(where, 'unreplaced placeholder');
    for (const c of used) if (!labels.includes(c)) fail(where, `holds {${c}} but is not labelled ${c}`);
    for (const c of labels) if (c !== 'HEALTH' && !used.has(c)) fail(where, `labelled ${c} without its placeholder`);
    const item: Omit<Built, 'id'> = { lang, text, labels: [...labels] };
    if (hard.length) item.hard = [...hard];
    if (note) item.note = note.trim();
    out.push(item);
  }
  return out;
}

export function buildFile(path: string, split: Split): Built[] {
  const name = basename(path, '.txt');
  const rng = new gen.Rng(seedOf(`${split}/${name}`));
  const prefix = `${split === 'tune' ? 't' : split.replace('holdout', 'h')}-${name}`;
  const built: Built[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const items = buildLine(line, `${split}/src/${name}.txt:${i + 1}`, rng);
      items.forEach((item, k) =>
        built.push({
          id: `${prefix}-${String(i + 1).padStart(4, '0')}${items.length > 1 ? `-${k + 1}` : ''}`,
          ...item,
        }),
      );
    });
  return built;
}

/** Each split's JSONL files as they should be: file name → lines. */
export function buildAll(): Map<string, string> {
  const files = new Map<string, string>();
  for (const split of SPLITS) {
    const srcDir = join(SET_DIR, split, 'src');
    for (const file of readdirSync(srcDir)
      .filter((f) => f.endsWith('.txt'))
      .sort()) {
      const built = buildFile(join(srcDir, file), split);
      files.set(join(split, file.replace(/\.txt$/, '.jsonl')), built.map((b) => JSON.stringify(b)).join('\n') + '\n');
    }
  }
  return files;
}

function main(): void {
  for (const [name, content] of buildAll()) {
    writeFileSync(join(SET_DIR, name), content);
    console.log(`${name}: ${content.split('\n').length - 1}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
