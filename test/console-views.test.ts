import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { html, trusted } from '../src/console/html.ts';
import { CATALOGS, languageFromHeader, LANGUAGES, translator } from '../src/i18n/index.ts';
import { en } from '../src/i18n/en.ts';
import { dayStart, localPath, queueFilter } from '../src/console/input.ts';
import { piecesOf } from '../src/console/views/marks.ts';
import type { FindingView } from '../src/review/items.ts';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

/** Keys whose text is the same in every language: the languages' own names. */
const SAME_EVERYWHERE = new Set(['language.kk', 'language.ru', 'language.en']);

describe('console: the kk, ru and en catalogs', () => {
  it('every key exists in all three, none empty, with the same placeholders', () => {
    const keys = Object.keys(en).sort();
    for (const language of LANGUAGES) {
      const catalog = CATALOGS[language] as Record<string, string>;
      assert.deepEqual(Object.keys(catalog).sort(), keys, `${language}: the same keys as en`);
      for (const key of keys) {
        assert.ok(catalog[key]!.trim() !== '', `${language}: ${key} is empty`);
        assert.deepEqual(placeholders(catalog[key]!), placeholders(en[key as keyof typeof en]), `${language}: ${key}`);
      }
    }
  });

  it('kk and ru are translations, not copies of the English', () => {
    for (const language of ['kk', 'ru'] as const) {
      const copied = Object.keys(en).filter(
        (key) => !SAME_EVERYWHERE.has(key) && CATALOGS[language][key as keyof typeof en] === en[key as keyof typeof en],
      );
      assert.deepEqual(copied, [], `${language}: keys left in English`);
    }
  });

  it('puts values in and formats numbers and dates per locale', () => {
    const ru = translator('ru', 'Asia/Almaty');
    assert.equal(ru.t('queue.total', { count: 1234 }), 'Подходящих элементов: 1\u00a0234');
    assert.equal(translator('en', 'UTC').t('queue.total', { count: 1234 }), 'Items matching: 1,234');
    assert.match(translator('kk', 'Asia/Almaty').dateTime('2024-02-01T09:00:00Z'), /2024.*ақп/);
    assert.match(ru.day('2024-02-01'), /1 февр\.? 2024/);
  });

  it('picks a language from Accept-Language by weight, and none when it names none of ours', () => {
    assert.equal(languageFromHeader('ru-RU,ru;q=0.9,en;q=0.8'), 'ru');
    assert.equal(languageFromHeader('de-DE, en;q=0.5, kk;q=0.7'), 'kk');
    assert.equal(languageFromHeader('fr, de'), null);
    assert.equal(languageFromHeader('kk;q=0, en'), 'en');
    assert.equal(languageFromHeader(undefined), null);
  });
});

describe('console: html escapes every value', () => {
  it('escapes text and attribute values; markup only from html itself', () => {
    const hostile = `"><script>alert('x')</script>&`;
    assert.equal(
      html`<p title="${hostile}">${hostile}</p>`.text,
      '<p title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</p>',
    );
    assert.equal(html`<ul>${['<a>', html`<li>ok</li>`]}</ul>`.text, '<ul>&lt;a&gt;<li>ok</li></ul>');
    assert.equal(html`${null}${undefined}${false}${0}`.text, '0');
    assert.equal(html`${trusted('<b>')}`.text, '<b>');
  });
});

const finding = (category: string, start: number, end: number, explanation: unknown = {}): FindingView => ({
  category,
  detector: category.toLowerCase(),
  confidence: 0.9,
  start,
  end,
  explanation,
});

describe('console: findings found again in the redacted text', () => {
  const original = 'ИИН 940101300123, тел +7 701 234 56 78.';
  const iin = finding('IIN', 4, 16);
  const phone = finding('PHONE', 22, 38);

  it('tags, keyed hashes and masks', () => {
    const tagged = piecesOf('ИИН [IIN], тел [PHONE].', [iin, phone]);
    assert.deepEqual(tagged, [
      { text: 'ИИН ' },
      { text: '[IIN]', findings: [0] },
      { text: ', тел ' },
      { text: '[PHONE]', findings: [1] },
      { text: '.' },
    ]);
    const hashed = piecesOf('ИИН [IIN:abc_DEF-12], тел [PHONE:zz].', [phone, iin]);
    assert.deepEqual(
      hashed?.filter((p) => 'findings' in p),
      [
        { text: '[IIN:abc_DEF-12]', findings: [1] },
        { text: '[PHONE:zz]', findings: [0] },
      ],
    );
    const masked = piecesOf('ИИН ********0123, тел +* *** *** 56 78.', [iin, phone]);
    assert.deepEqual(
      masked?.filter((p) => 'findings' in p).map((p) => p.text),
      ['********0123', '+* *** *** 56 78'],
    );
    assert.equal(original.slice(iin.start, iin.end), '940101300123');
  });

  it('an overlapping finding joins the one before; one in a structured part is not in the text', () => {
    const overlapping = finding('HEALTH', 6, 10);
    const elsewhere = finding('PHONE', 0, 5, { note: 'in extra.contact.phone_number' });
    const pieces = piecesOf('ИИН [IIN], тел [PHONE].', [iin, overlapping, phone, elsewhere]);
    assert.deepEqual(
      pieces?.filter((p) => 'findings' in p),
      [
        { text: '[IIN]', findings: [0, 1] },
        { text: '[PHONE]', findings: [2] },
      ],
    );
  });

  it('a text that does not line up gives no marks at all', () => {
    assert.equal(piecesOf('short', [phone]), null);
  });
});

describe('console: input', () => {
  it("a day is read as midnight in the console's time zone", () => {
    // Almaty was UTC+6 until March 2024 and is UTC+5 since: the zone's rules, not a fixed offset
    assert.equal(dayStart('2024-02-01', 'Asia/Almaty').toISOString(), '2024-01-31T18:00:00.000Z');
    assert.equal(dayStart('2024-06-01', 'Asia/Almaty').toISOString(), '2024-05-31T19:00:00.000Z');
    assert.equal(dayStart('2024-02-01', 'UTC').toISOString(), '2024-02-01T00:00:00.000Z');
    assert.throws(() => dayStart('2024-02-30', 'UTC'));
    assert.throws(() => dayStart('yesterday', 'UTC'));
  });

  it('the queue shows open items unless a status (or "any") is given', () => {
    assert.equal(queueFilter({}, 'UTC').filter.status, 'open');
    assert.equal(queueFilter({ status: '' }, 'UTC').filter.status, undefined);
    assert.equal(queueFilter({ status: 'escalated', category: 'health' }, 'UTC').filter.category, 'HEALTH');
    assert.throws(() => queueFilter({ status: 'gone' }, 'UTC'));
  });

  it('goes back only within the console', () => {
    assert.equal(localPath('/items/x?y=1'), '/items/x?y=1');
    for (const away of ['//evil.example', '/\\evil.example', 'https://evil.example', 'javascript:alert(1)', ''])
      assert.equal(localPath(away), '/queue', away);
  });
});
