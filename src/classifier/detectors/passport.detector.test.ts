import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../classify.ts';

const found = (text: string) =>
  classify(text).map((f) => [f.category, text.slice(f.start, f.end), f.explanation.contextId]);

test('N and 8 digits with a passport word', () => {
  assert.deepEqual(found('паспорт N12345678'), [['PASSPORT', 'N12345678', 'context:passport:pasport']]);
  assert.deepEqual(found('номер паспорта: N 12345678'), [['PASSPORT', 'N 12345678', 'context:passport:pasport']]);
  assert.deepEqual(found('төлқұжат нөмірі Н12345678'), [['PASSPORT', 'Н12345678', 'context:passport:tolquzhat']]);
  assert.deepEqual(found('Passport no. N12345678'), [['PASSPORT', 'N12345678', 'context:passport:passport']]);
});

test('without a context word, or with the wrong length, it is nothing', () => {
  assert.deepEqual(found('артикул N12345678'), []);
  assert.deepEqual(found('паспорт N1234567'), []);
  assert.deepEqual(found('паспорт N123456789'), []);
  assert.deepEqual(found('паспорт SN12345678'), []);
});

test('a bare match scores below the threshold but is explained at a lower one', () => {
  const [f] = classify('артикул N12345678', { minConfidence: 0.01 });
  assert.equal(f?.category, 'PASSPORT');
  assert.equal(f?.explanation.contextId, undefined);
  assert.ok((f?.confidence ?? 1) < 0.5);
});

test("a thing's passport is not a person's (table)", () => {
  const cases = [
    'Технический паспорт здания инв. № 12345678 в архиве',
    'техпаспорт N12345678 на автомобиль',
    'паспорт объекта N 12345678 обновить',
    'building passport N12345678 is outdated',
    'это не паспорт, а накладная N12345678',
  ];
  for (const text of cases) assert.deepEqual(found(text), [], text);
  assert.deepEqual(
    found('паспорт N12345678, выдан МВД').map(([c]) => c),
    ['PASSPORT'],
  );
});

test('a passport number written with a dash, or in a travel context without the word passport (table)', () => {
  for (const text of [
    'паспорт N-12345678',
    'для визы нужен номер N12345678',
    'embassy form: N12345678',
    'Қажылыққа баратындар: Ахметов – N12345678',
    'issaparğa: Dana – N12345678',
  ])
    assert.deepEqual(
      found(text).map(([c]) => c),
      ['PASSPORT'],
      text,
    );
  assert.deepEqual(found('тіркеу куәлігі N 12345678, төлқұжатпен бірге'), []);
});

test('a passport number in two groups of four is read whole', () => {
  assert.deepEqual(
    found('номер паспорта N 2244 2520').map(([c, v]) => [c, v]),
    [['PASSPORT', 'N 2244 2520']],
  );
});

test('a team list for a tournament abroad, and a booking number before a reminder about passports (table)', () => {
  assert.deepEqual(
    found('Жарысқа баратын спортшылар тізімі:\n1) Нұрланұлы Е. – N12345678').map(([c]) => c),
    ['PASSPORT'],
  );
  assert.deepEqual(found('Бронь номер N12345678, check-in 14:00, паспорттарды ұмытпаңдар'), []);
  // the document named a sentence before its number
  assert.deepEqual(
    found('Вахтаға баратын жұмысшылар паспорт көшірмесін әкелсін. Серікбаев тапсырды, нөмірі N-12345678').map(
      ([c]) => c,
    ),
    ['PASSPORT'],
  );
});

test("a form's template, a voucher's or an application's number next to a passport word are not passports (table)", () => {
  for (const text of [
    'В поле паспорт вводите в формате N00000000',
    'Лагерь voucher N12345678, паспорт копиясын кейін',
    'номер паспорта не указывайте, только номер заявки: N12345678',
  ])
    assert.deepEqual(found(text), [], text);
});

test('a passport number dictated in pairs or copied in cells is read; a pressure vessel has a passport too', () => {
  for (const text of ['продиктовал паспорт N 12 34 56 78', 'Паспорт: N 1 2 3 4 5 6 7 8'])
    assert.deepEqual(
      found(text).map(([c]) => c),
      ['PASSPORT'],
      text,
    );
  assert.deepEqual(found('Паспорт сосуда под давлением, заводской номер N 4417 8812'), []);
});

test('a passport written as "серия N, номер …" is read; a number with no document word near it is not a passport', () => {
  assert.deepEqual(
    found('в анкете визы два поля: серия N, номер 12345678').map(([c]) => c),
    ['PASSPORT'],
  );
  assert.deepEqual(found('Өтініш қабылданды, 15 жұмыс күні ішінде жауап береміз. N12345678'), []);
});

test('a passport named after its number reaches further; a longer hotel number is not one', () => {
  assert.deepEqual(
    found('N 1234 5678 — бұл менің шетелдік паспортым, визаға осыны жазыңыз').map(([c]) => c),
    ['PASSPORT'],
  );
  assert.deepEqual(found('Медина hotel confirmation N 9912 4418 7, 6 түн'), []);
});
