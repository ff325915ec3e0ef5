import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ibanMod97Valid } from './iban.detector.ts';
import { classify } from '../classify.ts';

const table: [string, boolean][] = [
  ['KZ86125KZT5004100100', true],
  ['KZ86125KZT5004100101', false],
  ['KZ87125KZT5004100100', false],
  ['DE89370400440532013000', true],
  ['GB82WEST12345698765432', true],
  ['GB82WEST12345698765433', false],
  ['TR330006100519786457841326', true],
  ['kz86125kzt5004100100', false], // lower case is not an IBAN as written
];
for (const [value, expected] of table)
  test(`ibanMod97Valid(${value}) is ${expected}`, () => assert.equal(ibanMod97Valid(value), expected));

const ibans = (text: string) =>
  classify(text)
    .filter((f) => f.category === 'IBAN')
    .map((f) => text.slice(f.start, f.end));

test('IBANs compact or in groups of four, cut to the country length', () => {
  assert.deepEqual(ibans('ИИК KZ86125KZT5004100100 в АО'), ['KZ86125KZT5004100100']);
  assert.deepEqual(ibans('IBAN: KZ86 125K ZT50 0410 0100 KZT'), ['KZ86 125K ZT50 0410 0100']);
  assert.deepEqual(ibans('DE89 3704 0044 0532 0130 00'), ['DE89 3704 0044 0532 0130 00']);
});

test('a wrong check or length is not an IBAN, and its digits are not a card', () => {
  assert.deepEqual(classify('IBAN KZ87125KZT5004100100'), []);
  assert.deepEqual(classify('IBAN KZ86125KZT500410010'), []);
});

test('an IBAN with a space after the country code, or typed in lower case, is an IBAN', () => {
  for (const text of ['ИИК KZ 86 125K ZT50 0410 0100', 'счёт kz86125kzt5004100100 прислала'])
    assert.deepEqual(
      classify(text).map((f) => f.category),
      ['IBAN'],
      text,
    );
  // capitals and a space elsewhere, a wrong check: nothing, and the digits after it are still read
  assert.deepEqual(
    classify('AB 12 CDEF 3456 7890 12, ИИН 940101300123').map((f) => f.category),
    ['IIN'],
  );
});

test('a Kazakh IBAN capitalised by a phone is an IBAN; an order reference running into words is not', () => {
  assert.deepEqual(
    classify('Есеп шот нөмірі Kz86 125K ZT50 0410 0100').map((f) => f.category),
    ['IBAN'],
  );
  assert.deepEqual(
    classify('Order ref KZ8952495780 for the conference badges').map((f) => f.category),
    [],
  );
});

test('a Kazakh IBAN joined by dots, wrapped by a PDF column or one character a cell is an IBAN (table)', () => {
  for (const text of [
    'счет KZ86.125K.ZT50.0410.0100 открыт',
    'реквизиты:\nKZ86125KZT50\n04100100',
    'ИИК K Z 8 6 1 2 5 K Z T 5 0 0 4 1 0 0 1 0 0 из бланка',
  ])
    assert.deepEqual(
      classify(text).map((f) => f.category),
      ['IBAN'],
      text,
    );
});
