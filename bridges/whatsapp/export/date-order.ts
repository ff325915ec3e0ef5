import type { Meridiem } from './line-format.ts';

/**
 * The order of a WhatsApp export's date fields, decided from the whole file (one line cannot tell 3/6 from 6/3),
 * and the conversion of a line's local time to UTC in the operator's zone. Pure: no I/O, no clock.
 */

export const DATE_ORDERS = ['DMY', 'MDY', 'YMD'] as const;
export type DateOrder = (typeof DATE_ORDERS)[number];

export function isDateOrder(value: string): value is DateOrder {
  return (DATE_ORDERS as readonly string[]).includes(value);
}

export type DateOrderDecision =
  | {
      kind: 'decided';
      order: DateOrder;
      evidence: 'day-first' | 'month-first' | 'year-first' | 'order-irrelevant' | 'dates-advance';
    }
  /** some date reads differently in DMY and MDY and no date settles which: the first such date and its line */
  | { kind: 'undecidable'; first: { fields: readonly [string, string, string]; line: number } | null }
  /** the file contradicts itself: each evidence kind with the first line (1-based) that gave it */
  | { kind: 'conflict'; evidence: { order: DateOrder; line: number }[] };

/**
 * Collects evidence date by date so a reader can stream the file once. A first field of four digits means YMD;
 * a first field above 12 can only be a day (DMY); a second field above 12 can only be a day (MDY). When no date
 * settles it, the order in which dates advance may: an export runs forward in time, so the reading under which the
 * dates go back far more often is the wrong one (a phone's clock may jump back now and then, so one reading
 * must go back at least three times as often, plus one, as the other).
 */
export class DateOrderEvidence {
  private readonly firstSeen = new Map<DateOrder, number>();
  private firstAmbiguous: { fields: readonly [string, string, string]; line: number } | null = null;
  /** per reading, the last date (yyyymmdd) and how often a date was earlier than the one before it */
  private readonly advance = { DMY: { last: 0, back: 0 }, MDY: { last: 0, back: 0 } };

  add(fields: readonly [string, string, string], line: number, fixedOrder = false): void {
    // a month written as a word says nothing about the order of the numeric dates
    if (fixedOrder) return;
    const [first, second] = fields;
    const a = Number(first);
    const b = Number(second);
    let order: DateOrder | null = null;
    if (first.length === 4) order = 'YMD';
    else if (a > 12) order = 'DMY';
    else if (b > 12) order = 'MDY';
    else if (a !== b && this.firstAmbiguous === null) this.firstAmbiguous = { fields, line };
    if (order !== null && !this.firstSeen.has(order)) this.firstSeen.set(order, line);
    if (order !== 'YMD') this.step(a, b, fields[2]);
  }

  private step(first: number, second: number, yearText: string): void {
    const year = Number(yearText) + (yearText.length === 2 ? 2000 : 0);
    if (!Number.isFinite(year)) return;
    const readings = { DMY: year * 10000 + second * 100 + first, MDY: year * 10000 + first * 100 + second };
    for (const order of ['DMY', 'MDY'] as const) {
      const track = this.advance[order];
      if (readings[order] < track.last) track.back++;
      track.last = readings[order];
    }
  }

  /** The order under which the dates go back far less often, if one does. */
  private advancingOrder(): 'DMY' | 'MDY' | null {
    const { DMY, MDY } = this.advance;
    if (MDY.back >= 3 * DMY.back + 1) return 'DMY';
    if (DMY.back >= 3 * MDY.back + 1) return 'MDY';
    return null;
  }

  decide(): DateOrderDecision {
    const orders = [...this.firstSeen.entries()];
    if (orders.length > 1) return { kind: 'conflict', evidence: orders.map(([order, line]) => ({ order, line })) };
    const only = orders[0];
    if (only) {
      const evidence = only[0] === 'YMD' ? 'year-first' : only[0] === 'DMY' ? 'day-first' : 'month-first';
      return { kind: 'decided', order: only[0], evidence };
    }
    // When every date has day == month (or there are none), both readings give the same dates: nothing is guessed.
    if (this.firstAmbiguous === null) return { kind: 'decided', order: 'DMY', evidence: 'order-irrelevant' };
    const advancing = this.advancingOrder();
    if (advancing !== null) return { kind: 'decided', order: advancing, evidence: 'dates-advance' };
    return { kind: 'undecidable', first: this.firstAmbiguous };
  }
}

/** Decides the order of a whole list of header dates (the streaming reader uses DateOrderEvidence directly). */
export function decideDateOrder(dates: Iterable<readonly [string, string, string]>): DateOrderDecision {
  const evidence = new DateOrderEvidence();
  let line = 0;
  for (const fields of dates) evidence.add(fields, ++line);
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
  /** a Thai Buddhist-era year (`2565 BE`) */
  buddhistEra?: boolean;
}

/** Japanese eras iOS writes as a letter and the year of the era: year 1 is the era's first year. */
const ERA_OFFSETS: Record<string, number> = { R: 2018, H: 1988 };
const BUDDHIST_ERA_OFFSET = 543;

/**
 * The Gregorian year of a year field: two digits are this century (WhatsApp dates from 2009 on), an era year
 * (`R4`) counts from the era's start, a Buddhist-era year is 543 ahead; an empty field takes `yearless`.
 */
function gregorianYear(yearText: string, buddhistEra: boolean, yearless: number | undefined): number | null {
  const era = /^([RH])(\d{1,2})$/iu.exec(yearText);
  if (era?.[1] && era[2]) {
    const offset = ERA_OFFSETS[era[1].toUpperCase()];
    return offset === undefined || Number(era[2]) < 1 ? null : offset + Number(era[2]);
  }
  if (yearText === '') return yearless ?? null;
  if (yearText.length === 2) return 2000 + Number(yearText);
  if (yearText.length === 4) return Number(yearText) - (buddhistEra ? BUDDHIST_ERA_OFFSET : 0);
  return null;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
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
  if (monthText.length > 2 || dayText.length > 2) return null;
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

/** The zone's offset from UTC at an instant, in milliseconds (positive east of Greenwich). */
export function zoneOffsetMs(timeZone: string, epochMs: number): number {
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
  const candidates = [...new Set([before, after])]
    .map((offset) => wall - offset)
    .filter((instant) => instant + zoneOffsetMs(timeZone, instant) === wall)
    .sort((x, y) => x - y);
  const instant = candidates[0] ?? wall - before;
  return new Date(instant).toISOString();
}
