import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CATEGORIES } from '../classifier/index.ts';
import { UsageError } from '../core/errors.ts';
import { DEFAULT_POLICY } from './defaults.ts';
import { parsePolicyFile, policyFromStored, serializePolicy } from './parse-policy.ts';

/** The problem lines of a refused file (the first line of the message is the summary). */
function problems(text: string, fileName = 'agency.yaml'): string[] {
  try {
    parsePolicyFile(text, fileName);
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    assert.equal(error.exitCode, 2);
    assert.match(error.message, new RegExp(`^policy file ${fileName.replace('.', '\\.')} has `));
    return error.message.split('\n').slice(1);
  }
  assert.fail(`expected ${fileName} to be refused`);
}

test('invalid files are refused naming the line and the field', () => {
  const cases: [string, string, string, RegExp?][] = [
    [
      'yaml syntax: tab indentation',
      'inbound:\n  IIN: quarantine\n\tEMAIL: allow\n',
      'agency.yaml:3: invalid YAML/JSON: ',
      /tab/i,
    ],
    [
      'yaml syntax: misaligned key',
      'inbound:\n  IIN: quarantine\n EMAIL: allow\n',
      'agency.yaml:3: invalid YAML/JSON: ',
    ],
    [
      'yaml syntax: duplicate key',
      'inbound:\n  IIN: allow\n  IIN: block\n',
      'agency.yaml:3: invalid YAML/JSON: ',
      /unique/,
    ],
    [
      'unknown category, suggested',
      'version: 1\ninbound:\n  default: redact\n  IIM: quarantine\n',
      'agency.yaml:4: inbound.IIM: ',
      /^unknown category "IIM"; did you mean "IIN"\?$/,
    ],
    [
      'unknown category, case',
      'outbound:\n  health: allow\n',
      'agency.yaml:2: outbound.health: ',
      /did you mean "HEALTH"\?$/,
    ],
    [
      'unknown category, listed',
      'inbound:\n  SNILS: block\n',
      'agency.yaml:2: inbound.SNILS: ',
      /the categories are IIN, BIN, PHONE, EMAIL, CARD, IBAN, PASSPORT, ID_CARD, HEALTH, UNINSPECTED \(or default\)$/,
    ],
    [
      'unknown action',
      'inbound:\n  EMAIL: alow\n',
      'agency.yaml:2: inbound.EMAIL: ',
      /^unknown action "alow"; the actions are allow, redact, quarantine, block; did you mean "allow"\?$/,
    ],
    [
      'unknown action, default',
      'outbound:\n  default: deny\n',
      'agency.yaml:2: outbound.default: ',
      /^unknown action "deny"; the outbound actions are allow, redact, block$/,
    ],
    [
      'outbound quarantine',
      'outbound:\n  default: block\n  PHONE: quarantine\n',
      'agency.yaml:3: outbound.PHONE: ',
      /^quarantine is not allowed outbound: a message sent abroad cannot be reviewed after the fact/,
    ],
    [
      'wrong type: number for action',
      'inbound:\n  IIN: 1\n',
      'agency.yaml:2: inbound.IIN: ',
      /^expected an action \(allow, redact, quarantine, block\), got the number 1$/,
    ],
    ['wrong type: empty action', 'inbound:\n  IIN:\n', 'agency.yaml:2: inbound.IIN: ', /got nothing$/],
    [
      'wrong type: string for a direction',
      'version: 1\ninbound: redact\n',
      'agency.yaml:2: inbound: ',
      /^expected a mapping of category: action, got "redact"$/,
    ],
    [
      'wrong type: keepLast',
      'redaction:\n  operator: mask\n  keepLast: four\n',
      'agency.yaml:3: redaction.keepLast: ',
      /^expected a whole number/,
    ],
    [
      'out of range: keepLast',
      'redaction:\n  operator: mask\n  keepLast: 99\n',
      'agency.yaml:3: redaction.keepLast: ',
      /0–16/,
    ],
    [
      'keepLast without mask',
      'redaction:\n  keepLast: 2\n',
      'agency.yaml:2: redaction.keepLast: ',
      /^keepLast applies only to operator: mask/,
    ],
    [
      'unknown way to redact files',
      'redaction:\n  attachments: blur\n',
      'agency.yaml:2: redaction.attachments: ',
      /^expected how files are redacted \(boxes, hold\), got "blur"$/,
    ],
    [
      'unknown operator',
      'redaction:\n  operator: encrypt\n',
      'agency.yaml:2: redaction.operator: ',
      /^unknown operator "encrypt"; the operators are tag, mask, hash$/,
    ],
    ['unknown top-level key', 'inbond:\n  IIN: allow\n', 'agency.yaml:1: inbond: ', /did you mean "inbound"\?$/],
    [
      'unsupported version',
      'version: 2\n',
      'agency.yaml:1: version: ',
      /^unsupported version 2; this gateway reads version 1$/,
    ],
    ['top level not a mapping', '- inbound\n- outbound\n', 'agency.yaml:1: (top level): ', /got a list$/],
  ];
  for (const [name, text, prefix, rest] of cases) {
    const lines = problems(text);
    assert.equal(lines.length, 1, `${name}: ${lines.join(' | ')}`);
    const line = lines[0] as string;
    assert.ok(line.startsWith(prefix), `${name}: ${line}`);
    if (rest) assert.match(line.slice(prefix.length), rest, name);
  }
});

test('JSON files: syntax errors and schema errors name their line too', () => {
  assert.deepEqual(problems('{\n  "inbound": {\n    "IIN": "allow"\n  }\n  "outbound": {}\n}\n', 'agency.json'), [
    'agency.json:5: invalid YAML/JSON: Missing , between flow map items',
  ]);
  const lines = problems(
    '{\n  "inbound": {\n    "IIN": "allow"\n  },\n  "outbound": {\n    "IIN": "quarantine"\n  }\n}\n',
    'agency.json',
  );
  assert.equal(lines.length, 1);
  assert.ok(lines[0]!.startsWith('agency.json:6: outbound.IIN: quarantine is not allowed outbound'), lines[0]);
});

test('every problem is listed, one per line, in file order', () => {
  const lines = problems(
    [
      'version: 1',
      'inbound:',
      '  default: redact',
      '  IIM: quarantine',
      '  EMAIL: alow',
      'outbound:',
      '  PHONE: quarantine',
      '  default: 3',
      'redaction:',
      '  operator: mask',
      '  keepLast: four',
      'extra: true',
    ].join('\n'),
  );
  assert.deepEqual(
    lines.map((l) => l.split(': ').slice(0, 2).join(': ')),
    [
      'agency.yaml:4: inbound.IIM',
      'agency.yaml:5: inbound.EMAIL',
      'agency.yaml:7: outbound.PHONE',
      'agency.yaml:8: outbound.default',
      'agency.yaml:11: redaction.keepLast',
      'agency.yaml:12: extra',
    ],
  );
});

test('a valid file: YAML and JSON give the same policy; missing fields are defaults', () => {
  const yaml = parsePolicyFile(
    'version: 1\ninbound:\n  default: redact\n  IIN: quarantine\n  EMAIL: allow\noutbound:\n  default: block\n  PHONE: redact\n  HEALTH: block\nredaction:\n  operator: mask\n  keepLast: 4\n',
    'a.yaml',
  );
  const json = parsePolicyFile(
    JSON.stringify({
      inbound: { default: 'redact', IIN: 'quarantine', EMAIL: 'allow' },
      outbound: { default: 'block', PHONE: 'redact', HEALTH: 'block' },
      redaction: { operator: 'mask' },
    }),
    'a.json',
  );
  const expected = {
    version: 1,
    inbound: { default: 'redact', IIN: 'quarantine', EMAIL: 'allow' },
    outbound: { default: 'block', PHONE: 'redact', HEALTH: 'block' },
    redaction: { operator: 'mask', keepLast: 4 },
  };
  assert.deepEqual(yaml, expected);
  assert.deepEqual(json, expected);
  for (const empty of [
    '',
    '# nothing yet\n',
    '{}',
    'version: 1\n',
    'inbound:\n  # IIN: allow\noutbound:\nredaction:\n',
  ])
    assert.deepEqual(parsePolicyFile(empty, 'e.yaml'), DEFAULT_POLICY);
  assert.deepEqual(parsePolicyFile('redaction: {operator: hash}', 'h.yaml').redaction, { operator: 'hash' });
});

test('every category and default is a valid key in both directions', () => {
  for (const key of [...CATEGORIES, 'default']) {
    assert.deepEqual(parsePolicyFile(`inbound: {${key}: quarantine}\noutbound: {${key}: allow}`, 'k.yaml'), {
      version: 1,
      inbound: { [key]: 'quarantine' },
      outbound: { [key]: 'allow' },
      redaction: { operator: 'tag' },
    });
  }
});

test('the documented example parses and says what it documents', () => {
  const file = new URL('../../docs/policy.example.yaml', import.meta.url);
  const policy = parsePolicyFile(readFileSync(file, 'utf8'), 'docs/policy.example.yaml');
  assert.equal(policy.inbound.EMAIL, 'allow');
  assert.equal(policy.inbound.IIN, 'quarantine');
  assert.equal(policy.outbound.default, 'block');
  assert.equal(policy.outbound.HEALTH, 'block');
  assert.equal(policy.outbound.PHONE, 'redact');
  assert.deepEqual(policy.redaction, { operator: 'tag', attachments: 'hold' });
  assert.deepEqual(policy.classifier?.spec, {
    ignore: { HEALTH: ['день борьбы с туберкулезом', 'скорая помощь'] },
    terms: { HEALTH: ['плазмаферез*', 'инсулиновая помпа'] },
    patterns: { ID_CARD: ['(?i)\\bemp-\\d{6}\\b'] },
  });
});

test('the stored JSON round-trips; null is the defaults; an invalid stored document is refused', () => {
  assert.equal(policyFromStored(null), DEFAULT_POLICY);
  assert.equal(policyFromStored(undefined), DEFAULT_POLICY);
  assert.deepEqual(serializePolicy(DEFAULT_POLICY), { version: 1 });
  const policies = [
    DEFAULT_POLICY,
    parsePolicyFile(
      'inbound: {default: allow, IIN: block}\noutbound: {HEALTH: allow}\nredaction: {operator: mask, keepLast: 2}',
      'a.yaml',
    ),
    parsePolicyFile('outbound: {PHONE: redact}\nredaction: {operator: hash}', 'b.yaml'),
    parsePolicyFile('inbound: {IIN: redact}\nredaction: {attachments: boxes}', 'c.yaml'),
    parsePolicyFile('redaction: {operator: mask, attachments: hold}', 'd.yaml'),
  ];
  for (const policy of policies) {
    const stored: unknown = JSON.parse(JSON.stringify(serializePolicy(policy)));
    assert.deepEqual(policyFromStored(stored), policy);
    assert.deepEqual(policyFromStored(JSON.stringify(stored)), policy);
  }
  assert.throws(
    () => policyFromStored({ outbound: { HEALTH: 'quarantine' } }),
    (error: unknown) =>
      error instanceof UsageError &&
      /the stored policy is invalid[^]*\n {2}outbound\.HEALTH: quarantine is not allowed outbound/.test(error.message),
  );
  assert.throws(() => policyFromStored('{not json'), UsageError);
});
