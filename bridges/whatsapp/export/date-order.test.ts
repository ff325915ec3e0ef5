import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DateOrderEvidence,
  LANGUAGE_DATE_ORDERS,
  assertTimeZone,
  decideDateOrder,
  latestPossibleYear,
  localToUtcIso,
  toLocalDateTime,
  zoneOffsetMs,
} from './date-order.ts';
import type { DateOrderDecision, HeaderTime, LocalDateTime } from './date-order.ts';

type Fields = [string, string, string];

/** the latest year two digits can mean in these tests (as if the import ran in 2026) */
const LATEST = 2026;

describe('decideDateOrder', () => {
  const cases: [string, Fields[], DateOrderDecision['kind'], string | null][] = [
    [
      'a first field above 12 is a day or a two-digit year; a day below 9 as a year would be before WhatsApp',
      [
        ['03', '04', '24'],
        ['31', '12', '23'],
      ],
      'decided',
      'DMY',
    ],
    [
      'a second field above 12 means month first',
      [
        ['3', '4', '24'],
        ['12', '28', '23'],
      ],
      'decided',
      'MDY',
    ],
    [
      'a four-digit first field means year first',
      [
        ['2018', '06', '13'],
        ['2018', '06', '01'],
      ],
      'decided',
      'YMD',
    ],
    [
      'all fields 12 or less cannot be decided',
      [
        ['03', '04', '24'],
        ['05', '06', '24'],
      ],
      'undecidable',
      null,
    ],
    [
      'day equal to month everywhere needs no decision',
      [
        ['05', '05', '24'],
        ['07', '07', '24'],
      ],
      'decided',
      'DMY',
    ],
    ['no dates at all need no decision', [], 'decided', 'DMY'],
    [
      'day-first and month-first evidence conflict',
      [
        ['13', '01', '24'],
        ['01', '13', '24'],
      ],
      'conflict',
      null,
    ],
    [
      'year-first and day-first evidence conflict',
      [
        ['2024', '01', '13'],
        ['13', '01', '2024'],
      ],
      'conflict',
      null,
    ],
    [
      'dates that only advance when read day first',
      [
        ['10', '01', '24'],
        ['02', '02', '24'],
        ['05', '03', '24'],
      ],
      'decided',
      'DMY',
    ],
    [
      'dates that only advance when read month first',
      [
        ['01', '10', '24'],
        ['02', '02', '24'],
        ['03', '05', '24'],
      ],
      'decided',
      'MDY',
    ],
    [
      'dates going back once under both readings (a clock jump) settle nothing',
      [
        ['05', '06', '24'],
        ['01', '02', '24'],
      ],
      'undecidable',
      null,
    ],
  ];
  for (const [name, dates, kind, order] of cases) {
    it(name, () => {
      const decision = decideDateOrder(dates, { latestYear: LATEST });
      assert.equal(decision.kind, kind);
      assert.equal(decision.kind === 'decided' ? decision.order : null, order);
    });
  }

  it('says by which signals it decided, and names the orders left and the first ambiguous date when it cannot', () => {
    assert.deepEqual(
      decideDateOrder(
        [
          ['10', '01', '24'],
          ['02', '02', '24'],
        ],
        { latestYear: LATEST },
      ),
      // 02 as a year is 2002, before WhatsApp: not year first; then only the day-first reading advances
      { kind: 'decided', order: 'DMY', evidence: ['two-digit-year', 'dates-advance'] },
    );
    assert.deepEqual(
      decideDateOrder(
        [
          ['12', '12', '24'],
          ['03', '04', '24'],
          ['05', '06', '24'],
        ],
        { latestYear: LATEST },
      ),
      { kind: 'undecidable', orders: ['DMY', 'MDY'], first: { fields: ['03', '04', '24'], line: 2 } },
    );
  });

  it('names the first line that ruled out each order, and the orders each allows', () => {
    const decision = decideDateOrder(
      [
        ['01', '02', '24'],
        ['13', '01', '24'],
        ['14', '01', '24'],
        ['01', '13', '24'],
      ],
      { latestYear: LATEST },
    );
    assert.deepEqual(decision, {
      kind: 'conflict',
      evidence: [
        // 01 as a year would be 2001; 13 as a month does not exist; 13 January 2024 is also 24 January 2013
        { line: 1, orders: ['DMY', 'MDY'] },
        { line: 2, orders: ['DMY', 'YMD'] },
        { line: 4, orders: ['MDY'] },
      ],
    });
  });
});

describe('decideDateOrder: what a two-digit year settles', () => {
  const decide = (dates: Fields[], latestYear = LATEST): DateOrderDecision => decideDateOrder(dates, { latestYear });
  const cases: [string, Fields[], DateOrderDecision, number?][] = [
    [
      // the year 2031 has not come yet: the 31 is a day, so the 25 is the year (and cannot be a month)
      '25/12/31 is year first',
      [['25', '12', '31']],
      { kind: 'decided', order: 'YMD', evidence: ['day-above-12', 'two-digit-year'] },
    ],
    [
      // 31 as a year is 2031, not yet; as a month it does not exist: the 31 is a day
      '31/12/25 is day first',
      [['31', '12', '25']],
      { kind: 'decided', order: 'DMY', evidence: ['day-above-12', 'two-digit-year'] },
    ],
    [
      // a day above 12 first may be the day or a two-digit year: 13 June 2015 or 15 June 2013
      '13/06/15 alone is day first or year first',
      [['13', '06', '15']],
      { kind: 'undecidable', orders: ['DMY', 'YMD'], first: { fields: ['13', '06', '15'], line: 1 } },
    ],
    [
      // a single-digit field is never a year: `22/3/8` is 8 March 2022 (Basque and Korean phones write yy/M/d)
      'a single-digit last field is no year',
      [
        ['22', '3', '18'],
        ['22', '3', '8'],
      ],
      { kind: 'decided', order: 'YMD', evidence: ['day-above-12', 'two-digit-year'] },
    ],
    [
      // 45 can only be a year, so the year is first; 2045 is read as it is written, out of WhatsApp's years or not
      'a first field above 31 is the year',
      [['45', '3', '18']],
      { kind: 'decided', order: 'YMD', evidence: ['two-digit-year'] },
    ],
    [
      // a field above 31 last is the year: year first is out, day first and month first remain
      'a last field above 31 rules out year first only',
      [['3', '4', '45']],
      { kind: 'undecidable', orders: ['DMY', 'MDY'], first: { fields: ['3', '4', '45'], line: 1 } },
    ],
    [
      // 30 February does not exist, and no month is 30: the 30 is the year (here 2030 has come)
      'a day past the end of its month rules an order out',
      [
        ['30', '2', '24'],
        ['13', '2', '24'],
      ],
      { kind: 'decided', order: 'YMD', evidence: ['day-above-12', 'no-such-day'] },
      2031,
    ],
    [
      // a phone whose clock was reset writes 1 January 2000: no reading is in WhatsApp's years, so its year rules
      // nothing out, only what is no date at all (day 00 of January 2001)
      'a date before WhatsApp under every reading rules out only what is no date',
      [
        ['01', '01', '00'],
        ['13', '06', '24'],
      ],
      { kind: 'decided', order: 'DMY', evidence: ['day-above-12', 'no-such-day'] },
    ],
  ];
  for (const [name, dates, expected, latestYear] of cases) {
    it(name, () => assert.deepEqual(decide(dates, latestYear), expected));
  }

  it('the latest year decides what a two-digit year in the future may be', () => {
    // in 2031 the 31 of 25/12/31 can be a year: 25 December 2031 is then possible
    assert.deepEqual(decide([['25', '12', '31']], 2031), {
      kind: 'undecidable',
      orders: ['DMY', 'YMD'],
      first: { fields: ['25', '12', '31'], line: 1 },
    });
  });

  it('latestPossibleYear is the year in the zone furthest ahead', () => {
    assert.equal(latestPossibleYear(Date.parse('2026-12-31T09:59:59Z')), 2026);
    assert.equal(latestPossibleYear(Date.parse('2026-12-31T10:00:00Z')), 2027);
  });

  it('Thai Buddhist-era years, marked or not, are years of four digits', () => {
    assert.deepEqual(decide([['18', '3', '2565']]), {
      kind: 'decided',
      order: 'DMY',
      evidence: ['four-digit-year', 'day-above-12'],
    });
  });
});

describe("decideDateOrder: the language of WhatsApp's own words", () => {
  const short: Fields[] = [
    ['13', '06', '15'],
    ['14', '06', '15'],
  ];
  const early: Fields[] = [
    ['03', '04', '24'],
    ['05', '06', '24'],
  ];
  const cases: [string, Fields[], string[], DateOrderDecision][] = [
    [
      'Russian writes day first everywhere',
      short,
      ['ru'],
      { kind: 'decided', order: 'DMY', evidence: ['day-above-12', 'language'] },
    ],
    [
      'Kazakh writes day first everywhere',
      early,
      ['kk'],
      { kind: 'decided', order: 'DMY', evidence: ['two-digit-year', 'language'] },
    ],
    [
      'English is written in every order: it settles nothing',
      early,
      ['en'],
      { kind: 'undecidable', orders: ['DMY', 'MDY'], first: { fields: ['03', '04', '24'], line: 1 } },
    ],
    [
      'Spanish is never written year first, but day or month first',
      short,
      ['es'],
      { kind: 'decided', order: 'DMY', evidence: ['day-above-12', 'language'] },
    ],
    [
      'Spanish leaves day first and month first',
      early,
      ['es'],
      { kind: 'undecidable', orders: ['DMY', 'MDY'], first: { fields: ['03', '04', '24'], line: 1 } },
    ],
    [
      'French is never written month first',
      early,
      ['fr'],
      { kind: 'decided', order: 'DMY', evidence: ['two-digit-year', 'language'] },
    ],
    [
      'English words beside Russian ones do not undo them',
      short,
      ['en', 'ru'],
      { kind: 'decided', order: 'DMY', evidence: ['day-above-12', 'language'] },
    ],
    [
      'a language whose orders the dates have ruled out says nothing',
      [
        ['3', '14', '24'],
        ['3', '15', '24'],
      ],
      ['ru'],
      { kind: 'decided', order: 'MDY', evidence: ['day-above-12', 'two-digit-year'] },
    ],
    [
      'an unknown language says nothing',
      early,
      ['xx'],
      { kind: 'undecidable', orders: ['DMY', 'MDY'], first: { fields: ['03', '04', '24'], line: 1 } },
    ],
  ];
  for (const [name, dates, languages, expected] of cases) {
    it(name, () => assert.deepEqual(decideDateOrder(dates, { latestYear: LATEST, languages }), expected));
  }

  it('the advance of dates comes before the language', () => {
    // read day first these dates go back; month first they advance: the Russian words do not overrule that
    const decision = decideDateOrder(
      [
        ['01', '10', '24'],
        ['02', '02', '24'],
        ['03', '05', '24'],
      ],
      { latestYear: LATEST, languages: ['ru'] },
    );
    assert.deepEqual(decision, { kind: 'decided', order: 'MDY', evidence: ['two-digit-year', 'dates-advance'] });
  });

  it('LANGUAGE_DATE_ORDERS holds the orders every region of each language writes, as ICU has them', () => {
    const names = new Intl.DisplayNames(['en'], { type: 'region' });
    const regions: string[] = [];
    for (let a = 65; a <= 90; a++) {
      for (let b = 65; b <= 90; b++) {
        const code = String.fromCharCode(a, b);
        if (names.of(code) !== code) regions.push(code);
      }
    }
    const day = new Date(Date.UTC(2022, 2, 18));
    const orderOf = (locale: string): string =>
      new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeZone: 'UTC' })
        .formatToParts(day)
        .filter((part) => part.type === 'day' || part.type === 'month' || part.type === 'year')
        .map((part) => part.type.charAt(0).toUpperCase())
        .join('');
    for (const [language, orders] of Object.entries(LANGUAGE_DATE_ORDERS)) {
      const written = new Set([language, ...regions.map((region) => `${language}-${region}`)].map(orderOf));
      assert.deepEqual([...written].sort(), [...orders].sort(), language);
    }
  });
});

describe('toLocalDateTime', () => {
  const header = (
    dateFields: Fields,
    hour: number,
    minute: number,
    second: number | null,
    meridiem: 'am' | 'pm' | null,
  ): HeaderTime => ({
    dateFields,
    hour,
    minute,
    second,
    meridiem,
  });
  const cases: [string, HeaderTime, 'DMY' | 'MDY' | 'YMD', LocalDateTime | null][] = [
    [
      'DMY four-digit year',
      header(['31', '12', '2023'], 21, 41, null, null),
      'DMY',
      { year: 2023, month: 12, day: 31, hour: 21, minute: 41, second: 0 },
    ],
    [
      'MDY two-digit year',
      header(['12', '28', '23'], 9, 2, null, 'am'),
      'MDY',
      { year: 2023, month: 12, day: 28, hour: 9, minute: 2, second: 0 },
    ],
    [
      'YMD with seconds',
      header(['2018', '06', '13'], 21, 25, 15, null),
      'YMD',
      { year: 2018, month: 6, day: 13, hour: 21, minute: 25, second: 15 },
    ],
    [
      '12 AM is midnight',
      header(['1', '2', '24'], 12, 10, null, 'am'),
      'MDY',
      { year: 2024, month: 1, day: 2, hour: 0, minute: 10, second: 0 },
    ],
    [
      '12 PM is noon',
      header(['1', '2', '24'], 12, 5, null, 'pm'),
      'MDY',
      { year: 2024, month: 1, day: 2, hour: 12, minute: 5, second: 0 },
    ],
    [
      '1 PM is 13',
      header(['1', '2', '24'], 1, 5, null, 'pm'),
      'MDY',
      { year: 2024, month: 1, day: 2, hour: 13, minute: 5, second: 0 },
    ],
    [
      '29 February of a leap year',
      header(['29', '02', '24'], 10, 0, null, null),
      'DMY',
      { year: 2024, month: 2, day: 29, hour: 10, minute: 0, second: 0 },
    ],
    ['29 February of a common year', header(['29', '02', '23'], 10, 0, null, null), 'DMY', null],
    ['month 13', header(['13', '06', '18'], 10, 0, null, null), 'MDY', null],
    ['hour 24', header(['01', '06', '18'], 24, 0, null, null), 'DMY', null],
    ['13 PM', header(['01', '06', '18'], 13, 0, null, 'pm'), 'DMY', null],
    ['minute 60', header(['01', '06', '18'], 10, 60, null, null), 'DMY', null],
    ['second 60', header(['01', '06', '18'], 10, 0, 60, null), 'DMY', null],
    ['a three-digit year', header(['01', '06', '201'], 10, 0, null, null), 'DMY', null],
  ];
  for (const [name, input, order, expected] of cases)
    it(name, () => assert.deepEqual(toLocalDateTime(input, order), expected));
});

describe('toLocalDateTime: other calendars, worded months and missing years', () => {
  const at = (dateFields: Fields, extra: Partial<HeaderTime> = {}): HeaderTime => ({
    dateFields,
    hour: 14,
    minute: 56,
    second: 1,
    meridiem: null,
    ...extra,
  });
  const day = (year: number, month: number, dayOfMonth: number): LocalDateTime => ({
    year,
    month,
    day: dayOfMonth,
    hour: 14,
    minute: 56,
    second: 1,
  });
  const cases: [string, HeaderTime, 'DMY' | 'MDY' | 'YMD', number | undefined, LocalDateTime | null][] = [
    [
      'Thai Buddhist era 2565 is 2022',
      at(['3', '18', '2565'], { buddhistEra: true }),
      'MDY',
      undefined,
      day(2022, 3, 18),
    ],
    [
      'Buddhist-era leap day 2567 is 2024',
      at(['29', '2', '2567'], { buddhistEra: true }),
      'DMY',
      undefined,
      day(2024, 2, 29),
    ],
    // Thai phones write the Buddhist era without `BE` too: a four-digit year from 2400 is one
    ['unmarked Buddhist era 2565 is 2022', at(['18', '3', '2565']), 'DMY', undefined, day(2022, 3, 18)],
    ['unmarked Buddhist-era leap day 2563 is 2020', at(['29', '2', '2563']), 'DMY', undefined, day(2020, 2, 29)],
    ['unmarked Buddhist era 2566 has no 29 February (2023)', at(['29', '2', '2566']), 'DMY', undefined, null],
    ['year-first Buddhist era 2565', at(['2565', '3', '18']), 'YMD', undefined, day(2022, 3, 18)],
    ['the first year read as Buddhist era is 2400 (1857)', at(['1', '1', '2400']), 'DMY', undefined, day(1857, 1, 1)],
    ['2399 is read as written', at(['1', '1', '2399']), 'DMY', undefined, day(2399, 1, 1)],
    ['Reiwa 4 is 2022', at(['3', '18', 'R4']), 'MDY', undefined, day(2022, 3, 18)],
    ['an era year is never a day', at(['10', '12', 'R3']), 'YMD', undefined, null],
    ['Reiwa 1 is 2019', at(['5', '1', 'R1']), 'MDY', undefined, day(2019, 5, 1)],
    ['Heisei 30 is 2018', at(['3', '18', 'H30']), 'MDY', undefined, day(2018, 3, 18)],
    ['era year 0 does not exist', at(['3', '18', 'R0']), 'MDY', undefined, null],
    [
      'a worded month ignores the file order',
      at(['2013', '08', '28'], { fixedOrder: true }),
      'MDY',
      undefined,
      day(2013, 8, 28),
    ],
    ['no year without --year', at(['', '03', '18'], { fixedOrder: true }), 'DMY', undefined, null],
    ['no year with --year', at(['', '03', '18'], { fixedOrder: true }), 'DMY', 2012, day(2012, 3, 18)],
  ];
  for (const [name, input, order, year, expected] of cases)
    it(name, () => assert.deepEqual(toLocalDateTime(input, order, year), expected));

  it('a worded month gives no evidence of the numeric order', () => {
    const evidence = new DateOrderEvidence({ latestYear: LATEST });
    evidence.add(['2013', '08', '28'], 1, true);
    evidence.add(['', '03', '18'], 2, true);
    evidence.add(['13', '01', '24'], 3);
    evidence.add(['02', '02', '24'], 4);
    assert.deepEqual(evidence.decide(), {
      kind: 'decided',
      order: 'DMY',
      evidence: ['day-above-12', 'two-digit-year'],
    });
  });
});

describe('localToUtcIso', () => {
  const at = (year: number, month: number, day: number, hour: number, minute: number, second = 0): LocalDateTime => ({
    year,
    month,
    day,
    hour,
    minute,
    second,
  });
  const cases: [string, LocalDateTime, string, string][] = [
    ['Almaty in 2023 is UTC+6', at(2023, 12, 31, 21, 41), 'Asia/Almaty', '2023-12-31T15:41:00.000Z'],
    ['Almaty after the 2024 switch is UTC+5', at(2024, 6, 1, 12, 0), 'Asia/Almaty', '2024-06-01T07:00:00.000Z'],
    ['Moscow is UTC+3', at(2023, 12, 31, 21, 41), 'Europe/Moscow', '2023-12-31T18:41:00.000Z'],
    ['UTC is itself', at(2024, 2, 29, 23, 59, 59), 'UTC', '2024-02-29T23:59:59.000Z'],
    ['Berlin in summer is UTC+2', at(2024, 7, 1, 12, 0), 'Europe/Berlin', '2024-07-01T10:00:00.000Z'],
    ['Berlin in winter is UTC+1', at(2024, 1, 1, 12, 0), 'Europe/Berlin', '2024-01-01T11:00:00.000Z'],
    [
      'a skipped spring time reads with the offset before the jump',
      at(2024, 3, 31, 2, 30),
      'Europe/Berlin',
      '2024-03-31T01:30:00.000Z',
    ],
    [
      'a repeated autumn time is the earlier instant',
      at(2024, 10, 27, 2, 30),
      'Europe/Berlin',
      '2024-10-27T00:30:00.000Z',
    ],
    ['New York across its spring change', at(2024, 3, 10, 12, 0), 'America/New_York', '2024-03-10T16:00:00.000Z'],
  ];
  for (const [name, local, zone, expected] of cases) it(name, () => assert.equal(localToUtcIso(local, zone), expected));

  it('agrees with the zone offset it derives from', () => {
    const instant = Date.parse(localToUtcIso(at(2024, 7, 1, 12, 0), 'America/New_York'));
    assert.equal(zoneOffsetMs('America/New_York', instant), -4 * 3600 * 1000);
  });
});

describe('zoneOffsetMs', () => {
  /** The offset as ICU names it (`GMT+05:30`): computed another way than zoneOffsetMs's own. */
  const named = (timeZone: string, epochMs: number): number => {
    const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
      .formatToParts(new Date(epochMs))
      .find((part) => part.type === 'timeZoneName')!.value;
    const match = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
    assert.ok(match, name);
    return match[1] ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) * 60_000 : 0;
  };
  // windows of two hours around a change of offset: summer time (Berlin, an hour; Lord Howe, half an hour; St John's,
  // whose change falls at half past a UTC hour) and Almaty's switch from UTC+6 to UTC+5
  const windows: [string, string][] = [
    ['Europe/Berlin', '2024-03-31T00:00:00Z'],
    ['Europe/Berlin', '2024-10-27T00:00:00Z'],
    ['Australia/Lord_Howe', '2024-04-06T14:00:00Z'],
    ['America/St_Johns', '2024-03-10T04:30:00Z'],
    ['Asia/Almaty', '2024-02-29T17:00:00Z'],
  ];
  for (const [zone, from] of windows) {
    it(`is ICU's offset at every minute around ${zone}'s change of ${from.slice(0, 10)}, asked in any order`, () => {
      const start = Date.parse(from);
      const minutes = Array.from({ length: 121 }, (_, i) => start + i * 60_000 + 17_000);
      // a fixed shuffle: hours are met first at either end and in the middle
      for (let i = minutes.length - 1; i > 0; i--) {
        const j = (i * 7919) % (i + 1);
        [minutes[i], minutes[j]] = [minutes[j]!, minutes[i]!];
      }
      const offsets = new Set<number>();
      for (const instant of minutes) {
        const expected = named(zone, instant);
        offsets.add(expected);
        assert.equal(zoneOffsetMs(zone, instant), expected, new Date(instant).toISOString());
      }
      assert.equal(offsets.size, 2, 'the window holds the change');
    });
  }
});

describe('assertTimeZone', () => {
  it('accepts an IANA zone', () => assert.doesNotThrow(() => assertTimeZone('Asia/Qostanay')));
  it('rejects an unknown zone', () => assert.throws(() => assertTimeZone('Asia/Nowhere'), RangeError));
});
