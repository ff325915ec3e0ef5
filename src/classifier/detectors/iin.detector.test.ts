import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkIin, kzCheckDigit } from './iin.detector.ts';
import { classify } from '../classify.ts';

// FORMATS.md test vectors and near misses, each breaking one rule
const table: [string, ReturnType<typeof checkIin>][] = [
  ['791028302728', 'ok'],
  ['811201401188', 'ok'],
  ['061211600012', 'ok'],
  ['940101300123', 'ok'],
  ['791028302729', 'checksum'],
  ['811201401180', 'checksum'],
  ['940101300124', 'checksum'],
  ['791328302728', 'date'], // month 13
  ['790230302728', 'date'], // 30 February
  ['000229500000', 'date'], // 2000 is a leap year, so the date passes and the checksum decides
  ['790000302728', 'date'],
  ['791028002728', 'century'], // 7th digit 0
  ['791028702728', 'century'], // 7th digit 7
  ['79102830272', 'length'],
  ['7910283027281', 'length'],
  ['79102830272a', 'length'],
];

for (const [value, expected] of table) {
  if (value === '000229500000') continue;
  test(`checkIin(${value}) is ${expected}`, () => assert.equal(checkIin(value), expected));
}

test('29 February passes the date rule only in leap years', () => {
  assert.notEqual(checkIin('000229500000'), 'date'); // 2000
  assert.equal(checkIin('010229500000'), 'date'); // 2001
  assert.equal(checkIin('000229300000'), 'date'); // 1900 was not a leap year
});

test('the second pass of the check digit is used when the first gives 10', () => {
  // Σ d·(1..11) mod 11 = 10 for these digits: 0·1+…; search one deterministically
  let found = '';
  for (let n = 0; n < 100000 && !found; n++) {
    const first11 = `9001013${String(n).padStart(4, '0')}`;
    const sum = [...first11].reduce((acc, ch, i) => acc + Number(ch) * (i + 1), 0);
    if (sum % 11 === 10) found = first11;
  }
  assert.ok(found);
  const second =
    [...found].reduce((acc, ch, i) => acc + Number(ch) * ([3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2][i] as number), 0) % 11;
  assert.equal(kzCheckDigit(found), second === 10 ? null : second);
});

test('classify reports a valid IIN, with the context word in the explanation', () => {
  const text = 'ИИН заявителя: 940101300123.';
  const [f] = classify(text);
  assert.ok(f);
  assert.equal(f.category, 'IIN');
  assert.equal(text.slice(f.start, f.end), '940101300123');
  assert.equal(f.explanation.contextId, 'context:iin:iin');
  assert.match(f.explanation.validator, /iin-checksum:pass/);
  assert.ok(f.confidence > f.explanation.baseScore);
});

test('near misses are not IINs', () => {
  for (const value of ['940101300124', '791328302728', '791028702728']) {
    assert.deepEqual(
      classify(`ИИН ${value}`).filter((f) => f.category === 'IIN'),
      [],
      value,
    );
  }
});

test('an IIN glued to a word, written with separators or disguised is found at its original offsets', () => {
  const cases = [
    'ИИН:940101300123',
    'ИИН940101300123',
    'жсн 940 101 300 123 ok',
    'IIN 9401-0130-0123',
    'IIN 940.101.300.123',
    'ИИН 9\u200b4\u200c0101300123',
    'ИИН ９４０１０１３００１２３',
    'ИИН ٩٤٠١٠١٣٠٠١٢٣',
    'ИИН 𝟗𝟒𝟎𝟏𝟎𝟏𝟑𝟎𝟎𝟏𝟐𝟑!',
  ];
  for (const text of cases) {
    const found = classify(text).filter((f) => f.category === 'IIN');
    assert.equal(found.length, 1, text);
    const f = found[0]!;
    const slice = text.slice(f.start, f.end);
    assert.match(slice, /^\S/u, text);
    assert.equal(slice.normalize('NFKC').replace(/\D/gu, '').length >= 12 || /[٠-٩]/.test(slice), true, text);
    assert.ok(!/[0-9０-９]$/.test(text.slice(f.end, f.end + 1)), `ends at the number's end: ${text}`);
  }
});

test('twelve digits inside a longer digit run are not an IIN', () => {
  assert.deepEqual(
    classify('заказ 9401013001235555').filter((f) => f.category === 'IIN'),
    [],
  );
  assert.deepEqual(
    classify('заказ 1940101300123').filter((f) => f.category === 'IIN'),
    [],
  );
});

test('a valid IIN shape under a parcel, waybill or police-register label is that document number (table)', () => {
  for (const label of ['Посылка', 'почтовое отправление', 'сәлемдеме', 'жүкқұжат', 'материалы по КУИ', 'ЕРДР №'])
    assert.deepEqual(
      classify(`${label} 940101300123 не найдено`).map((f) => f.category),
      [],
      label,
    );
});

test('Latin-script Kazakh labels of the IIN and BIN count; an account "for electricity" is a document number', () => {
  assert.deepEqual(
    classify('Jeke säikestendıru nömırı 940101300123').map((f) => f.category),
    ['IIN'],
  );
  assert.deepEqual(
    classify('Biznes-säikestendıru nömırı: 971240001315').map((f) => f.category),
    ['BIN'],
  );
  assert.deepEqual(
    classify('Лицевой счёт за электроэнергию 940101300123').map((f) => f.category),
    [],
  );
});

test('"booking ref is <number>": the number is the booking\'s', () => {
  assert.deepEqual(
    classify('Your booking ref is 940101300123. Show it at the box office').map((f) => f.category),
    [],
  );
});

test('an IIN written with a slash or after "jsn" is read; "not by IIN, by contract №" is the contract (table)', () => {
  for (const text of ['его ИИН 940101/300123', 'salem, jsn nomirim 940101 300 123'])
    assert.deepEqual(
      classify(text).map((f) => f.category),
      ['IIN'],
      text,
    );
  assert.deepEqual(
    classify('Төлем ИИН бойынша емес, договор № 940101300123 бойынша өтті').map((f) => f.category),
    [],
  );
  assert.deepEqual(
    classify('Накладная на шины 940101300123 от поставщика').map((f) => f.category),
    [],
  );
});

test('an IIN pasted from Excel with thousands separators is read', () => {
  assert.deepEqual(
    classify('ИИН 940,101,300,123 (из Экселя с запятыми)').map((f) => f.category),
    ['IIN'],
  );
});
