import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MONTH_NAME_LOCALES, mayStartMonthName, monthOfName } from './month-names.ts';

/** Forms typed from CLDR and real exports, independently of the Intl data the module reads. */
const forms: [string, string, number][] = [
  ['ru', 'янв.', 1],
  ['ru', 'февр.', 2],
  ['ru', 'мар.', 3],
  ['ru', 'марта', 3],
  ['ru', 'март', 3],
  ['ru', 'мая', 5],
  ['ru', 'май', 5],
  ['ru', 'июн.', 6],
  ['ru', 'июня', 6],
  ['ru', 'июл.', 7],
  ['ru', 'сент.', 9],
  ['ru', 'сентября', 9],
  ['ru', 'нояб.', 11],
  ['ru', 'декабря', 12],
  ['ru', 'ДЕК.', 12],
  ['ru', 'дек', 12],
  ['kk', 'қаң.', 1],
  ['kk', 'наурыз', 3],
  ['kk', 'Наурыз', 3],
  ['kk', 'мам.', 5],
  ['kk', 'мау.', 6],
  ['kk', 'маусым', 6],
  ['kk', 'қыркүйек', 9],
  ['kk', 'желтоқсан', 12],
  ['de', 'Jan.', 1],
  ['de', 'März', 3],
  ['de', 'Mär', 3],
  ['de', 'Mai', 5],
  ['de', 'Juni', 6],
  ['de', 'Okt.', 10],
  ['de', 'Dez.', 12],
  ['de', 'Dezember', 12],
  ['es', 'ene', 1],
  ['es', 'abr', 4],
  ['es', 'ago', 8],
  ['es', 'sept', 9],
  ['es', 'septiembre', 9],
  ['es', 'dic.', 12],
  ['fr', 'janv.', 1],
  ['fr', 'févr.', 2],
  ['fr', 'mars', 3],
  ['fr', 'juin', 6],
  ['fr', 'juil.', 7],
  ['fr', 'août', 8],
  ['fr', 'déc.', 12],
  ['pt', 'fev.', 2],
  ['pt', 'março', 3],
  ['pt', 'mai.', 5],
  ['pt', 'set.', 9],
  ['pt', 'out.', 10],
  ['pt', 'dezembro', 12],
  ['tr', 'Oca', 1],
  ['tr', 'Şub', 2],
  ['tr', 'Şubat', 2],
  ['tr', 'Mayıs', 5],
  ['tr', 'MAYIS', 5],
  ['tr', 'Ağu', 8],
  ['tr', 'Eki', 10],
  ['tr', 'EKİM', 10],
  ['tr', 'Kasım', 11],
  ['tr', 'Aralık', 12],
  ['en', 'Sept', 9],
  ['en', 'June', 6],
  ['en', 'AUG', 8],
];

describe('monthOfName', () => {
  for (const [language, form, month] of forms) {
    it(`reads ${language} ${form} as month ${month}`, () => assert.equal(monthOfName(form), month));
  }

  const words = ['Room', 'Meeting', 'jui', 'ma', 'совещание', 'de', ''];
  for (const word of words) it(`reads no month in "${word}"`, () => assert.equal(monthOfName(word), null));

  it('reads every form ICU writes for each locale as its own month, so no form was lost to a clash', () => {
    for (const locale of MONTH_NAME_LOCALES) {
      for (const month of ['short', 'long'] as const) {
        const inDate = new Intl.DateTimeFormat(locale, { day: 'numeric', month, timeZone: 'UTC' });
        const alone = new Intl.DateTimeFormat(locale, { month, timeZone: 'UTC' });
        for (let index = 0; index < 12; index++) {
          const date = new Date(Date.UTC(2022, index, 18));
          const written = [
            inDate.formatToParts(date).find((part) => part.type === 'month')?.value ?? '',
            alone.format(date),
          ].filter((form) => !/^\d/u.test(form));
          for (const form of written) assert.equal(monthOfName(form), index + 1, `${locale} ${form}`);
        }
      }
    }
  });
});

describe('mayStartMonthName', () => {
  it('lets through the first letter of a month name in any case, and nothing else', () => {
    for (const char of ['M', 'm', 'м', 'М', 'қ', 'Ş', 'f', 'A']) assert.ok(mayStartMonthName(char), char);
    for (const char of ['-', 'x', 'ъ', '1', ' ']) {
      assert.equal(mayStartMonthName(char), false, char);
    }
  });
});
