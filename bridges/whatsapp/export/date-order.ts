import type { Meridiem } from './line-format.ts';
import { isoTimeOf } from '../../../src/core/iso-time.ts';

/**
 * The order of a WhatsApp export's date fields, decided from the whole file (one line cannot tell 3/6 from 6/3),
 * and the conversion of a line's local time to UTC in the operator's zone. Pure: no I/O, no clock.
 */

export const DATE_ORDERS = ['DMY', 'MDY', 'YMD'] as const;
export type DateOrder = (typeof DATE_ORDERS)[number];

export function isDateOrder(value: string): value is DateOrder {
  return (DATE_ORDERS as readonly string[]).includes(value);
}

/**
 * What ruled an order out or settled the file's order. The first four are read from the dates themselves: a
 * four-digit field can only be the year; a field an order reads as the month but above 12 is a day; a year is
 * written in two or four digits, a two-digit one lies in WhatsApp's years (2009 to the year the import runs), and
 * a field above 31 can only be a year; a day exists in its month.
 */
export const DATE_ORDER_SIGNALS = [
  'four-digit-year',
  'day-above-12',
  'two-digit-year',
  'no-such-day',
  'dates-advance',
  'language',
  'order-irrelevant',
] as const;
export type DateOrderSignal = (typeof DATE_ORDER_SIGNALS)[number];

export interface AmbiguousDate {
  fields: readonly [string, string, string];
  line: number;
}

export type DateOrderDecision =
  /** evidence: the signals that ruled the other orders out, in the order of DATE_ORDER_SIGNALS */
  | { kind: 'decided'; order: DateOrder; evidence: DateOrderSignal[] }
  /** the orders the file still allows, and the first date two of them read differently, with its line */
  | { kind: 'undecidable'; orders: DateOrder[]; first: AmbiguousDate }
  /** the file contradicts itself: for each order, the first line (1-based) that ruled it out and what it allows */
  | { kind: 'conflict'; evidence: { line: number; orders: DateOrder[] }[] };

/** WhatsApp's first release: no export holds an earlier message unless a phone's clock was wrong. */
const FIRST_WHATSAPP_YEAR = 2009;
const HOUR_MS = 60 * 60 * 1000;

/**
 * The latest year any export read at `nowMs` can hold: the year in the zone furthest ahead (UTC+14), so a message
 * written just after midnight on 1 January somewhere is not read as the future.
 */
export function latestPossibleYear(nowMs: number): number {
  return new Date(nowMs + 14 * HOUR_MS).getUTCFullYear();
}

/**
 * The orders a language's locales write numeric dates in, over every region (CLDR's short date as Node's ICU has
 * it; the test checks each entry against every region). Russian, Kazakh, German, Portuguese and Turkish write day
 * first everywhere; Spanish day first, or month first in Panama and Puerto Rico; French day first, or year first in
 * Canada; English every order (US month first, UK day first, Canada year first), so English words rule nothing out.
 */
export const LANGUAGE_DATE_ORDERS: Readonly<Record<string, readonly DateOrder[]>> = {
  ru: ['DMY'],
  kk: ['DMY'],
  de: ['DMY'],
  pt: ['DMY'],
  tr: ['DMY'],
  es: ['DMY', 'MDY'],
  fr: ['DMY', 'YMD'],
  en: ['DMY', 'MDY', 'YMD'],
};

/** A date as an order reads it (yyyymmdd, and whether its year lies in WhatsApp's years), or why it is no date. */
type Reading = { value: number; inEra: boolean } | { reason: DateOrderSignal };

const DAY_OR_MONTH = /^\d{1,2}$/;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function readAs(fields: readonly [string, string, string], order: DateOrder, latestYear: number): Reading {
  const [f1, f2, f3] = fields;
  const [yearText, monthText, dayText] = order === 'DMY' ? [f3, f2, f1] : order === 'MDY' ? [f3, f1, f2] : [f1, f2, f3];
  // a four-digit or era year (`R4`) can only be the year
  if (!DAY_OR_MONTH.test(monthText) || !DAY_OR_MONTH.test(dayText)) return { reason: 'four-digit-year' };
  const year = gregorianYear(yearText, false, undefined);
  if (year === null) return { reason: 'two-digit-year' };
  const month = Number(monthText);
  const day = Number(dayText);
  if (month > 31 || day > 31) return { reason: 'two-digit-year' };
  if (month > 12) return { reason: 'day-above-12' };
  if (month < 1 || day < 1 || day > daysInMonth(year, month)) return { reason: 'no-such-day' };
  const inEra = yearText.length !== 2 || (year >= FIRST_WHATSAPP_YEAR && year <= latestYear);
  return { value: year * 10000 + month * 100 + day, inEra };
}

/** A list of orders that is never empty. */
type Orders = [DateOrder, ...DateOrder[]];

const PAIRS = [
  ['DMY', 'MDY'],
  ['DMY', 'YMD'],
  ['MDY', 'YMD'],
] as const;

/**
 * Collects evidence date by date so a reader can stream the file once. Each date allows the orders under which it
 * is a real date in WhatsApp's years (when it is one under none, a phone's clock was wrong: then the orders under
 * which it is a date at all); an order some date does not allow is ruled out. When more than one order remains, the
 * order in which dates advance may settle it: an export runs forward in time, so a reading under which the dates go
 * back far more often than under another is wrong (a phone's clock may jump back now and then, so it must go back
 * at least three times as often, plus one). Then the language of WhatsApp's own words in the file rules out the
 * orders none of that language's locales writes (LANGUAGE_DATE_ORDERS). Otherwise the file cannot tell.
 */
export class DateOrderEvidence {
  private readonly latestYear: number;
  /** per order, the first date that ruled it out: its line, why, and the orders it allows */
  private readonly ruledOut = new Map<DateOrder, { line: number; reason: DateOrderSignal; orders: DateOrder[] }>();
  /** per pair of orders, the first date they read differently */
  private readonly firstDifference = new Map<string, AmbiguousDate>();
  /** per order, the last date (yyyymmdd) it read and how often a date was earlier than the one before */
  private readonly advance = { DMY: { last: 0, back: 0 }, MDY: { last: 0, back: 0 }, YMD: { last: 0, back: 0 } };
  private readonly languages = new Set<string>();
  /** the date fields of the last call: the same date again (most messages share their day) adds nothing */
  private lastFields: readonly [string, string, string] | null = null;

  /** `latestYear`: the latest year a two-digit year can mean (latestPossibleYear of the time of the import) */
  constructor(options: { latestYear: number }) {
    this.latestYear = options.latestYear;
  }

  add(fields: readonly [string, string, string], line: number, fixedOrder = false): void {
    // a month written as a word says nothing about the order of the numeric dates
    if (fixedOrder) return;
    // every order reads a repeated date as before: nothing newly ruled out, no step back, no new difference
    const last = this.lastFields;
    if (last !== null && last[0] === fields[0] && last[1] === fields[1] && last[2] === fields[2]) return;
    this.lastFields = fields;
    const readings = DATE_ORDERS.map((order) => ({ order, reading: readAs(fields, order, this.latestYear) }));
    const dates = readings.filter(({ reading }) => 'value' in reading).map(({ order }) => order);
    const inEra = readings.filter(({ reading }) => 'value' in reading && reading.inEra).map(({ order }) => order);
    // a date that is a date in WhatsApp's years under no order came from a wrong clock: its era says nothing
    const allowed = inEra.length > 0 ? inEra : dates;
    if (allowed.length === 0) return;
    const values: Partial<Record<DateOrder, number>> = {};
    for (const { order, reading } of readings) {
      if (!allowed.includes(order) && !this.ruledOut.has(order)) {
        const reason = 'reason' in reading ? reading.reason : 'two-digit-year';
        this.ruledOut.set(order, { line, reason, orders: allowed });
      }
      if (!('value' in reading)) continue;
      values[order] = reading.value;
      const track = this.advance[order];
      if (reading.value < track.last) track.back++;
      track.last = reading.value;
    }
    for (const [a, b] of PAIRS) {
      const key = `${a}${b}`;
      const first = values[a];
      const second = values[b];
      if (first !== undefined && second !== undefined && first !== second && !this.firstDifference.has(key)) {
        this.firstDifference.set(key, { fields, line });
      }
    }
  }

  /** A language WhatsApp's own words in the file are in (system lines, placeholders, tombstones). */
  addLanguage(language: string): void {
    this.languages.add(language);
  }

  /** The first date two of `orders` read differently, or null when they read every date alike. */
  private firstAmbiguous(orders: readonly DateOrder[]): AmbiguousDate | null {
    let first: AmbiguousDate | null = null;
    for (const [a, b] of PAIRS) {
      if (!orders.includes(a) || !orders.includes(b)) continue;
      const date = this.firstDifference.get(`${a}${b}`);
      if (date && (first === null || date.line < first.line)) first = date;
    }
    return first;
  }

  /** The orders under which the dates do not go back far more often than under another of `orders`. */
  private advancing(orders: Orders): Orders {
    const goesBack = (order: DateOrder): number => this.advance[order].back;
    const least = Math.min(...orders.map(goesBack));
    const [first, ...rest] = orders.filter((order) => goesBack(order) < 3 * least + 1);
    // the order that goes back least always stays, so `first` is never undefined
    return first === undefined ? orders : [first, ...rest];
  }

  /**
   * Those of `orders` that every language found writes somewhere. When the languages leave none (words of two
   * languages that share no order), they say nothing.
   */
  private spoken(orders: Orders): Orders {
    const spoken = (order: DateOrder): boolean =>
      [...this.languages].every((language) => (LANGUAGE_DATE_ORDERS[language] ?? DATE_ORDERS).includes(order));
    const [first, ...rest] = orders.filter(spoken);
    return first === undefined ? orders : [first, ...rest];
  }

  decide(): DateOrderDecision {
    const remaining = DATE_ORDERS.filter((order) => !this.ruledOut.has(order));
    const [head, ...tail] = remaining;
    if (head === undefined) {
      const evidence = [...this.ruledOut.values()]
        .map(({ line, orders }) => ({ line, orders }))
        .filter((item, index, all) => all.findIndex((other) => other.line === item.line) === index)
        .sort((x, y) => x.line - y.line);
      return { kind: 'conflict', evidence };
    }
    let orders: Orders = [head, ...tail];
    const evidence = new Set<DateOrderSignal>([...this.ruledOut.values()].map((item) => item.reason));
    const narrowings: [DateOrderSignal, (left: Orders) => Orders][] = [
      ['dates-advance', (left) => this.advancing(left)],
      ['language', (left) => this.spoken(left)],
    ];
    for (let step = 0; ; step++) {
      const ambiguous = this.firstAmbiguous(orders);
      // When the orders left read every date alike (or there are no dates), nothing is guessed by taking one.
      if (ambiguous === null || orders.length === 1) {
        if (orders.length > 1) evidence.add('order-irrelevant');
        return { kind: 'decided', order: orders[0], evidence: DATE_ORDER_SIGNALS.filter((item) => evidence.has(item)) };
      }
      const narrowing = narrowings[step];
      if (narrowing === undefined) return { kind: 'undecidable', orders, first: ambiguous };
      const [signal, narrow] = narrowing;
      const left = narrow(orders);
      if (left.length < orders.length) {
        orders = left;
        evidence.add(signal);
      }
    }
  }
}

/** Decides the order of a whole list of header dates (the streaming reader uses DateOrderEvidence directly). */
export function decideDateOrder(
  dates: Iterable<readonly [string, string, string]>,
  options: { latestYear: number; languages?: readonly string[] },
): DateOrderDecision {
  const evidence = new DateOrderEvidence(options);
  let line = 0;
  for (const fields of dates) evidence.add(fields, ++line);
  for (const language of options.languages ?? []) evidence.addLanguage(language);
  return evidence.decide();
}

export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export interface HeaderTime {
  dateFields: readonly [string, string, string];
  hour: number;
  minute: number;
  second: number | null;
  meridiem: Meridiem | null;
  /** year/month/day whatever the file's order (the month was a word) */
  fixedOrder?: boolean;
  /** a Thai Buddhist-era year marked `BE` (`2565 BE`); an unmarked four-digit year from 2400 is one too */
  buddhistEra?: boolean;
}

/** Japanese eras iOS writes as a letter and the year of the era: year 1 is the era's first year. */
const ERA_OFFSETS: Record<string, number> = { R: 2018, H: 1988 };
const BUDDHIST_ERA_OFFSET = 543;
/**
 * A four-digit year from here on is a Thai Buddhist-era year even without `BE` (Thai phones write `18/3/2565`):
 * BE 2400 is 1857, and no Gregorian year this far ahead is in an export.
 */
const FIRST_BUDDHIST_ERA_YEAR = 2400;

/**
 * The Gregorian year of a year field: two digits are this century (WhatsApp dates from 2009 on), an era year
 * (`R4`) counts from the era's start, a Buddhist-era year (`2565 BE`, or any four-digit year from 2400) is 543
 * ahead; an empty field takes `yearless`.
 */
function gregorianYear(yearText: string, buddhistEra: boolean, yearless: number | undefined): number | null {
  if (yearText === '') return yearless ?? null;
  if (/^\d+$/.test(yearText)) {
    const year = Number(yearText);
    if (yearText.length === 2) return 2000 + year;
    if (yearText.length !== 4) return null;
    return buddhistEra || year >= FIRST_BUDDHIST_ERA_YEAR ? year - BUDDHIST_ERA_OFFSET : year;
  }
  const era = /^([RH])(\d{1,2})$/iu.exec(yearText);
  if (!era?.[1] || !era[2]) return null;
  const offset = ERA_OFFSETS[era[1].toUpperCase()];
  return offset === undefined || Number(era[2]) < 1 ? null : offset + Number(era[2]);
}

/**
 * The wall-clock date and time a header means under `order`, or null when no such date or time exists.
 * `yearless` is the year of a line that writes none (the operator's --year, advanced by the reader).
 */
export function toLocalDateTime(header: HeaderTime, order: DateOrder, yearless?: number): LocalDateTime | null {
  const [f1, f2, f3] = header.dateFields;
  const effective = header.fixedOrder ? 'YMD' : order;
  const [yearText, monthText, dayText] =
    effective === 'DMY' ? [f3, f2, f1] : effective === 'MDY' ? [f3, f1, f2] : [f1, f2, f3];
  const year = gregorianYear(yearText, header.buddhistEra ?? false, yearless);
  if (year === null) return null;
  const month = Number(monthText);
  const day = Number(dayText);
  if (!DAY_OR_MONTH.test(monthText) || !DAY_OR_MONTH.test(dayText)) return null;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;

  let hour = header.hour;
  if (header.meridiem === null) {
    if (hour > 23) return null;
  } else {
    // Some locales write the first hour after noon/midnight as 0 (午後0:30), most as 12.
    if (hour > 12) return null;
    hour = (hour % 12) + (header.meridiem === 'pm' ? 12 : 0);
  }
  const second = header.second ?? 0;
  if (header.minute > 59 || second > 59) return null;
  return { year, month, day, hour, minute: header.minute, second };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Throws a RangeError for a zone ICU does not know. */
export function assertTimeZone(timeZone: string): void {
  formatterFor(timeZone);
}

/** zone → UTC hour → the zone's offset all through that hour (hours with a transition are never kept) */
const hourOffsets = new Map<string, Map<number, number>>();
/** hours kept per zone before the zone's map starts again: a long export's span, bounded */
const MAX_CACHED_HOURS = 200_000;

/**
 * The zone's offset from UTC at an instant, in milliseconds (positive east of Greenwich). Each message asks for
 * several instants near its own, and ICU's formatToParts was the largest cost of reading an export (docs/benchmarks.md):
 * an hour whose first and last millisecond have the same offset has it throughout (transitions are months apart), so
 * it is asked of ICU once.
 */
export function zoneOffsetMs(timeZone: string, epochMs: number): number {
  const hour = Math.floor(epochMs / HOUR_MS);
  let hours = hourOffsets.get(timeZone);
  if (!hours || hours.size >= MAX_CACHED_HOURS) hourOffsets.set(timeZone, (hours = new Map()));
  const known = hours.get(hour);
  if (known !== undefined) return known;
  const first = exactOffsetMs(timeZone, hour * HOUR_MS);
  if (first === exactOffsetMs(timeZone, (hour + 1) * HOUR_MS - 1)) {
    hours.set(hour, first);
    return first;
  }
  return exactOffsetMs(timeZone, epochMs);
}

function exactOffsetMs(timeZone: string, epochMs: number): number {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(
    parts['year'] ?? 1970,
    (parts['month'] ?? 1) - 1,
    parts['day'] ?? 1,
    (parts['hour'] ?? 0) % 24,
    parts['minute'] ?? 0,
    parts['second'] ?? 0,
  );
  const wholeSecond = Math.floor(epochMs / 1000) * 1000;
  return wall - wholeSecond;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The UTC instant of a wall-clock time in `timeZone`, as an ISO string. Disambiguates like Temporal's
 * 'compatible': a time the clocks repeat (autumn) is the earlier instant; a time they skip (spring) is
 * read with the offset before the jump, so it lands just after it.
 */
export function localToUtcIso(local: LocalDateTime, timeZone: string): string {
  const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  // Transitions are months apart, so the offsets a day either side are the only two candidates.
  const before = zoneOffsetMs(timeZone, wall - DAY_MS);
  const after = zoneOffsetMs(timeZone, wall + DAY_MS);
  // no transition near (almost every message): the one candidate, or the fallback below, is wall - before
  if (before === after) return isoTimeOf(wall - before);
  const candidates = [...new Set([before, after])]
    .map((offset) => wall - offset)
    .filter((instant) => instant + zoneOffsetMs(timeZone, instant) === wall)
    .sort((x, y) => x - y);
  const instant = candidates[0] ?? wall - before;
  return isoTimeOf(instant);
}
