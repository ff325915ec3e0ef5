import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanLine, parseHeaderLine } from './line-format.ts';
import type { HeaderLine } from './line-format.ts';

type Expected = Partial<HeaderLine>;

// Every date and time writing FORMATS.md lists, plus the localized clock markers and marks.
const headers: [string, string, Expected][] = [
  [
    'US 12-hour with dots',
    '3/6/18, 1:55 p.m. - Ерлан: сәлем',
    {
      style: 'android',
      dateFields: ['3', '6', '18'],
      hour: 1,
      minute: 55,
      second: null,
      meridiem: 'pm',
      author: 'Ерлан',
      body: 'сәлем',
    },
  ],
  [
    'dashes, dotted time, PM',
    '03-06-2018, 01.55 PM - Aigerim: ok',
    { dateFields: ['03', '06', '2018'], hour: 1, minute: 55, meridiem: 'pm', author: 'Aigerim' },
  ],
  [
    'dotted time with seconds, no comma',
    '13.06.18 21.25.15 - Dana: привет',
    { dateFields: ['13', '06', '18'], hour: 21, minute: 25, second: 15, meridiem: null },
  ],
  [
    'iOS without comma',
    '[06.13.18 21:25:15] Timur: hi',
    { style: 'ios', dateFields: ['06', '13', '18'], second: 15, author: 'Timur', body: 'hi' },
  ],
  [
    'spaced dots and trailing dot',
    '13. 6. 2018. 21:25:15 - Bolat: да',
    { dateFields: ['13', '6', '2018'], hour: 21, second: 15 },
  ],
  ['iOS year first', '[2018/06/13, 21:25:15] Madina: test', { style: 'ios', dateFields: ['2018', '06', '13'] }],
  [
    'Russian Android',
    '31.12.2023, 21:41 - Ерлан Сейтов: С Новым годом!',
    { dateFields: ['31', '12', '2023'], hour: 21, minute: 41, author: 'Ерлан Сейтов', body: 'С Новым годом!' },
  ],
  [
    'U+202F before AM',
    '1/9/24, 8:30\u202FAM - Aigerim: Good morning',
    { hour: 8, minute: 30, meridiem: 'am', author: 'Aigerim' },
  ],
  ['U+00A0 before PM', '1/9/24, 8:30\u00A0PM - Aigerim: evening', { meridiem: 'pm' }],
  ['a.m. with a space', '1/9/24, 8:30 a. m. - Aigerim: x', { meridiem: 'am' }],
  ['Russian ДП', '09.01.2024, 8:30 ДП - Дана: утро', { meridiem: 'am', author: 'Дана' }],
  ['Russian ПП', '09.01.2024, 8:30 ПП - Дана: вечер', { meridiem: 'pm' }],
  ['Kazakh ТД', '09.01.24, 8:30 ТД - Әсел: таң', { meridiem: 'am', author: 'Әсел' }],
  ['Kazakh ТК', '09.01.24, 8:30 ТК - Әсел: кеш', { meridiem: 'pm' }],
  [
    'iOS with U+200E and CR',
    '\u200E[12.01.2024, 09:20:45] Дана: \u200Eизображение отсутствует\r',
    { style: 'ios', author: 'Дана', body: 'изображение отсутствует', bodyMarked: true },
  ],
  [
    'iOS phone author in embedding controls',
    '[12.01.2024, 09:15:02] \u202A+7 701 234 56 78\u202C: Принято',
    { author: '+7 701 234 56 78', body: 'Принято', bodyMarked: false },
  ],
  [
    'Android system line has no author',
    '28.12.2023, 10:01 - Айгерим добавил(-а) Ерлан',
    { author: null, body: 'Айгерим добавил(-а) Ерлан' },
  ],
  [
    'quoted title with a colon is not an author',
    '14/02/2024, 08:00 - Madina created group "HQ: Almaty"',
    { author: null, body: 'Madina created group "HQ: Almaty"' },
  ],
  [
    'colon inside the text stays in the body',
    '14/02/2024, 08:10 - Madina: Plan: 09:00 briefing',
    { author: 'Madina', body: 'Plan: 09:00 briefing' },
  ],
  ['BOM on the first line', '\uFEFF28.12.2023, 10:05 - Айгерим: Коллеги', { author: 'Айгерим', body: 'Коллеги' }],
  [
    'iOS system line without author',
    '[12.01.2024, 09:00:05] \u200EДана добавил(-а) Ерлан',
    { style: 'ios', author: null, body: 'Дана добавил(-а) Ерлан', bodyMarked: true },
  ],
];

const notHeaders: [string, string][] = [
  ['continuation text', 'на почту danamur@mail.kz'],
  ['list item with a time', '- 09:00 briefing'],
  ['empty line', ''],
  ['date without time', '28.12.2023 - Айгерим: x'],
  ['Android line without the dash', '28.12.2023, 10:05 Айгерим: x'],
  ['two date fields only', '28.12, 10:05 - Айгерим: x'],
];

describe('parseHeaderLine', () => {
  for (const [name, line, expected] of headers) {
    it(`reads ${name}`, () => {
      const header = parseHeaderLine(line);
      assert.ok(header, 'expected a header');
      for (const [key, value] of Object.entries(expected)) {
        assert.deepEqual(header[key as keyof HeaderLine], value, key);
      }
    });
  }
  for (const [name, line] of notHeaders) {
    it(`finds no header in ${name}`, () => assert.equal(parseHeaderLine(line), null));
  }
});

describe('cleanLine', () => {
  const cases: [string, string, string][] = [
    ['CR of a CRLF file', 'text\r', 'text'],
    ['direction marks', '\u200Etext\u200F', 'text'],
    ['BOM', '\uFEFFtext', 'text'],
    ['ordinary text unchanged', '  - 10:30 site visit', '  - 10:30 site visit'],
  ];
  for (const [name, input, output] of cases) it(`removes ${name}`, () => assert.equal(cleanLine(input), output));
});
