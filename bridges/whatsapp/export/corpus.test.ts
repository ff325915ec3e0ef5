import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { HistoryEntry } from '../../../src/core/history.ts';
import { openWhatsAppExport } from './reader.ts';
import type { WhatsAppExportOptions } from './reader.ts';

/**
 * A corpus of generated exports (issue 25): every layout the reader knows, with random lines before the first
 * message and continuation lines, read in UTC. No file holding a message line is refused; every message gets the
 * time it was written with; the date order is found without --date-format wherever a day above 12 or the advance
 * of dates settles it.
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
  header: (m: Moment, author: string) => string;
}

const LAYOUTS: Layout[] = [
  {
    name: 'Android ru 24h',
    order: 'DMY',
    seconds: false,
    header: (m, a) => `${pad(m.day)}.${pad(m.month)}.${m.year}, ${pad(m.hour)}:${pad(m.minute)} - ${a}: `,
  },
  {
    name: 'Android en 12h U+202F',
    order: 'MDY',
    seconds: false,
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
    header: (m, a) =>
      `${pad(m.day)}.${pad(m.month)}.${yy(m)}, ${h12(m)}:${pad(m.minute)}\u00A0${m.hour < 12 ? 'vorm.' : 'nachm.'} - ${a}: `,
  },
  {
    name: 'Spanish a. m./p. m.',
    order: 'DMY',
    seconds: false,
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
  preambleLines: number[];
  year: number;
}

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
    lines.push(`${layout.header(moment, pick(AUTHORS))}message ${i}`);
    if (next() < 0.2) lines.push(`and a second line ${i}`);
  }
  return {
    name: `corpus-${String(index).padStart(3, '0')}.txt`,
    text: `${lines.join('\n')}\n`,
    layout,
    moments,
    preambleLines,
    year: moments[0]?.year ?? 2020,
  };
}

/** Whether the file itself settles DMY against MDY: a day above 12, or dates that go back under the wrong reading. */
function settles(file: Generated): boolean {
  if (file.layout.order !== 'DMY' && file.layout.order !== 'MDY') return true;
  if (file.moments.some((m) => m.day > 12)) return true;
  if (file.moments.every((m) => m.day === m.month)) return true;
  // read the other way round (day and month swapped), do the dates ever go back?
  const swapped = file.moments.map((m) => m.year * 10000 + m.day * 100 + m.month);
  return swapped.some((value, i) => i > 0 && value < (swapped[i - 1] ?? 0));
}

const expectedIso = (m: Moment, seconds: boolean): string =>
  new Date(Date.UTC(m.year, m.month - 1, m.day, m.hour, m.minute, seconds ? m.second : 0)).toISOString();

describe('WhatsApp export corpus: 228 generated exports of every layout', () => {
  let folder: string;
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'wa-corpus-'));
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('reads every file: no refusal, every message at its time, every line before the first message reported', async () => {
    let decidedBySignal = 0;
    for (let index = 0; index < LAYOUTS.length * 12; index++) {
      const file = generate(index);
      const path = join(folder, file.name);
      await writeFile(path, file.text);
      const options: WhatsAppExportOptions = { timezone: 'UTC' };
      if (file.layout.needsYear) options.year = file.year;
      if (!settles(file) && file.layout.order !== null) options.dateFormat = file.layout.order;
      const label = `${file.name} (${file.layout.name})`;
      const source = await openWhatsAppExport(path, options);
      const entries: HistoryEntry[] = [];
      try {
        for await (const entry of source.entries()) entries.push(entry);
      } finally {
        await source.close();
      }
      if (options.dateFormat === undefined && file.layout.order !== null) {
        decidedBySignal++;
        const same = file.moments.every((m) => m.day === m.month) && file.layout.order !== 'YMD';
        if (!same) assert.equal(source.dateOrder, file.layout.order, label);
      }
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
    assert.ok(decidedBySignal > 150, `most files decide their own order (${decidedBySignal})`);
  });
});
