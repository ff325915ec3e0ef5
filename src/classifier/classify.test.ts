import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, CATEGORIES } from './index.ts';
import { resolveOverlaps } from './classify.ts';
import type { Candidate } from './types.ts';

const candidate = (over: Partial<Candidate>): Candidate => ({
  category: 'IIN',
  start: 0,
  end: 12,
  confidence: 0.8,
  detector: 'x',
  validated: false,
  explanation: { baseScore: 0.8, validator: 'none' },
  ...over,
});

test('overlaps: validated beats unvalidated, then longer, then higher confidence', () => {
  const validated = candidate({ category: 'CARD', validated: true, end: 10 });
  const longer = candidate({ category: 'ID_CARD', end: 16, confidence: 0.95 });
  assert.deepEqual(resolveOverlaps([longer, validated]), [validated]);
  const short = candidate({ category: 'HEALTH', end: 5, confidence: 0.99 });
  assert.deepEqual(resolveOverlaps([short, longer]), [longer]);
  const low = candidate({ category: 'PASSPORT', confidence: 0.6 });
  const high = candidate({ category: 'ID_CARD', confidence: 0.9 });
  assert.deepEqual(resolveOverlaps([low, high]), [high]);
  const apart = candidate({ start: 20, end: 30 });
  assert.deepEqual(resolveOverlaps([apart, high]), [high, apart]);
});

test('findings never overlap and slice to their matched text', () => {
  const text =
    'ИИН 940101300123 card 4111 1111 1111 1111 ivan@mail.kz +7 701 123 45 67 KZ86125KZT5004100100 у него туберкулез';
  const findings = classify(text);
  assert.deepEqual(
    findings.map((f) => f.category),
    ['IIN', 'CARD', 'EMAIL', 'PHONE', 'IBAN', 'HEALTH'],
  );
  for (let i = 1; i < findings.length; i++) assert.ok(findings[i - 1]!.end <= findings[i]!.start);
  assert.deepEqual(
    findings.map((f) => text.slice(f.start, f.end)),
    ['940101300123', '4111 1111 1111 1111', 'ivan@mail.kz', '+7 701 123 45 67', 'KZ86125KZT5004100100', 'туберкулез'],
  );
});

test('the threshold and the category filter', () => {
  const text = 'модель N12345678, ИИН 940101300123';
  assert.deepEqual(
    classify(text).map((f) => f.category),
    ['IIN'],
  );
  assert.deepEqual(
    classify(text, { minConfidence: 0.01 }).map((f) => f.category),
    ['PASSPORT', 'IIN'],
  );
  assert.deepEqual(classify(text, { minConfidence: 1 }), []);
  assert.deepEqual(
    classify(text, { categories: ['PASSPORT'], minConfidence: 0 }).map((f) => f.category),
    ['PASSPORT'],
  );
});

test('a category filter gives what the whole classification finds in those categories', () => {
  const text = 'Сотрудник Асель Нурланова, ИИН 940101300123, на больничном: у неё пневмония, Ds: J18.9';
  const all = classify(text);
  assert.ok(all.some((f) => f.category === 'HEALTH') && all.some((f) => f.category === 'IIN'), 'both found');
  assert.deepEqual(
    classify(text, { categories: ['IIN'] }),
    all.filter((f) => f.category === 'IIN'),
  );
  assert.deepEqual(
    classify(text, { categories: ['HEALTH'] }),
    all.filter((f) => f.category === 'HEALTH'),
  );
});

test('every finding explains itself', () => {
  for (const f of classify('ИИН 940101300123, Ds: J18.9, паспорт N12345678')) {
    assert.ok(CATEGORIES.includes(f.category));
    assert.equal(typeof f.explanation.baseScore, 'number');
    assert.ok(f.explanation.validator.length > 0);
    assert.ok(f.confidence >= 0 && f.confidence <= 1);
  }
});

test('never throws, whatever the string', () => {
  const nasty = [
    '',
    '\ud800',
    '\udfff\ud800x',
    '9'.repeat(100_000),
    '1 '.repeat(50_000),
    '+'.repeat(1000),
    '@'.repeat(1000),
    'a@'.repeat(5000),
    'KZ'.repeat(5000),
    'N1'.repeat(5000),
    '\u200b'.repeat(1000) + '940101300123',
    '𝟗'.repeat(5000),
    'ё'.repeat(1000),
    '(((((1)))))'.repeat(100),
    'ИИН' + '-'.repeat(1000),
  ];
  for (const s of nasty) assert.doesNotThrow(() => classify(s));
  assert.deepEqual(classify(undefined as unknown as string), []);
});

test('the combined pass, which skips the letters between numbers, still finds what starts farthest before its digits', () => {
  const found = (text: string) => classify(text).map((f) => [f.category, text.slice(f.start, f.end)]);
  // eleven characters from the number sign to the first digit: the farthest any alternative reaches
  const passport = 'Азаматтың паспорты №, nömırı: 01234567 берілді';
  assert.deepEqual(found(passport), [['PASSPORT', '№, nömırı: 01234567']]);
  // an IBAN spelt a character a cell has letters before its digits: such a text is read from its start
  const iban = 'реквизиты K Z 8 6 1 2 5 K Z T 5 0 0 4 1 0 0 1 0 0';
  assert.deepEqual(found(iban), [['IBAN', 'K Z 8 6 1 2 5 K Z T 5 0 0 4 1 0 0 1 0 0']]);
});

test('the e-mail pass, which starts near each @, finds an address whose local part is 64 letters outside the BMP', () => {
  const local = '𝐚'.repeat(64); // 64 code points, 128 UTF-16 units
  const text = `Жазыңыз: ${local}@mail.kz, рахмет`;
  const email = classify(text).filter((f) => f.category === 'EMAIL');
  assert.deepEqual(
    email.map((f) => text.slice(f.start, f.end)),
    [`${local}@mail.kz`],
  );
});
