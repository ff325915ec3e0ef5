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
  // Byte-order marks and direction marks anywhere in the timestamp: stripped from the structure only.
  [
    'BOM inside the bracket',
    '[\uFEFF29.01.18, 12:24:03] Dana: hi',
    { style: 'ios', dateFields: ['29', '01', '18'], hour: 12, second: 3, author: 'Dana', body: 'hi' },
  ],
  [
    'BOM and U+200E before the bracket',
    '\uFEFF\u200E[29.01.18, 12:24:03] Dana: hi',
    { dateFields: ['29', '01', '18'], author: 'Dana' },
  ],
  [
    'Android phone author in direction marks',
    '29/01/2018, 12:24 - \u202A+7 701 234 56 78\u202C: ok',
    { author: '+7 701 234 56 78', body: 'ok' },
  ],
  [
    'U+200F around the date and time',
    '\u200F29/01/2018\u200F, 12:24\u200F - Dana: \u202Bтекст\u202C',
    { dateFields: ['29', '01', '2018'], minute: 24, author: 'Dana', body: '\u202Bтекст\u202C' },
  ],
  // Older layouts
  [
    'older iOS without brackets',
    '7/1/16, 4:56:55 PM: Aigerim: text',
    { dateFields: ['7', '1', '16'], hour: 4, second: 55, meridiem: 'pm', author: 'Aigerim', body: 'text' },
  ],
  [
    'older iOS system line without brackets',
    '7/1/16, 4:56:55 PM: Aigerim created this group',
    { author: null, body: 'Aigerim created this group' },
  ],
  [
    'colon after the time, no comma, no dash',
    '13/06/15 10:59:59: Dana: text',
    { dateFields: ['13', '06', '15'], hour: 10, minute: 59, second: 59, author: 'Dana', body: 'text' },
  ],
  [
    'colon after a 24-hour time',
    '4/26/16, 16:23:03: Dana: text',
    { dateFields: ['4', '26', '16'], hour: 16, second: 3, meridiem: null, author: 'Dana' },
  ],
  // Time before date
  [
    'time before a worded date',
    '19:23, 28 Aug 2013 - Dana: text',
    { dateFields: ['2013', '08', '28'], fixedOrder: true, hour: 19, minute: 23, author: 'Dana', body: 'text' },
  ],
  [
    'iOS time before date (Vietnamese)',
    '[14:56:01, 3/18/22] Dana: text',
    { style: 'ios', dateFields: ['3', '18', '22'], fixedOrder: false, hour: 14, second: 1, author: 'Dana' },
  ],
  // AM/PM words in other languages, with normal and narrow no-break spaces
  ['Spanish p. m. after U+202F', '18/3/22, 2:56\u202Fp.\u00A0m. - Dana: x', { hour: 2, meridiem: 'pm' }],
  ['Spanish a. m.', '18/3/22, 2:56 a. m. - Dana: x', { meridiem: 'am' }],
  ['German vorm.', '18.03.22, 9:05 vorm. - Dana: x', { hour: 9, meridiem: 'am', author: 'Dana' }],
  ['German nachm. after U+00A0', '18.03.22, 9:05\u00A0nachm. - Dana: x', { meridiem: 'pm' }],
  [
    'Korean 오후 before the time',
    '[2022. 3. 18. 오후 2:56:01] Dana: x',
    { dateFields: ['2022', '3', '18'], hour: 2, meridiem: 'pm', author: 'Dana' },
  ],
  ['Korean 오전 before the time', '2022. 3. 18. 오전 9:56 - Dana: x', { hour: 9, meridiem: 'am' }],
  ['Chinese 下午 before the time', '2022/3/18 下午2:56 - Dana: x', { dateFields: ['2022', '3', '18'], meridiem: 'pm' }],
  ['Chinese 上午 before the time', '[2022/3/18 上午2:56:01] Dana: x', { meridiem: 'am' }],
  ['Arabic ص', '18/3/22, 9:05 ص - Dana: x', { meridiem: 'am' }],
  ['Arabic م after U+202F', '18/3/22, 9:05\u202Fم - Dana: x', { meridiem: 'pm' }],
  ['in the morning', '03/01/2021, 9:15 in the morning - Dana: x', { hour: 9, minute: 15, meridiem: 'am' }],
  ['in the afternoon', '03/01/2021, 3:15 in the afternoon - Dana: x', { meridiem: 'pm' }],
  ['in the evening', '03/01/2021, 7:15 in the evening - Dana: x', { meridiem: 'pm' }],
  ['10 at night', '03/01/2021, 10:15 at night - Dana: x', { meridiem: 'pm' }],
  ['2 at night', '03/01/2021, 2:15 at night - Dana: x', { meridiem: 'am' }],
  // Native digits, the Arabic comma and U+200F
  [
    'Arabic-Indic digits with the Arabic comma and RLM',
    '\u200F٢٩\u200F/٠١\u200F/٢٠١٨\u060C ١٢:٢٤ م - دانا: مرحبا ٣',
    { dateFields: ['29', '01', '2018'], hour: 12, minute: 24, meridiem: 'pm', author: 'دانا', body: 'مرحبا ٣' },
  ],
  [
    'Extended Arabic-Indic digits (Persian)',
    '[۱۴۰۱/۰۱/۲۹, ۱۴:۵۶:۰۱] سارا: سلام ۵',
    { style: 'ios', dateFields: ['1401', '01', '29'], hour: 14, second: 1, author: 'سارا', body: 'سلام ۵' },
  ],
  // Other calendars
  [
    'Thai Buddhist era',
    '[3/18/2565 BE, 14:56:01] Dana: x',
    { dateFields: ['3', '18', '2565'], buddhistEra: true, hour: 14 },
  ],
  ['Japanese Reiwa era', '[3/18/R4, 14:56:01] Dana: x', { dateFields: ['3', '18', 'R4'], buddhistEra: false }],
  ['Japanese Heisei era', '[3/18/H30, 14:56:01] Dana: x', { dateFields: ['3', '18', 'H30'] }],
  // No year
  [
    'day and month word without a year',
    '18 Mar 12:14 - Dana: text',
    { dateFields: ['', '03', '18'], fixedOrder: true, hour: 12, minute: 14, author: 'Dana' },
  ],
  [
    'month word and day without a year, 12-hour',
    'Mar 5, 8:11 PM - Dana: text',
    { dateFields: ['', '03', '5'], fixedOrder: true, hour: 8, meridiem: 'pm', author: 'Dana' },
  ],
  // Month names in other languages, any case, with or without the trailing dot
  [
    'time before a Russian genitive month',
    '19:23, 28 августа 2013 - Dana: text',
    { dateFields: ['2013', '08', '28'], fixedOrder: true, layout: 'android-time-first', author: 'Dana' },
  ],
  [
    'Russian short month without a year',
    '18 мар. 12:14 - Dana: text',
    { dateFields: ['', '03', '18'], fixedOrder: true, layout: 'android-worded', hour: 12, minute: 14 },
  ],
  ['Russian short month without its dot', '18 мар 12:14 - Dana: x', { dateFields: ['', '03', '18'] }],
  ['Russian month in capitals', '18 МАРТА 2013, 12:14 - Dana: x', { dateFields: ['2013', '03', '18'] }],
  ['Kazakh short month', '18 нау. 12:14 - Dana: x', { dateFields: ['', '03', '18'] }],
  ['Kazakh full month', '19:23, 28 тамыз 2013 - Dana: x', { dateFields: ['2013', '08', '28'] }],
  ['German März', '18 März 12:14 - Dana: x', { dateFields: ['', '03', '18'] }],
  ['German month first', 'Dez. 5, 8:11 PM - Dana: x', { dateFields: ['', '12', '5'], meridiem: 'pm' }],
  ['Spanish month first with a year', 'ene 5, 2014, 8:11 PM - Dana: x', { dateFields: ['2014', '01', '5'] }],
  ['French févr.', '19:23, 28 févr. 2013 - Dana: x', { dateFields: ['2013', '02', '28'] }],
  ['Portuguese set.', '19:23, 28 set. 2013 - Dana: x', { dateFields: ['2013', '09', '28'] }],
  ['Turkish Ağustos', '19:23, 28 Ağustos 2013 - Dana: x', { dateFields: ['2013', '08', '28'] }],
  ['Turkish capitals with a dotted İ', '19:23, 28 EKİM 2013 - Dana: x', { dateFields: ['2013', '10', '28'] }],
  ['Turkish capitals with a dotless I', '19:23, 28 MAYIS 2013 - Dana: x', { dateFields: ['2013', '05', '28'] }],
  // Thai Buddhist-era year without BE: the fields as written, the era is read with the year (date-order.ts)
  [
    'Thai Buddhist era without BE',
    '[18/3/2565, 14:56:01] Dana: x',
    { dateFields: ['18', '3', '2565'], buddhistEra: false },
  ],
  // A two-digit year first (Korean phones)
  [
    'Korean two-digit year first',
    '22. 3. 8. 오후 2:56 - 다나: 안녕하세요',
    { dateFields: ['22', '3', '8'], layout: 'android', hour: 2, meridiem: 'pm', author: '다나' },
  ],
];

const notHeaders: [string, string][] = [
  ['a word that is no month where the month would stand', '18 Room 12:14 - Dana: x'],
  ['a month-like word that is two months in French (juin, juillet)', '18 jui 12:14 - Dana: x'],
  ['continuation text', 'на почту danamur@mail.kz'],
  ['list item with a time', '- 09:00 briefing'],
  ['empty line', ''],
  ['date without time', '28.12.2023 - Айгерим: x'],
  ['Android line without the dash', '28.12.2023, 10:05 Айгерим: x'],
  ['two date fields only', '28.12, 10:05 - Айгерим: x'],
  ['a page number', '1'],
  ['a title line', 'Chat With Aigerim'],
  ['a month word in text', 'March 5 was the deadline'],
  ['a time in text with a colon', '10:59: the meeting starts'],
  ['a typed date and time without seconds, then a colon', '13.06.2024 10:00: собрание в актовом зале'],
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
