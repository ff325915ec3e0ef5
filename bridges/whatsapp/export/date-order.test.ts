import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DateOrderEvidence,
  assertTimeZone,
  decideDateOrder,
  localToUtcIso,
  toLocalDateTime,
  zoneOffsetMs,
} from './date-order.ts';
import type { DateOrderDecision, HeaderTime, LocalDateTime } from './date-order.ts';

type Fields = [string, string, string];

describe('decideDateOrder', () => {
  const cases: [string, Fields[], DateOrderDecision['kind'], string | null][] = [
    [
      'a first field above 12 means day first',
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
        ['13', '01', '24'],
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
      const decision = decideDateOrder(dates);
      assert.equal(decision.kind, kind);
      assert.equal(decision.kind === 'decided' ? decision.order : null, order);
    });
  }

  it('says by which signal it decided, and names the first ambiguous date when it cannot', () => {
    assert.deepEqual(
      decideDateOrder([
        ['10', '01', '24'],
        ['02', '02', '24'],
      ]),
      { kind: 'decided', order: 'DMY', evidence: 'dates-advance' },
    );
    assert.deepEqual(
      decideDateOrder([
        ['12', '12', '24'],
        ['03', '04', '24'],
        ['05', '06', '24'],
      ]),
      { kind: 'undecidable', first: { fields: ['03', '04', '24'], line: 2 } },
    );
  });

  it('names the first line of each conflicting kind', () => {
    const decision = decideDateOrder([
      ['01', '02', '24'],
      ['13', '01', '24'],
      ['14', '01', '24'],
      ['01', '13', '24'],
    ]);
    assert.deepEqual(decision, {
      kind: 'conflict',
      evidence: [
        { order: 'DMY', line: 2 },
        { order: 'MDY', line: 4 },
      ],
    });
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
    ['Reiwa 4 is 2022', at(['3', '18', 'R4']), 'MDY', undefined, day(2022, 3, 18)],
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
    const evidence = new DateOrderEvidence();
    evidence.add(['2013', '08', '28'], 1, true);
    evidence.add(['', '03', '18'], 2, true);
    evidence.add(['13', '01', '24'], 3);
    assert.deepEqual(evidence.decide(), { kind: 'decided', order: 'DMY', evidence: 'day-first' });
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

describe('assertTimeZone', () => {
  it('accepts an IANA zone', () => assert.doesNotThrow(() => assertTimeZone('Asia/Qostanay')));
  it('rejects an unknown zone', () => assert.throws(() => assertTimeZone('Asia/Nowhere'), RangeError));
});
