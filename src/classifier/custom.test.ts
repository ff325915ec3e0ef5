import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from './classify.ts';
import {
  classifyFor,
  classifyWithEffect,
  CustomClassifier,
  foldCase,
  patternProblem,
  phraseProblem,
  type CustomClassifierSpec,
} from './custom.ts';
import type { Finding } from './types.ts';

const IIN = '940101300123';
const OTHER_IIN = '811201401188';
/** A world health day, not a person's health: the recurring false positive an agency's ignore list is for. */
const TB_DAY = 'Всемирный день борьбы с туберкулезом: встреча в холле';

const summary = (text: string, findings: readonly Finding[]) =>
  findings.map(
    (f) =>
      `${f.category}:${f.detector}:${text.slice(f.start, f.end)}${f.explanation.termId?.startsWith('agency:') ? `:${f.explanation.termId}` : ''}`,
  );

test('without a section, classifyFor is classify', () => {
  const text = `ИИН ${IIN}, тел +7 701 234 56 78, ${TB_DAY}`;
  assert.deepEqual(classifyFor(text, undefined), classify(text));
  assert.deepEqual(classifyFor(text, null, { minConfidence: 0.95 }), classify(text, { minConfidence: 0.95 }));
  assert.deepEqual(classifyFor(text, new CustomClassifier({})), classify(text));
});

test('the fixtures are flagged by the built-in classifier (the premise of the ignore cases)', () => {
  assert.ok(
    classify(TB_DAY).some((f) => f.category === 'HEALTH'),
    'the vocabulary no longer flags the world TB day: pick another recurring false positive',
  );
  assert.ok(classify(`образец ИИН ${IIN}`).some((f) => f.category === 'IIN'));
});

test('ignore: table of texts, entries and what stays flagged', () => {
  const cases: { name: string; spec: CustomClassifierSpec; text: string; expect: string[] }[] = [
    {
      name: 'an IIN as written',
      spec: { ignore: { IIN: [IIN] } },
      text: `образец ИИН ${IIN}, заявитель ${OTHER_IIN}`,
      expect: [`IIN:iin:${OTHER_IIN}`],
    },
    {
      name: 'an IIN written with spaces matches the entry without',
      spec: { ignore: { IIN: [IIN] } },
      text: 'образец ИИН 940101 300123',
      expect: [],
    },
    {
      name: 'an IIN entry with spaces matches the IIN without',
      spec: { ignore: { IIN: ['9401 0130 0123'] } },
      text: `ИИН ${IIN}`,
      expect: [],
    },
    {
      name: 'a phone by its digits',
      spec: { ignore: { PHONE: ['+77012345678'] } },
      text: 'горячая линия +7 (701) 234-56-78',
      expect: [],
    },
    {
      name: 'another phone stays',
      spec: { ignore: { PHONE: ['+77012345678'] } },
      text: 'тел +7 701 234 56 79',
      expect: ['PHONE:phone:+7 701 234 56 79'],
    },
    {
      name: 'an e-mail, any case',
      spec: { ignore: { EMAIL: ['Info@Gov.kz'] } },
      text: 'пишите на info@gov.kz или ivan@mail.kz',
      expect: ['EMAIL:email:ivan@mail.kz'],
    },
    {
      name: 'a phrase around a health term',
      spec: { ignore: { HEALTH: ['день борьбы с туберкулезом'] } },
      text: TB_DAY,
      expect: [],
    },
    {
      name: 'a phrase: case, ё and spacing do not matter',
      spec: { ignore: { HEALTH: ['день борьбы с туберкулезом'] } },
      text: 'ДЕНЬ  БОРЬБЫ\nС ТУБЕРКУЛЁЗОМ',
      expect: [],
    },
    {
      name: 'a phrase with an open ending',
      spec: { ignore: { HEALTH: ['борьб* с туберкул*'] } },
      text: 'месячник борьбы с туберкулезом',
      expect: [],
    },
    {
      name: 'the same word about a person stays',
      spec: { ignore: { HEALTH: ['день борьбы с туберкулезом'] } },
      text: `${TB_DAY}. У Асель туберкулез`,
      expect: ['HEALTH:health-vocabulary:туберкулез'],
    },
    {
      name: 'only its own category',
      spec: { ignore: { HEALTH: [IIN] } },
      text: `ИИН ${IIN}`,
      expect: [`IIN:iin:${IIN}`],
    },
    {
      name: 'a phrase needs whole words',
      spec: { ignore: { HEALTH: ['день борьбы с туберкулезом'] } },
      text: 'предень борьбы с туберкулезом',
      expect: ['HEALTH:health-vocabulary:туберкулезом'],
    },
  ];
  for (const c of cases) {
    const custom = new CustomClassifier(c.spec);
    assert.deepEqual(summary(c.text, classifyFor(c.text, custom)), c.expect, c.name);
  }
});

test('terms and patterns: table of texts and the findings they add', () => {
  const spec: CustomClassifierSpec = {
    terms: { HEALTH: ['плазмаферез*', 'кохлеарный имплант'], ID_CARD: ['служебное удостоверение'] },
    patterns: { PASSPORT: ['\\bN\\d{8}\\b'], ID_CARD: ['(?i)\\bemp-\\d{6}\\b'] },
  };
  const custom = new CustomClassifier(spec);
  const cases: [string, string, string[]][] = [
    ['an open term, inflected', 'ему назначен плазмаферез', ['HEALTH:agency-term:плазмаферез:agency:HEALTH:0']],
    ['an open term, any case', 'ПЛАЗМАФЕРЕЗА три раза в неделю', ['HEALTH:agency-term:ПЛАЗМАФЕРЕЗА:agency:HEALTH:0']],
    ['not inside a longer word', 'предплазмаферезный период', []],
    [
      'a phrase over any white space',
      'у неё кохлеарный\n имплант',
      ['HEALTH:agency-term:кохлеарный\n имплант:agency:HEALTH:1'],
    ],
    ['a closed term needs its word to end', 'кохлеарный имплантах', []],
    [
      'another category',
      'предъявил служебное удостоверение',
      ['ID_CARD:agency-term:служебное удостоверение:agency:ID_CARD:0'],
    ],
    ['a pattern', 'номер N12345678 проверен', ['PASSPORT:agency-pattern:N12345678:agency:PASSPORT:0']],
    ['a case-insensitive pattern', 'табельный EMP-123456', ['ID_CARD:agency-pattern:EMP-123456:agency:ID_CARD:0']],
    [
      'a pattern on folded digits, spans into the original',
      'табельный emp-１２３４５６ ок',
      ['ID_CARD:agency-pattern:emp-１２３４５６:agency:ID_CARD:0'],
    ],
    ['nothing of it', 'планерка в 10:00', []],
  ];
  // the section's own findings, over no built-in ones: what the built-in model makes of these texts is not the point
  for (const [name, text, expect] of cases)
    assert.deepEqual(summary(text, custom.applyToFindings(text, []).findings), expect, name);
  // the built-in classifier alone finds none of them
  assert.deepEqual(classify('номер N12345678 проверен'), []);
});

test('agency findings: never the matched text in the explanation; built-in findings win overlaps; options apply', () => {
  const custom = new CustomClassifier({
    terms: { HEALTH: ['туберкулез*'] },
    patterns: { IIN: ['\\d{12}'], PHONE: ['\\d{3}-\\d{2}-\\d{2}'] },
  });
  const text = `ИИН ${IIN}, у него туберкулез, код 123-45-67`;
  const findings = classifyFor(text, custom);
  assert.deepEqual(summary(text, findings), [
    `IIN:iin:${IIN}`,
    'HEALTH:health-vocabulary:туберкулез',
    'PHONE:agency-pattern:123-45-67:agency:PHONE:0',
  ]);
  const added = findings.find((f) => f.detector === 'agency-pattern')!;
  assert.deepEqual(added.explanation, {
    baseScore: 0.85,
    validator: 'none',
    termId: 'agency:PHONE:0',
    note: "the agency's policy",
  });
  assert.ok(!JSON.stringify(findings.map((f) => f.explanation)).includes('123-45-67'));
  assert.deepEqual(
    summary(text, classifyFor(text, custom, { minConfidence: 0.9 })),
    summary(text, classify(text, { minConfidence: 0.9 })),
  );
  assert.deepEqual(summary(text, classifyFor(text, custom, { categories: ['IIN'] })), [`IIN:iin:${IIN}`]);
});

test('classifyWithEffect: what the ignore list dropped (by entry) and what the terms added', () => {
  const custom = new CustomClassifier({
    ignore: { HEALTH: ['скорая помощь', 'день борьбы с туберкулезом'], IIN: [IIN] },
    terms: { HEALTH: ['плазмаферез*'] },
  });
  const text = `${TB_DAY}; образец ${IIN}; плазмаферез`;
  const effect = classifyWithEffect(text, custom);
  assert.deepEqual(effect.dropped.map((d) => `${d.finding.category} by ${d.ignore}`).sort(), [
    'HEALTH by 1',
    'IIN by 0',
  ]);
  assert.deepEqual(summary(text, effect.added), ['HEALTH:agency-term:плазмаферез:agency:HEALTH:0']);
  assert.deepEqual(effect.findings, effect.added);
  assert.equal(custom.entryOf('agency-term', 'agency:HEALTH:0'), 'плазмаферез*');
  assert.equal(custom.entryOf('agency-pattern', 'agency:HEALTH:0'), undefined);
  assert.equal(custom.entryOf('health-vocabulary', 'health:ru:doctor'), undefined);
  // an agency's own term it also ignores is dropped like any other finding
  const both = new CustomClassifier({
    ignore: { HEALTH: ['плазмаферезный центр'] },
    terms: { HEALTH: ['плазмаферез*'] },
  });
  assert.deepEqual(classifyFor('плазмаферезный центр открыт', both), []);
});

test('phrases and patterns an agency may not use', () => {
  const phrases: [string, RegExp | null][] = [
    ['скорая помощь', null],
    ['плазмаферез*', null],
    ['борьб* с туберкул*', null],
    ['', /empty/],
    ['   ', /empty/],
    ['—', /no letter or digit/],
    ['аб*', /at least 3 characters before it/],
    ['ab*c', /may only end a word/],
    ['x'.repeat(201), /longer than 200 characters/],
  ];
  for (const [phrase, problem] of phrases) {
    const found = phraseProblem(phrase);
    if (problem === null) assert.equal(found, null, phrase);
    else assert.match(found ?? '', problem, phrase);
  }
  const patterns: [string, RegExp | null][] = [
    ['\\bN\\d{8}\\b', null],
    ['(?i)emp-\\d{6}', null],
    ['(a)\\1', /not an RE2 pattern .*backreferences/],
    ['a(?=b)', /not an RE2 pattern .*lookaround/],
    ['a(?!b)', /not an RE2 pattern/],
    ['(?<=a)b', /not an RE2 pattern/],
    ['[unclosed', /not an RE2 pattern \(.*missing closing \]/],
    ['\\d{1000}\\w{1000}', /too costly to run on every message \(RE2 program size \d+, at most 2000\)/],
    ['a*', /matches empty text/],
    ['', /empty pattern/],
    ['x'.repeat(301), /longer than 300 characters/],
  ];
  for (const [pattern, problem] of patterns) {
    const found = patternProblem(pattern);
    if (problem === null) assert.equal(found, null, pattern);
    else assert.match(found ?? '', problem, pattern);
  }
  assert.throws(
    () => new CustomClassifier({ patterns: { IIN: ['(a)\\1'] } }),
    /classifier\.patterns\.IIN\.0: not an RE2 pattern/,
  );
});

test('foldCase keeps every offset: a letter whose lower case is longer stays as it is', () => {
  for (const text of ['ДЕНЬ Ёлки', 'İnsulin pump İ', 'ǅ ß ﬃ', 'emoji 😀 ok']) {
    assert.equal(foldCase(text).length, text.length, text);
  }
  assert.equal(foldCase('ДЕНЬ Ёлки'), 'день елки');
});
