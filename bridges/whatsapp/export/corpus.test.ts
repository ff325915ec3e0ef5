import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { HistoryEntry } from '../../../src/core/history.ts';
import { UsageError } from '../../../src/core/errors.ts';
import { DATE_ORDERS, latestPossibleYear, toLocalDateTime } from './date-order.ts';
import type { DateOrder } from './date-order.ts';
import { parseHeaderLine } from './line-format.ts';
import { openWhatsAppExport } from './reader.ts';
import type { WhatsAppExportOptions } from './reader.ts';

/**
 * A corpus of generated exports (issue 25): every layout the reader knows, with random lines before the first
 * message, continuation lines (some of them a typed date with the month in words), and on Android layouts
 * WhatsApp's encryption notice in the phone's language, read in UTC. No file holding a message line is refused;
 * every message gets the time it was written with; the date order is found without --date-format wherever the
 * file settles it (its dates, their advance, its language), and where it does not the file is refused naming the
 * orders still possible.
 */

interface Moment {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** A deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number): string => String(n).padStart(2, '0');
const yy = (m: Moment): string => pad(m.year % 100);
const h12 = (m: Moment): number => (m.hour % 12 === 0 ? 12 : m.hour % 12);
const ampm = (m: Moment): string => (m.hour < 12 ? 'AM' : 'PM');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Month names as Russian, German and Turkish phones write them, typed from real exports and CLDR, not from Intl. */
const RU_GENITIVE = 'января февраля марта апреля мая июня июля августа сентября октября ноября декабря'.split(' ');
const RU_SHORT = 'янв. февр. мар. апр. мая июн. июл. авг. сент. окт. нояб. дек.'.split(' ');
const DE_SHORT = 'Jan. Feb. März Apr. Mai Juni Juli Aug. Sept. Okt. Nov. Dez.'.split(' ');
const TR_SHORT = 'Oca Şub Mar Nis May Haz Tem Ağu Eyl Eki Kas Ara'.split(' ');
const NOTICE = {
  en: 'Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.',
  ru: 'Сообщения и звонки защищены сквозным шифрованием. Никто за пределами этого чата, даже WhatsApp, не может прочитать или прослушать их.',
  kk: 'Осы чатқа жөнелтілген хаттар және қоңыраулар толығымен шифрлау арқылы қауіпсіз етілді. Толық ақпарат үшін басыңыз.',
  de: 'Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt. Niemand außerhalb dieses Chats, nicht einmal WhatsApp, kann sie lesen oder anhören.',
  es: 'Los mensajes y las llamadas están cifrados de extremo a extremo. Nadie fuera de este chat, ni siquiera WhatsApp, puede leerlos ni escucharlos.',
};
/** The orders each notice's language writes somewhere (as the reader is told, from CLDR). */
const NOTICE_ORDERS: Record<keyof typeof NOTICE, DateOrder[]> = {
  en: ['DMY', 'MDY', 'YMD'],
  ru: ['DMY'],
  kk: ['DMY'],
  de: ['DMY'],
  es: ['DMY', 'MDY'],
};
const digits = (text: string, zero: number): string =>
  text.replace(/\d/g, (d) => String.fromCharCode(zero + Number(d)));
function period(m: Moment): string {
  if (m.hour >= 5 && m.hour < 12) return 'in the morning';
  if (m.hour >= 12 && m.hour < 18) return 'in the afternoon';
  if (m.hour >= 18 && m.hour < 21) return 'in the evening';
  return 'at night';
}

interface Layout {
  name: string;
  /** the numeric order the layout writes, or null when the month is a word (no order to find) */
  order: 'DMY' | 'MDY' | 'YMD' | null;
  seconds: boolean;
  needsYear?: boolean;
  /** the earliest year the layout can write (Japanese Reiwa years) */
  fromYear?: number;
  /** the language of WhatsApp's notice on an Android layout (iOS dates follow the region, not the language) */
  notice?: keyof typeof NOTICE;
  header: (m: Moment, author: string) => string;
}

const LAYOUTS: Layout[] = [
  {
    name: 'Android ru 24h',
    order: 'DMY',
    seconds: false,
    notice: 'ru',
    header: (m, a) => `${pad(m.day)}.${pad(m.month)}.${m.year}, ${pad(m.hour)}:${pad(m.minute)} - ${a}: `,
  },
  {
    name: 'Android kk two-digit year',
    order: 'DMY',
    seconds: false,
    notice: 'kk',
    header: (m, a) => `${pad(m.day)}.${pad(m.month)}.${yy(m)}, ${pad(m.hour)}:${pad(m.minute)} - ${a}: `,
  },
  {
    name: 'Android en 12h U+202F',
    order: 'MDY',
    seconds: false,
    notice: 'en',
    header: (m, a) => `${m.month}/${m.day}/${yy(m)}, ${h12(m)}:${pad(m.minute)}\u202F${ampm(m)} - ${a}: `,
  },
  {
    name: 'iOS DMY',
    order: 'DMY',
    seconds: true,
    header: (m, a) =>
      `[${pad(m.day)}.${pad(m.month)}.${yy(m)}, ${pad(m.hour)}:${pad(m.minute)}:${pad(m.second)}] ${a}: `,
  },
  {
    name: 'iOS MDY 12h',
    order: 'MDY',
    seconds: true,
    header: (m, a) => `[${m.month}/${m.day}/${yy(m)}, ${h12(m)}:${pad(m.minute)}:${pad(m.second)} ${ampm(m)}] ${a}: `,
  },
  {
    name: 'iOS year first',
    order: 'YMD',
    seconds: true,
    header: (m, a) =>
      `[${m.year}/${pad(m.month)}/${pad(m.day)}, ${pad(m.hour)}:${pad(m.minute)}:${pad(m.second)}] ${a}: `,
  },
  {
    name: 'older iOS without brackets',
    order: 'MDY',
    seconds: true,
    header: (m, a) => `${m.month}/${m.day}/${yy(m)}, ${h12(m)}:${pad(m.minute)}:${pad(m.second)} ${ampm(m)}: ${a}: `,
  },
  {
    name: 'colon after the time',
    order: 'DMY',
    seconds: true,
    header: (m, a) => `${pad(m.day)}/${pad(m.month)}/${yy(m)} ${pad(m.hour)}:${pad(m.minute)}:${pad(m.second)}: ${a}: `,
  },
  {
    name: 'time before a worded date',
    order: null,
    seconds: false,
    header: (m, a) => `${pad(m.hour)}:${pad(m.minute)}, ${m.day} ${MONTHS[m.month - 1]} ${m.year} - ${a}: `,
  },
  {
    name: 'iOS time before date',
    order: 'MDY',
    seconds: true,
    header: (m, a) => `[${pad(m.hour)}:${pad(m.minute)}:${pad(m.second)}, ${m.month}/${m.day}/${yy(m)}] ${a}: `,
  },
  {
    name: 'day periods in words',
    order: 'DMY',
    seconds: false,
    header: (m, a) => `${pad(m.day)}/${pad(m.month)}/${m.year}, ${h12(m)}:${pad(m.minute)} ${period(m)} - ${a}: `,
  },
  {
    name: 'German vorm./nachm.',
    order: 'DMY',
    seconds: false,
    notice: 'de',
    header: (m, a) =>
      `${pad(m.day)}.${pad(m.month)}.${yy(m)}, ${h12(m)}:${pad(m.minute)}\u00A0${m.hour < 12 ? 'vorm.' : 'nachm.'} - ${a}: `,
  },
  {
    name: 'Spanish a. m./p. m.',
    order: 'DMY',
    seconds: false,
    notice: 'es',
    header: (m, a) =>
      `${m.day}/${m.month}/${yy(m)}, ${h12(m)}:${pad(m.minute)}\u202F${m.hour < 12 ? 'a.\u00A0m.' : 'p.\u00A0m.'} - ${a}: `,
  },
  {
    name: 'Korean marker before the time',
    order: 'YMD',
    seconds: false,
    header: (m, a) =>
      `${m.year}. ${m.month}. ${m.day}. ${m.hour < 12 ? '오전' : '오후'} ${h12(m)}:${pad(m.minute)} - ${a}: `,
  },
  {
    name: 'Arabic-Indic digits with RLM',
    order: 'DMY',
    seconds: false,
    header: (m, a) =>
      `\u200F${digits(pad(m.day), 0x660)}\u200F/${digits(pad(m.month), 0x660)}\u200F/${digits(String(m.year), 0x660)}\u060C ${digits(`${h12(m)}:${pad(m.minute)}`, 0x660)} ${m.hour < 12 ? 'ص' : 'م'} - ${a}: `,
  },
  {
    name: 'Persian digits',
    order: 'DMY',
    seconds: true,
    header: (m, a) =>
      `[${digits(`${m.day}/${m.month}/${m.year}, ${pad(m.hour)}:${pad(m.minute)}:${pad(m.second)}`, 0x6f0)}] ${a}: `,
  },
  {
    name: 'Thai Buddhist era',
    order: 'MDY',
    seconds: true,
    header: (m, a) =>
      `[${m.month}/${m.day}/${m.year + 543} BE, ${pad(m.hour)}:${pad(m.minute)}:${pad(m.second)}] ${a}: `,
  },
  {
    name: 'Thai Buddhist era without BE',
    order: 'DMY',
    seconds: true,
    header: (m, a) => `[${m.day}/${m.month}/${m.year + 543}, ${pad(m.hour)}:${pad(m.minute)}:${pad(m.second)}] ${a}: `,
  },
  {
    name: 'Korean two-digit year first',
    order: 'YMD',
    seconds: false,
    header: (m, a) =>
      `${yy(m)}. ${m.month}. ${m.day}. ${m.hour < 12 ? '오전' : '오후'} ${h12(m)}:${pad(m.minute)} - ${a}: `,
  },
  {
    name: 'Basque two-digit year first',
    order: 'YMD',
    seconds: false,
    header: (m, a) => `${yy(m)}/${m.month}/${m.day} ${pad(m.hour)}:${pad(m.minute)} - ${a}: `,
  },
  {
    name: 'time before a Russian worded date',
    order: null,
    seconds: false,
    header: (m, a) => `${pad(m.hour)}:${pad(m.minute)}, ${m.day} ${RU_GENITIVE[m.month - 1]} ${m.year} - ${a}: `,
  },
  {
    name: 'German worded date, no year',
    order: null,
    seconds: false,
    needsYear: true,
    header: (m, a) => `${m.day} ${DE_SHORT[m.month - 1]} ${pad(m.hour)}:${pad(m.minute)} - ${a}: `,
  },
  {
    name: 'Russian short month, no year',
    order: null,
    seconds: false,
    needsYear: true,
    header: (m, a) => `${m.day} ${RU_SHORT[m.month - 1]} ${pad(m.hour)}:${pad(m.minute)} - ${a}: `,
  },
  {
    name: 'Turkish month first, capitals',
    order: null,
    seconds: false,
    header: (m, a) =>
      `${TR_SHORT[m.month - 1]?.toLocaleUpperCase('tr')} ${m.day}, ${m.year}, ${h12(m)}:${pad(m.minute)} ${ampm(m)} - ${a}: `,
  },
  {
    name: 'Japanese Reiwa era',
    order: 'MDY',
    seconds: true,
    fromYear: 2019,
    header: (m, a) =>
      `[${m.month}/${m.day}/R${m.year - 2018}, ${pad(m.hour)}:${pad(m.minute)}:${pad(m.second)}] ${a}: `,
  },
  {
    name: 'BOM at every line and inside the bracket',
    order: 'DMY',
    seconds: true,
    header: (m, a) =>
      `\uFEFF[\uFEFF${pad(m.day)}.${pad(m.month)}.${yy(m)}, ${pad(m.hour)}:${pad(m.minute)}:${pad(m.second)}] \u202A${a}\u202C: `,
  },
  {
    name: 'no year',
    order: null,
    seconds: false,
    needsYear: true,
    header: (m, a) => `${m.day} ${MONTHS[m.month - 1]} ${pad(m.hour)}:${pad(m.minute)} - ${a}: `,
  },
];

const PREAMBLE = ['1', 'Chat With Aigerim', 'This export was attached to the letter below.', '', 'Page 2'];
const AUTHORS = ['Aigerim', 'Dana', '+7 701 234 56 78'];

interface Generated {
  name: string;
  text: string;
  layout: Layout;
  moments: Moment[];
  /** the header of each moment's line, as written */
  headers: string[];
  /** the language of the notice line, when the file has one */
  notice: keyof typeof NOTICE | null;
  preambleLines: number[];
  year: number;
}

/** A layout's header for a system line: the same timestamp, no `Name: `. */
const systemHeader = (layout: Layout, m: Moment): string =>
  layout.header(m, '@system@').replace(/\u202A?@system@\u202C?: $/u, '');

function generate(index: number): Generated {
  const next = random(index + 1);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const layout = LAYOUTS[index % LAYOUTS.length] as Layout;
  const lines: string[] = [];
  const preambleLines: number[] = [];
  if (next() < 0.4) {
    const count = 1 + Math.floor(next() * 3);
    for (let i = 0; i < count; i++) {
      const line = pick(PREAMBLE);
      lines.push(line);
      if (line !== '') preambleLines.push(lines.length);
    }
  }
  const fromYear = layout.fromYear ?? 2016;
  let at = Date.UTC(
    fromYear + Math.floor(next() * (2025 - fromYear)),
    Math.floor(next() * 12),
    1 + Math.floor(next() * 28),
  );
  // some files stay within a few days (often days 1–12 only); others span months
  const step = next() < 0.5 ? 3 * 3600_000 : 9 * 86_400_000;
  const count = 2 + Math.floor(next() * 25);
  const moments: Moment[] = [];
  const headers: string[] = [];
  const notice = layout.notice !== undefined && next() < 0.5 ? layout.notice : null;
  for (let i = 0; i < count; i++) {
    at += Math.floor(next() * step) + 1000;
    const d = new Date(at);
    const moment = {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
    };
    moments.push(moment);
    if (i === 0 && notice !== null) {
      headers.push(systemHeader(layout, moment));
      lines.push(`${systemHeader(layout, moment)}${NOTICE[notice]}`);
      continue;
    }
    headers.push(layout.header(moment, pick(AUTHORS)));
    lines.push(`${headers[headers.length - 1]}message ${i}`);
    if (next() < 0.2) lines.push(`and a second line ${i}`);
    // a typed schedule line with the month in words, which a file of numeric dates keeps as text
    if (layout.order !== null && next() < 0.1)
      lines.push(`${moment.day} ${RU_GENITIVE[moment.month - 1]} 10:00 - совещание`);
  }
  return {
    name: `corpus-${String(index).padStart(3, '0')}.txt`,
    text: `${lines.join('\n')}\n`,
    layout,
    moments,
    headers,
    notice,
    preambleLines,
    year: moments[0]?.year ?? 2020,
  };
}

const LATEST_YEAR = latestPossibleYear(Date.now());

/**
 * The orders a file leaves possible, worked out over the whole file at once: an order is possible when it reads
 * every date as a real date, a two-digit year as one from 2009 to now, and the dates never go back (the generated
 * ones only move forward), and when the notice's language, if any, writes it. Only orders that read some date
 * differently from the layout's own order are returned with it; the layout's order is always possible.
 */
function possibleOrders(file: Generated, notice = file.notice): DateOrder[] {
  const headers = file.headers.map((text) => parseHeaderLine(`${text}x`));
  const order = file.layout.order;
  if (order === null) return [];
  const read = (as: DateOrder): number[] | null => {
    const values: number[] = [];
    for (const header of headers) {
      const local = header && toLocalDateTime(header, as);
      if (!header || !local) return null;
      const yearField = as === 'YMD' ? header.dateFields[0] : header.dateFields[2];
      if (/^\d{2}$/.test(yearField) && (local.year < 2009 || local.year > LATEST_YEAR)) return null;
      values.push(local.year * 10000 + local.month * 100 + local.day);
    }
    return values.some((value, i) => i > 0 && value < (values[i - 1] ?? 0)) ? null : values;
  };
  const own = read(order);
  const spoken = notice === null ? DATE_ORDERS : NOTICE_ORDERS[notice];
  return DATE_ORDERS.filter((as) => {
    if (as === order) return true;
    const values = read(as);
    return values !== null && spoken.includes(as) && values.some((value, i) => value !== own?.[i]);
  });
}

const expectedIso = (m: Moment, seconds: boolean): string =>
  new Date(Date.UTC(m.year, m.month - 1, m.day, m.hour, m.minute, seconds ? m.second : 0)).toISOString();

describe(`WhatsApp export corpus: ${LAYOUTS.length * 12} generated exports of every layout`, () => {
  let folder: string;
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'wa-corpus-'));
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('reads every file: no refusal, every message at its time, every line before the first message reported', async () => {
    let decidedBySignal = 0;
    let refused = 0;
    let settledByLanguage = 0;
    for (let index = 0; index < LAYOUTS.length * 12; index++) {
      const file = generate(index);
      const path = join(folder, file.name);
      await writeFile(path, file.text);
      const options: WhatsAppExportOptions = { timezone: 'UTC' };
      if (file.layout.needsYear) options.year = file.year;
      const label = `${file.name} (${file.layout.name})`;
      const possible = possibleOrders(file);
      if (possible.length === 1 && possibleOrders(file, null).length > 1) settledByLanguage++;
      if (possible.length > 1 && file.layout.order !== null) {
        // the file cannot tell: it is refused, naming exactly the orders it leaves
        refused++;
        const named = `${possible.slice(0, -1).join(', ')} and ${possible[possible.length - 1]}`;
        await assert.rejects(openWhatsAppExport(path, options), (error: unknown) => {
          assert.ok(error instanceof UsageError, label);
          assert.match(error.message, new RegExp(`the orders still possible are ${named};`), label);
          return true;
        });
        options.dateFormat = file.layout.order;
      }
      const source = await openWhatsAppExport(path, options);
      const entries: HistoryEntry[] = [];
      try {
        for await (const entry of source.entries()) entries.push(entry);
      } finally {
        await source.close();
      }
      // the order found is checked by the times below: one that reads every date alike may be the one taken
      if (options.dateFormat === undefined && file.layout.order !== null) decidedBySignal++;
      const problems = entries.filter((entry) => entry.problem !== undefined);
      assert.deepEqual(
        problems.map((entry) => Number(/line (\d+)/.exec(entry.problem ?? '')?.[1])),
        file.preambleLines,
        label,
      );
      const messages = entries.filter((entry) => entry.problem === undefined);
      assert.deepEqual(
        messages.map((entry) => entry.message.sentAt),
        file.moments.map((m) => expectedIso(m, file.layout.seconds)),
        label,
      );
    }
    assert.ok(decidedBySignal > 180, `most files decide their own order (${decidedBySignal}, ${refused} refused)`);
    assert.ok(settledByLanguage >= 5, `some files are settled by their language alone (${settledByLanguage})`);
  });
});
