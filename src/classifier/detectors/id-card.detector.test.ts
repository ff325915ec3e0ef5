import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../classify.ts';

const found = (text: string) =>
  classify(text).map((f) => [f.category, text.slice(f.start, f.end), f.explanation.contextId]);

test('nine digits with an identity-card word', () => {
  assert.deepEqual(found('удостоверение личности № 041234567'), [
    ['ID_CARD', '041234567', 'context:id-card:udostoverenie'],
  ]);
  assert.deepEqual(found('жеке куәлік 041234567'), [['ID_CARD', '041234567', 'context:id-card:zheke-kualik']]);
  assert.deepEqual(found('ID card 041234567'), [['ID_CARD', '041234567', 'context:id-card:id-card']]);
});

test('nine digits alone, or eight or ten with the word, are nothing', () => {
  assert.deepEqual(found('исх. 041234567'), []);
  assert.deepEqual(found('удостоверение 04123456'), []);
  assert.deepEqual(found('удостоверение 0412345678'), []);
});

test('short labels people type for the identity card count as its context', () => {
  for (const text of ['уд. 043219876, пропуск на вход', 'Ж.к. № 043219876 қоса беріңіз', 'JK nomiri 043219876']) {
    assert.deepEqual(
      found(text).map(([c, v]) => [c, v]),
      [['ID_CARD', '043219876']],
      text,
    );
  }
});

test('other certificates, and a negated card word, are not identity-card context (table)', () => {
  const cases = [
    'водительское удостоверение 043219876',
    'Удостоверение о повышении квалификации № 043219876',
    'жүргізуші куәлігі 043219876',
    'туу туралы куәлік 043219876',
    'служебное удостоверение 043219876 сдать в отдел кадров',
    'куәлік емес, бұл өтінімнің нөмірі 043219876',
    'это не удостоверение, а номер заявки 043219876',
    'driving licence certificate 043219876',
  ];
  for (const text of cases) assert.deepEqual(found(text), [], text);
});

test('the ID card called айди карта / aidi karta / айдишка counts as its context', () => {
  for (const text of ['Айди карта 043219876', 'aidi karta 043219876', 'айдишка номер 043219876'])
    assert.deepEqual(
      found(text).map(([c]) => c),
      ['ID_CARD'],
      text,
    );
});

test('a value in a pasted table takes its column header as context', () => {
  const text = 'ФИО | ИИН | № уд.л. | кем выдан\nКасымов Е.Б. | 940101300123 | 043219876 | МВД РК';
  assert.deepEqual(
    found(text).map(([c, v]) => [c, v]),
    [
      ['IIN', '940101300123'],
      ['ID_CARD', '043219876'],
    ],
  );
  // a column whose header is not a card's: the nine digits stay nothing
  assert.deepEqual(
    found('ФИО | № заявки\nКасымов Е.Б. | 043219876').map(([c]) => c),
    [],
  );
});

test('labels in Kazakh case forms and the order ID are told apart (table)', () => {
  for (const text of [
    'Сайлауда куәлігімді көрсеттім, нөмірі 043219876',
    'j.k. 043219876',
    'Onboarding: ID card 043219876',
  ])
    assert.deepEqual(
      found(text).map(([c]) => c),
      ['ID_CARD'],
      text,
    );
  for (const text of [
    'ID заказа Kaspi 043219876',
    'Transaction ID 043219876',
    'ТТН 043219876, бланки удостоверений по технике безопасности',
    'Біліктілік куәлігі № 043219876',
  ])
    assert.deepEqual(found(text), [], text);
});

test('ж/к is the ID card; a visit to the military office or a registration elsewhere in the line does not guard it', () => {
  for (const text of [
    'күйеу жігіттің ж/к №043219876',
    'Äskeri komissariatqa jeke kuälık 043219876 jäne tırkeu kuälıgın äkelıñız',
    'мүлікті тіркеу, сатып алушы жеке куәлікпен: 043219876',
  ])
    assert.deepEqual(
      found(text).map(([c]) => c),
      ['ID_CARD'],
      text,
    );
  assert.deepEqual(found('әскери билет 043219876'), []);
});

test('"client identified by ID card" is the card; "client ID" is not', () => {
  assert.deepEqual(
    found('client identified by ID card 043219876, valid until 2031').map(([c]) => c),
    ['ID_CARD'],
  );
  assert.deepEqual(found('client ID 043219876'), []);
});

test('an order code, an application to replace the card, and "ID not needed" are not the card (table)', () => {
  for (const text of [
    'Заказ коды 043219876, пунктқа келді, ID керек емес',
    'Номер заявки в ЦОН на замену удостоверения: 043219876',
    'Jeke kuälıktı auystyru ötınımı 043219876',
    'Біліктілікті арттыру туралы куәлік № 043219876',
  ])
    assert.deepEqual(found(text), [], text);
  assert.deepEqual(
    found('ломбард клиент ID card көрсетті, номер 043 219 876').map(([c]) => c),
    ['ID_CARD'],
  );
});

test('an ID-card number copied in cells of one digit, or after a bare "уд", is read; "удобно" is not a label', () => {
  for (const text of [
    'Документ: удостоверение личности\nНомер: 0 4 3 2 1 9 8 7 6',
    'доверенность на машину, мои данные: уд 043 219 876 от 2020 г',
    'оставила удостоверение на вахте: 043219876',
  ])
    assert.deepEqual(
      found(text).map(([c]) => c),
      ['ID_CARD'],
      text,
    );
  assert.deepEqual(found('удобно 043219876'), []);
});

test("a money transfer's control number, collected with the ID card, is the transfer's (table)", () => {
  for (const text of [
    'Почта: контрольный номер перевода 043 219 876, получить можно по удостоверению личности',
    'Ақша аударымының бақылау нөмірі 043 219 876, жеке куәлікпен алуға болады',
    'Money transfer control number 043 219 876, collect it with your ID card',
    'Каршеринг қолданушы ID 043219876',
  ])
    assert.deepEqual(found(text), [], text);
});
