import { test } from 'node:test';
import assert from 'node:assert/strict';
import { luhnValid } from './card.detector.ts';
import { classify } from '../classify.ts';

const table: [string, boolean][] = [
  ['4111111111111111', true],
  ['4111111111111112', false],
  ['5555555555554444', true],
  ['5555555555554445', false],
  ['378282246310005', true],
  ['378282246310006', false],
  ['2200000000000004', true],
  ['6250941006528599', true],
  ['79927398713', true], // the classic Luhn example (too short for a card, valid Luhn)
  ['79927398710', false],
  ['', false],
];
for (const [value, expected] of table)
  test(`luhnValid(${value}) is ${expected}`, () => assert.equal(luhnValid(value), expected));

const cards = (text: string) =>
  classify(text)
    .filter((f) => f.category === 'CARD')
    .map((f) => text.slice(f.start, f.end));

test('cards in the printed layouts are found', () => {
  assert.deepEqual(cards('карта 4111 1111 1111 1111'), ['4111 1111 1111 1111']);
  assert.deepEqual(cards('card 4111-1111-1111-1111.'), ['4111-1111-1111-1111']);
  assert.deepEqual(cards('4111111111111111'), ['4111111111111111']);
  assert.deepEqual(cards('amex 3782 822463 10005'), ['3782 822463 10005']);
  assert.deepEqual(cards('card ４１１１ １１１１ １１１１ １１１１'), ['４１１１ １１１１ １１１１ １１１１']);
});

test('non-Luhn numbers, odd groupings and numbers inside longer runs are not cards', () => {
  assert.deepEqual(cards('карта 4111 1111 1111 1112'), []);
  assert.deepEqual(cards('счёт 41111111111111110'), []); // 17 digits, Luhn fails
  assert.deepEqual(cards('ref 41 1111 1111 111 111'), []); // not a card layout
  assert.deepEqual(cards('id 94111111111111111'), []); // starts with 9: no issuer
  assert.deepEqual(cards('x 41111111111111111111'), []); // 20 digits
});

test('a 15-digit number passing Luhn is a card only in the American Express range (an IMEI is not)', () => {
  assert.deepEqual(
    classify('IMEI 356789104512346, телефон изъят').map((f) => f.category),
    [],
  );
  assert.deepEqual(
    classify('карта 378282246310005').map((f) => f.category),
    ['CARD'],
  );
});

test('a card in two halves of eight counts only with a card word', () => {
  assert.deepEqual(
    classify('на карту 44056326 75857034').map((f) => f.category),
    ['CARD'],
  );
  assert.deepEqual(
    classify('периоды 44056326 75857034').map((f) => f.category),
    [],
  );
});

test('a card copied with dots, doubled spaces or mixed separators is a card; 8-8 needs a card word (table)', () => {
  for (const text of [
    'карта 4405.6382.9018.6006',
    'с карты 4405  6382  9018  6006',
    'kartadan 4405 6382 90186006',
    'правильный 4405 6382-9018 6006',
    'сюда 4405 638290186006',
  ])
    assert.deepEqual(
      classify(text).map((f) => f.category),
      ['CARD'],
      text,
    );
  assert.deepEqual(
    classify('номера 44056382 90186006').map((f) => f.category),
    [],
  );
});

test('a card copied in cells of one digit, or with the issuer six apart, is a card', () => {
  for (const text of [
    'карта указана как 4 4 0 5 6 3 8 2 9 0 1 8 6 0 0 6',
    'предоплату на 440563 8290186006 до четверга',
  ])
    assert.deepEqual(
      classify(text).map((f) => f.category),
      ['CARD'],
      text,
    );
});

test('a card dictated in pairs or with the first eight apart is a card; an odd grouping is not (table)', () => {
  for (const text of ['записал так: 44 05 63 82 90 18 60 06', 'перевела на 44056382 9018 6006'])
    assert.deepEqual(
      classify(text).map((f) => f.category),
      ['CARD'],
      text,
    );
  assert.deepEqual(cards('ref 44 0563 8290 186 006'), []);
});
