import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kzNationalKind } from './phone.detector.ts';
import { classify } from '../classify.ts';

const table: [string, ReturnType<typeof kzNationalKind>][] = [
  ['7011234567', 'mobile'],
  ['7771234567', 'mobile'],
  ['7471234567', 'mobile'],
  ['7851234567', 'mobile'],
  ['7641234567', 'mobile'],
  ['7172123456', 'city'],
  ['7271234567', 'city'],
  ['7031234567', null], // 703 is not allocated
  ['7651234567', null],
  ['7791234567', null],
  ['9161234567', null],
  ['701123456', null],
];
for (const [value, expected] of table)
  test(`kzNationalKind(${value}) is ${expected}`, () => assert.equal(kzNationalKind(value), expected));

const phones = (text: string) =>
  classify(text)
    .filter((f) => f.category === 'PHONE')
    .map((f) => text.slice(f.start, f.end));

test('Kazakhstan numbers in the common writings', () => {
  for (const written of [
    '+7 701 123 45 67',
    '+7 (701) 123-45-67',
    '+77011234567',
    '8 701 123 45 67',
    '8(701)123-45-67',
    '87011234567',
    '8-701-123-45-67',
    '7 701 1234567',
    '8 (7172) 12-34-56',
    '+7 727 123 45 67',
    '+7  (7172) 60-40-63',
  ]) {
    assert.deepEqual(phones(`звоните ${written}, спасибо`), [written], written);
  }
});

test('international numbers with a leading +', () => {
  assert.deepEqual(phones('call +44 20 7946 0958'), ['+44 20 7946 0958']);
  assert.deepEqual(phones('call +1 (212) 555-0100'), ['+1 (212) 555-0100']);
  assert.deepEqual(phones('Москва +7 916 123-45-67'), ['+7 916 123-45-67']);
});

test('ten digits without a prefix need a context word', () => {
  assert.deepEqual(phones('договор 7011234567'), []);
  assert.deepEqual(phones('тел 701 123 45 67'), ['701 123 45 67']);
});

test('near misses: wrong prefixes, wrong lengths, dates and amounts', () => {
  assert.deepEqual(phones('8 703 123 45 67'), []);
  assert.deepEqual(phones('8 701 123 45 6'), []);
  assert.deepEqual(phones('12.03.2024 15:00'), []);
  assert.deepEqual(phones('сумма 1 250 000 тг'), []);
  assert.deepEqual(phones('+0 123 456 789'), []);
});

test('a mobile without its trunk prefix counts when grouped as a phone is written', () => {
  assert.deepEqual(
    classify('ответственный 777 920 93 62 (Серик)').map((f) => f.category),
    ['PHONE'],
  );
  assert.deepEqual(
    classify('лицевой 7779209362').map((f) => f.category),
    [],
  );
});

test("a mobile written with the operator's code in brackets and no trunk prefix is a phone", () => {
  assert.deepEqual(classify('Водитель автобуса (701) 938-33-24').filter((f) => f.category === 'PHONE').length, 1);
});
