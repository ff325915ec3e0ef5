/**
 * Recognizes the header of a WhatsApp "Export chat" line: Android `date, time - Name: text`, iOS
 * `[date, time] Name: text` and the older layouts (`date, time: Name: text`, time before date, months in words),
 * in every date and time writing phones produce, in native digits, with marks and BOMs anywhere in the timestamp. Pure: no I/O, no dates
 * resolved here (the day/month order is only known from the whole file, see date-order.ts).
 */

import { mayStartMonthName, monthOfName } from './month-names.ts';

export type LineStyle = 'android' | 'ios';
/**
 * Which layout a header is in: `android` is `date, time - …`, `android-time-first` `time, date - …`, `android-worded`
 * a month in words before the time; `colon` is `date, time: …` (older iOS without brackets, and other old tools);
 * `ios` and `ios-time-first` are bracketed.
 */
export type HeaderLayout = 'ios' | 'ios-time-first' | 'android' | 'colon' | 'android-time-first' | 'android-worded';
export type Meridiem = 'am' | 'pm';

export interface HeaderLine {
  style: LineStyle;
  layout: HeaderLayout;
  /**
   * the three date fields as written (native digits mapped), in the file's (still unknown) order; when the month
   * is written as a word, year/month/day instead (year '' when the line has none) and `fixedOrder` is set
   */
  dateFields: readonly [string, string, string];
  /** the date fields are year/month/day whatever the file's order (the month was a word) */
  fixedOrder: boolean;
  /** the year is a Thai Buddhist-era year (`2565 BE`) */
  buddhistEra: boolean;
  hour: number;
  minute: number;
  /** null when the phone writes no seconds */
  second: number | null;
  meridiem: Meridiem | null;
  /** the author as written (bidi marks removed), or null for a system line without `Name:` */
  author: string | null;
  body: string;
  /**
   * The body began with a U+200E mark: iOS writes it before system text, placeholders and attachments,
   * never before what a person typed, so it tells a system line from a person's message with the same words.
   */
  bodyMarked: boolean;
}

/** Invisible direction marks WhatsApp sprinkles into lines; they carry no meaning in kk/ru/en text. */
const DIRECTION_MARKS = /[\u200E\u200F]/g;
/** Embedding controls iOS wraps phone numbers in (`\u202A+7 701 …\u202C`), plus isolates. */
const NAME_CONTROLS = /[\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/**
 * Characters that are never part of a timestamp's structure but that exports put inside it: byte-order marks
 * (some tools repeat one at every line start or inside the bracket), direction marks and embedding controls.
 */
const STRUCTURE_NOISE = /[\uFEFF\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
/** What the head of a line needs before matching: noise to drop, native digits or the Arabic comma to map. */
const NEEDS_NORMALISING = /[\uFEFF\u200E\u200F\u202A-\u202E\u2066-\u2069\u0660-\u0669\u06F0-\u06F9\u060C]/;
/** The timestamp and the start of the author fit well within this many characters of a line's head. */
const HEAD_CHARS = 128;

const SP = String.raw`[ \u00A0\u202F]`;
/**
 * Clock markers after the time: English with or without dots (`PM`, `p.m.`, `p. m.`), German `vorm./nachm.`,
 * Russian `ДП/ПП`, Kazakh `ТД/ТК`, East Asian forms, Arabic `ص/م`, and English day periods in words.
 */
const MERIDIEM_AFTER = String.raw`(?:${SP}?(?<post>a\.?${SP}?m\.?|p\.?${SP}?m\.?|vorm\.?|nachm\.?|ДП|ПП|дп|пп|ТД|ТК|тд|тк|午前|午後|上午|下午|오전|오후|ص|م)|${SP}(?<period>in the morning|in the afternoon|in the evening|at night|noon))`;
/** Korean, Chinese and Japanese phones write the marker before the time (`오후 2:56`, `下午2:56`). */
const MERIDIEM_BEFORE = String.raw`(?:(?<pre>오전|오후|上午|下午|午前|午後)${SP}?)`;
/** `1:55`, `01.55`, `21.25.15`, `21:25:15`, with a marker before or after. */
const TIME = String.raw`${MERIDIEM_BEFORE}?(?<h>\d{1,2})[:.](?<m>\d{2})(?:[:.](?<s>\d{2}))?(?:${MERIDIEM_AFTER})?`;
/**
 * The same with seconds required: every layout with a colon after the time writes them, and requiring them keeps a
 * typed `13.06.2024 10:00: meeting` on a continuation line from being read as a new message.
 */
const TIME_WITH_SECONDS = String.raw`(?<h>\d{1,2}):(?<m>\d{2}):(?<s>\d{2})(?:${MERIDIEM_AFTER})?`;
/**
 * `3/6/18`, `03-06-2018`, `13.06.18`, `13. 6. 2018.`, `2018/06/13`: one separator used twice. The last field may
 * be a Japanese era year (`R4`, `H30`) or a Thai Buddhist-era year followed by `BE`.
 */
const DATE = String.raw`(?<d1>\d{1,4})(?<sep>[./-])[ ]?(?<d2>\d{1,2})\k<sep>[ ]?(?<d3>[RH]\d{1,2}|\d{1,4})\.?(?:${SP}(?<be>BE))?`;
/** A word where a month name may stand (`Aug`, `мар.`, `марта`, `Mayıs`); month-names.ts says which month, if any. */
const MONTH = String.raw`\p{L}[\p{L}\p{M}]*\.?`;
/** `28 Aug 2013`, `18 Mar` (old Android, no year), `Aug 28, 2013`, `Mar 5`, in any language month-names.ts reads */
const NAMED_DATE = String.raw`(?:(?<nd>\d{1,2})${SP}(?<nm>${MONTH})(?:${SP}(?<ny>\d{4}))?|(?<mm>${MONTH})${SP}(?<md>\d{1,2})(?:,?${SP}(?<my>\d{4}))?)`;
const DASH = String.raw`${SP}[-–]${SP}`;

/** Each layout a phone has written, tried in order; all end in the `rest` after the timestamp. */
const LAYOUTS: { style: LineStyle; layout: HeaderLayout; pattern: RegExp }[] = [
  // iOS `[date, time] Name: text`
  { style: 'ios', layout: 'ios', pattern: new RegExp(String.raw`^\[${DATE},?${SP}${TIME}\]${SP}?(?<rest>.*)$`, 'iu') },
  // iOS (Vietnamese) `[time, date] Name: text`
  {
    style: 'ios',
    layout: 'ios-time-first',
    pattern: new RegExp(String.raw`^\[${TIME},?${SP}${DATE}\]${SP}?(?<rest>.*)$`, 'iu'),
  },
  // Android `date, time - Name: text`
  {
    style: 'android',
    layout: 'android',
    pattern: new RegExp(String.raw`^${DATE},?${SP}${TIME}${DASH}(?<rest>.*)$`, 'iu'),
  },
  // older iOS without brackets, and old layouts with a colon after the time: `date, time: Name: text`
  {
    style: 'android',
    layout: 'colon',
    pattern: new RegExp(String.raw`^${DATE},?${SP}${TIME_WITH_SECONDS}:${SP}(?<rest>.*)$`, 'iu'),
  },
  // time before the date: `19:23, 28 Aug 2013 - Name: text`
  {
    style: 'android',
    layout: 'android-time-first',
    pattern: new RegExp(String.raw`^${TIME},?${SP}(?:${DATE}|${NAMED_DATE})${DASH}(?<rest>.*)$`, 'iu'),
  },
  // a month written as a word: `Mar 5, 8:11 PM - Name: text`, `18 Mar 12:14 - Name: text`
  {
    style: 'android',
    layout: 'android-worded',
    pattern: new RegExp(String.raw`^${NAMED_DATE},?${SP}${TIME}${DASH}(?<rest>.*)$`, 'iu'),
  },
];

/** Every layout starts with a bracket, a digit, a clock marker before the time, or a month name. */
function mayStartHeader(char: string): boolean {
  return char === '[' || (char >= '0' && char <= '9') || '오上下午'.includes(char) || mayStartMonthName(char);
}

const AM_MARKERS = new Set(['am', 'vorm', 'дп', 'тд', '午前', '上午', '오전', 'ص']);

function meridiemOf(marker: string | undefined, period: string | undefined, hour: number): Meridiem | null {
  if (period !== undefined) {
    const words = period.toLowerCase();
    if (words === 'in the morning') return 'am';
    // "at night" runs from the evening to the small hours: 10 at night is 22:00, 2 at night is 02:00
    if (words === 'at night') return hour >= 6 && hour < 12 ? 'pm' : 'am';
    return 'pm';
  }
  if (marker === undefined) return null;
  const compact = marker.toLowerCase().replace(/[.\s\u202F\u00A0]/g, '');
  return AM_MARKERS.has(compact) ? 'am' : 'pm';
}

/** Quote characters that open a group title: a `: ` after one belongs to the title, not to an author. */
const QUOTES = /["“”«»„]/;

/**
 * Splits `Name: text` into author and body (both still holding marks). A prefix holding a quote is a system
 * line whose quoted group title contains `: ` (`X created group "Штаб: 2024"`), not an author.
 */
function splitAuthor(rest: string): { author: string | null; body: string } {
  const colon = rest.indexOf(': ');
  if (colon <= 0) return { author: null, body: rest };
  const candidate = rest.slice(0, colon);
  if (QUOTES.test(candidate)) return { author: null, body: rest };
  const author = candidate
    .replace(NAME_CONTROLS, '')
    .replace(/\uFEFF/g, '')
    .trim();
  if (author === '') return { author: null, body: rest };
  return { author, body: rest.slice(colon + 2) };
}

/** Removes what is never content: a trailing CR (CRLF files), a BOM, and U+200E/U+200F marks. */
export function cleanLine(raw: string): string {
  let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (line.startsWith('\uFEFF')) line = line.slice(1);
  return line.replace(DIRECTION_MARKS, '');
}

/**
 * The head of a line as the timestamp grammar reads it: noise dropped, Arabic-Indic and Extended Arabic-Indic
 * digits and the Arabic comma mapped to ASCII, with where each kept character stood in the line.
 */
function normaliseHead(line: string): { text: string; origin: number[] | null } {
  const head = line.slice(0, HEAD_CHARS);
  if (!NEEDS_NORMALISING.test(head)) return { text: head, origin: null };
  let text = '';
  const origin: number[] = [];
  for (let index = 0; index < head.length; index++) {
    const code = head.charCodeAt(index);
    if (STRUCTURE_NOISE.test(head[index] ?? '')) continue;
    let char = head[index] ?? '';
    if (code >= 0x0660 && code <= 0x0669) char = String(code - 0x0660);
    else if (code >= 0x06f0 && code <= 0x06f9) char = String(code - 0x06f0);
    else if (code === 0x060c) char = ',';
    text += char;
    origin.push(index);
  }
  return { text, origin };
}

/** The month of a month name as two digits, or null when the word is no month name. */
function monthNumber(name: string): string | null {
  const month = monthOfName(name);
  return month === null ? null : String(month).padStart(2, '0');
}

/**
 * The date fields in the file's order, or year/month/day (`fixedOrder`) when the month is a word; null when the
 * word where the month stands is none.
 */
function dateOf(groups: Record<string, string | undefined>): {
  dateFields: [string, string, string];
  fixedOrder: boolean;
} | null {
  const { d1, d2, d3, nd, nm, ny, mm, md, my } = groups;
  if (d1 !== undefined && d2 !== undefined && d3 !== undefined) return { dateFields: [d1, d2, d3], fixedOrder: false };
  const day = nd ?? md;
  const name = nm ?? mm;
  const month = name === undefined ? null : monthNumber(name);
  if (day === undefined || month === null) return null;
  return { dateFields: [ny ?? my ?? '', month, day], fixedOrder: true };
}

/** The header of a line, or null when the line has none (it then continues the message before it). */
export function parseHeaderLine(raw: string): HeaderLine | null {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const { text: head, origin } = normaliseHead(line);
  const start = head.length - head.trimStart().length;
  const trimmed = head.slice(start);
  if (!mayStartHeader(trimmed.charAt(0))) return null;
  for (const layout of LAYOUTS) {
    const match = layout.pattern.exec(trimmed);
    const groups = match?.groups;
    const restText = groups?.['rest'];
    if (!match || !groups || restText === undefined) continue;
    // the rest runs to the end of the head, so where it starts needs no match indices (the `d` flag is slow)
    const restAt = trimmed.length - restText.length;
    const date = dateOf(groups);
    const hour = Number(groups['h']);
    if (date === null || groups['m'] === undefined) continue;
    // The rest is taken from the line as written, from just after the last character of the timestamp, so
    // marks between the timestamp and the text (iOS's U+200E before system text) stay with the text.
    const restInHead = start + restAt;
    const restInLine = restInHead === 0 ? 0 : origin === null ? restInHead : (origin[restInHead - 1] ?? -1) + 1;
    const rest = line.slice(restInLine).replace(/^\uFEFF+/, '');
    const split = splitAuthor(rest);
    return {
      style: layout.style,
      layout: layout.layout,
      dateFields: date.dateFields,
      fixedOrder: date.fixedOrder,
      buddhistEra: groups['be'] !== undefined,
      hour,
      minute: Number(groups['m']),
      second: groups['s'] === undefined ? null : Number(groups['s']),
      meridiem: meridiemOf(groups['pre'] ?? groups['post'], groups['period'], hour),
      author: split.author,
      body: split.body.replace(DIRECTION_MARKS, ''),
      bodyMarked: /^[\u200E\u200F]/.test(split.body),
    };
  }
  return null;
}
