import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../classify.ts';

const emails = (text: string) =>
  classify(text)
    .filter((f) => f.category === 'EMAIL')
    .map((f) => text.slice(f.start, f.end));

test('addresses, Cyrillic domains included', () => {
  assert.deepEqual(emails('пишите на ivan.petrov@mail.kz.'), ['ivan.petrov@mail.kz']);
  assert.deepEqual(emails('a.seitkali+gov@almaty.gov.kz, info@akimat.kz'), [
    'a.seitkali+gov@almaty.gov.kz',
    'info@akimat.kz',
  ]);
  assert.deepEqual(emails('почта: директор@школа.рф'), ['директор@школа.рф']);
  assert.deepEqual(emails('ЭП:ivan@mail.ru'), ['ivan@mail.ru']);
});

test('near misses', () => {
  assert.deepEqual(emails('@username in Telegram'), []);
  assert.deepEqual(emails('ivan@localhost'), []);
  assert.deepEqual(emails('ivan..petrov@mail.kz'), []);
  assert.deepEqual(emails('price 5@10 each'), []);
});

test('a repository remote and an address template are not addresses (table)', () => {
  for (const text of [
    'git clone git@gitlab.example.kz:team/app.git',
    'логин: фамилия.инициал@edu.kz',
    'the format is name.surname@gov.kz',
    'адрес вида xxx@mail.kz',
  ])
    assert.deepEqual(
      classify(text).map((f) => f.category),
      [],
      text,
    );
  assert.deepEqual(
    classify('пишите на aigerim.n@gov.kz').map((f) => f.category),
    ['EMAIL'],
  );
});

test('a space a phone keyboard left before the @ after a login-like name is still an address; after a word it is not', () => {
  assert.deepEqual(
    classify('отправьте на почту гостя erlan71 @mail.ru').map((f) => f.category),
    ['EMAIL'],
  );
  assert.deepEqual(
    classify('пишите на почту @mail.ru').map((f) => f.category),
    [],
  );
});

test('an address is found wherever its local part starts: after a space left before the @, after a long word, next to a failed one', () => {
  assert.deepEqual(emails('напишите erlan71 @mail.ru сегодня'), ['erlan71 @mail.ru']);
  // the run of local-part characters before the @ is longer than a local part may be: the address is its last 64
  const long = `${'x'.repeat(100)}ivan@mail.kz`;
  assert.deepEqual(emails(long), [long.slice(long.indexOf('@') - 64)]);
  assert.deepEqual(emails('нет@почты, но есть a.b@gov.kz'), ['a.b@gov.kz']);
  assert.deepEqual(emails('ключ 😀ivan@mail.kz'), ['ivan@mail.kz']);
});
