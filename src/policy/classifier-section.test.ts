import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyWithEffect } from '../classifier/index.ts';
import { UsageError } from '../core/errors.ts';
import { explainPolicyCheck } from './explain.ts';
import { parsePolicyFile, policyFromStored, serializePolicy } from './parse-policy.ts';

const VALID = `version: 1
inbound:
  HEALTH: quarantine
classifier:
  ignore:            # a recurring false positive
    HEALTH: ["скорая помощь", "день борьбы с туберкулезом"]
    IIN: ["940101300123"]
  terms:
    HEALTH: ["плазмаферез*", "инсулиновая помпа"]
  patterns:
    PASSPORT: ["\\\\bN\\\\d{8}\\\\b"]
`;

function problems(text: string): string[] {
  try {
    parsePolicyFile(text, 'agency.yaml');
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    return error.message.split('\n').slice(1);
  }
  assert.fail('expected agency.yaml to be refused');
}

test('a valid classifier section: compiled with the policy, kept as written through the store', () => {
  const policy = parsePolicyFile(VALID, 'agency.yaml');
  assert.ok(policy.classifier);
  const spec = {
    ignore: { IIN: ['940101300123'], HEALTH: ['скорая помощь', 'день борьбы с туберкулезом'] },
    terms: { HEALTH: ['плазмаферез*', 'инсулиновая помпа'] },
    patterns: { PASSPORT: ['\\bN\\d{8}\\b'] },
  };
  assert.deepEqual(policy.classifier.spec, spec);
  const stored = JSON.parse(JSON.stringify(serializePolicy(policy)));
  assert.deepEqual(stored.classifier, spec);
  const again = policyFromStored(stored);
  assert.deepEqual(again.classifier?.spec, spec);
  assert.deepEqual(again.inbound, { HEALTH: 'quarantine' });
  const text = 'паспорт у него N12345678, плазмаферез';
  assert.deepEqual(
    classifyWithEffect(text, again.classifier).findings.map((f) => f.detector),
    classifyWithEffect(text, policy.classifier).findings.map((f) => f.detector),
  );
});

test('an empty or absent classifier section is no section', () => {
  for (const text of [
    'inbound: {IIN: allow}\n',
    'classifier:\n',
    'classifier:\n  ignore:\n  terms: {}\n  patterns:\n    HEALTH: []\n',
  ]) {
    const policy = parsePolicyFile(text, 'agency.yaml');
    assert.equal(policy.classifier, undefined, text);
    assert.equal(serializePolicy(policy).classifier, undefined, text);
  }
});

test('malformed classifier sections are refused naming the line, the field and what to do', () => {
  const cases: [string, string, string, RegExp][] = [
    [
      'backreference',
      'classifier:\n  patterns:\n    PASSPORT:\n      - "\\\\bN\\\\d{8}\\\\b"\n      - "(a)\\\\1"\n',
      'agency.yaml:5: classifier.patterns.PASSPORT.1: ',
      /^not an RE2 pattern \(.*\); patterns run in linear time, so backreferences/,
    ],
    [
      'lookahead',
      'classifier:\n  patterns:\n    ID_CARD: ["x(?=y)"]\n',
      'agency.yaml:3: classifier.patterns.ID_CARD.0: ',
      /^not an RE2 pattern .*lookaround/,
    ],
    [
      'lookbehind',
      'classifier:\n  patterns:\n    ID_CARD:\n      - "(?<!a)b"\n',
      'agency.yaml:4: classifier.patterns.ID_CARD.0: ',
      /^not an RE2 pattern/,
    ],
    [
      'pattern matching empty text',
      'classifier:\n  patterns:\n    IIN: ["\\\\d*"]\n',
      'agency.yaml:3: classifier.patterns.IIN.0: ',
      /^matches empty text/,
    ],
    [
      'too costly pattern',
      'classifier:\n  patterns:\n    IIN: ["\\\\d{1000}\\\\w{1000}"]\n',
      'agency.yaml:3: classifier.patterns.IIN.0: ',
      /^too costly to run on every message \(RE2 program size \d+, at most 2000\)/,
    ],
    [
      'unquoted number',
      'classifier:\n  ignore:\n    IIN:\n      - 940101300123\n',
      'agency.yaml:4: classifier.ignore.IIN.0: ',
      /^expected text, got the number 940101300123; write it in quotes/,
    ],
    [
      'empty entry',
      'classifier:\n  ignore:\n    HEALTH: ["скорая помощь", ""]\n',
      'agency.yaml:3: classifier.ignore.HEALTH.1: ',
      /^an empty entry/,
    ],
    [
      'star inside a word',
      'classifier:\n  terms:\n    HEALTH:\n      - "гемо*диализ"\n',
      'agency.yaml:4: classifier.terms.HEALTH.0: ',
      /^"\*" may only end a word/,
    ],
    [
      'short stem',
      'classifier:\n  terms:\n    HEALTH: ["ле*"]\n',
      'agency.yaml:3: classifier.terms.HEALTH.0: ',
      /at least 3 characters before it/,
    ],
    [
      'entry not text',
      'classifier:\n  terms:\n    HEALTH:\n      - {word: x}\n',
      'agency.yaml:4: classifier.terms.HEALTH.0: ',
      /^expected a term as text, got a mapping$/,
    ],
    [
      'list expected',
      'classifier:\n  ignore:\n    HEALTH: скорая помощь\n',
      'agency.yaml:3: classifier.ignore.HEALTH: ',
      /^expected a list like \["скорая помощь"\], got "скорая помощь"$/,
    ],
    [
      'unknown category',
      'classifier:\n  terms:\n    HELTH: ["плазмаферез*"]\n',
      'agency.yaml:3: classifier.terms.HELTH: ',
      /^unknown category "HELTH"; did you mean "HEALTH"\?$/,
    ],
    [
      'unknown section',
      'classifier:\n  ignored:\n    HEALTH: ["x"]\n',
      'agency.yaml:2: classifier.ignored: ',
      /^unknown field "ignored"; did you mean "ignore"\?$/,
    ],
    [
      'section not a mapping',
      'classifier:\n  - ignore\n',
      'agency.yaml:1: classifier: ',
      /^expected a mapping \(ignore, terms, patterns\), got a list$/,
    ],
    [
      'too many per category',
      `classifier:\n  patterns:\n    IIN: [${Array.from({ length: 21 }, (_, i) => `"x${i}"`).join(', ')}]\n`,
      'agency.yaml:3: classifier.patterns.IIN: ',
      /^at most 20 entries per category in classifier\.patterns, this list has 21$/,
    ],
    [
      'too many over all categories',
      `classifier:\n  patterns:\n${['IIN', 'BIN', 'PHONE'].map((c) => `    ${c}: [${Array.from({ length: 18 }, (_, i) => `"${c}${i}"`).join(', ')}]`).join('\n')}\n`,
      'agency.yaml:2: classifier.patterns: ',
      /^at most 50 entries in classifier\.patterns over all categories, this section has 54$/,
    ],
    [
      'too long',
      `classifier:\n  ignore:\n    HEALTH: ["${'а'.repeat(201)}"]\n`,
      'agency.yaml:3: classifier.ignore.HEALTH.0: ',
      /^longer than 200 characters \(201\)$/,
    ],
  ];
  for (const [name, text, prefix, rest] of cases) {
    const lines = problems(text);
    assert.equal(lines.length, 1, `${name}: ${lines.join(' | ')}`);
    const line = lines[0]!;
    assert.ok(line.startsWith(prefix), `${name}: ${line}`);
    assert.match(line.slice(prefix.length), rest, name);
  }
});

test('every problem of the section is listed, each on its line', () => {
  const lines = problems(
    'classifier:\n  ignore:\n    IIN: [940101300123]\n  patterns:\n    HEALTH:\n      - "ok"\n      - "(a)\\\\1"\n      - "x(?=y)"\n',
  );
  assert.deepEqual(
    lines.map((l) => l.split(': ')[0]),
    ['agency.yaml:3', 'agency.yaml:7', 'agency.yaml:8'],
  );
});

test('a stored policy whose section no longer validates is refused, naming the field', () => {
  assert.throws(
    () => policyFromStored({ version: 1, classifier: { patterns: { IIN: ['(a)\\1'] } } }),
    /classifier\.patterns\.IIN\.0: not an RE2 pattern/,
  );
});

test('policy check shows what the section dropped and added, by entry, never the matched text', () => {
  const policy = parsePolicyFile(VALID, 'agency.yaml');
  const text = 'Всемирный день борьбы с туберкулезом; образец 940101300123; назначен плазмаферез';
  const effect = classifyWithEffect(text, policy.classifier);
  const out = explainPolicyCheck(text, effect.findings, policy, { effect });
  const lines = out.split('\n');
  const start = lines.indexOf("the policy's classifier section:");
  assert.ok(start > 0, out);
  const section = lines.slice(start + 1, start + 4).sort();
  assert.match(section[0]!, /^ {2}added {3}HEALTH \(agency-term\): by classifier\.terms\.HEALTH\.0 "плазмаферез\*"$/);
  assert.match(
    section[1]!,
    /^ {2}dropped HEALTH \(health-vocabulary, health:[a-z-]+:[a-z-]+\): ignored by classifier\.ignore\.HEALTH\.1 "день борьбы с туберкулезом"$/,
  );
  assert.equal(section[2], '  dropped IIN (iin): ignored by classifier.ignore.IIN.0 "940101300123"');
  assert.ok(
    lines.includes('inbound (foreign messenger → Aitu): QUARANTINE — inbound.HEALTH=quarantine (agency policy)'),
    out,
  );
  assert.match(out, /^found: HEALTH$/m);

  const quiet = classifyWithEffect('планерка в 10:00', policy.classifier);
  assert.ok(
    explainPolicyCheck('планерка в 10:00', quiet.findings, policy, { effect: quiet }).includes(
      "the policy's classifier section: dropped nothing, added nothing",
    ),
  );
});
