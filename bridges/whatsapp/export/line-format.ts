/**
 * Recognizes the header of a WhatsApp "Export chat" line: Android `date, time - Name: text` and
 * iOS `[date, time] Name: text`, in every date and time writing phones produce. Pure: no I/O, no dates
 * resolved here (the day/month order is only known from the whole file, see date-order.ts).
 */

export type LineStyle = 'android' | 'ios';
export type Meridiem = 'am' | 'pm';

export interface HeaderLine {
  style: LineStyle;
  /** the three date fields as written, in the file's (still unknown) order */
  dateFields: readonly [string, string, string];
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
 * Separators before the clock's marker: a space, U+202F (newer Android), U+00A0, or nothing.
 * Markers: English with or without dots (`PM`, `p.m.`, `p. m.`), Russian `ДП/ПП` (до/после полудня),
 * Kazakh `ТД/ТК` (түске дейін/түстен кейін), and the East Asian forms some phones share a chat with.
 */
const MERIDIEM = String.raw`(?:[ \u202F\u00A0]?(a\.?[ \u202F\u00A0]?m\.?|p\.?[ \u202F\u00A0]?m\.?|ДП|ПП|дп|пп|ТД|ТК|тд|тк|午前|午後|上午|下午|오전|오후))`;
/** `3/6/18`, `03-06-2018`, `13.06.18`, `13. 6. 2018.`, `2018/06/13`: one separator used twice. */
const DATE = String.raw`(\d{1,4})([./-])[ ]?(\d{1,2})\2[ ]?(\d{1,4})\.?`;
/** `1:55`, `01.55`, `21.25.15`, `21:25:15`, then an optional marker. */
const TIME = String.raw`(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?${MERIDIEM}?`;

const SPACE = String.raw`[ \u00A0\u202F]`;
const IOS_HEADER = new RegExp(String.raw`^\[${DATE},?${SPACE}${TIME}\]${SPACE}?(.*)$`, 'iu');
const ANDROID_HEADER = new RegExp(String.raw`^${DATE},?${SPACE}${TIME}${SPACE}[-–]${SPACE}(.*)$`, 'iu');

const AM_MARKERS = new Set(['am', 'дп', 'тд', '午前', '上午', '오전']);

function meridiemOf(marker: string | undefined): Meridiem | null {
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
  const author = candidate.replace(NAME_CONTROLS, '').trim();
  if (author === '') return { author: null, body: rest };
  return { author, body: rest.slice(colon + 2) };
}

/** Removes what is never content: a trailing CR (CRLF files), a BOM, and U+200E/U+200F marks. */
export function cleanLine(raw: string): string {
  let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (line.startsWith('\uFEFF')) line = line.slice(1);
  return line.replace(DIRECTION_MARKS, '');
}

/** The header of a line, or null when the line has none (it then continues the message before it). */
export function parseHeaderLine(raw: string): HeaderLine | null {
  let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (line.startsWith('\uFEFF')) line = line.slice(1);
  line = line.replace(/^[\u200E\u200F\s]+/, '');
  const ios = IOS_HEADER.exec(line);
  const match = ios ?? ANDROID_HEADER.exec(line);
  if (!match) return null;
  const [, first, , second, third, hour, minute, sec, marker, rest] = match;
  if (
    first === undefined ||
    second === undefined ||
    third === undefined ||
    hour === undefined ||
    minute === undefined
  ) {
    return null;
  }
  const split = splitAuthor(rest ?? '');
  return {
    style: ios ? 'ios' : 'android',
    dateFields: [first, second, third],
    hour: Number(hour),
    minute: Number(minute),
    second: sec === undefined ? null : Number(sec),
    meridiem: meridiemOf(marker),
    author: split.author,
    body: split.body.replace(DIRECTION_MARKS, ''),
    bodyMarked: /^[\u200E\u200F]/.test(split.body),
  };
}
