import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../classifier/index.ts';
import { DEFAULT_POLICY } from './defaults.ts';
import { explainPolicyCheck } from './explain.ts';
import { parsePolicyFile } from './parse-policy.ts';

const text = 'ИИН 940101300123, почта ivan@mail.kz, тел +7 701 123 45 67';

test('the default policy, explained for both directions', () => {
  assert.equal(
    explainPolicyCheck(text, classify(text), DEFAULT_POLICY),
    [
      'found: IIN, PHONE, EMAIL',
      '',
      'inbound (foreign messenger → Aitu): QUARANTINE — inbound.IIN=quarantine (default)',
      '  IIN    quarantine  inbound.IIN=quarantine (default)',
      '  PHONE  redact      inbound.PHONE=redact (default)',
      '  EMAIL  redact      inbound.EMAIL=redact (default)',
      '  delivered to Aitu as a tagged copy: "ИИН [IIN], почта [EMAIL], тел [PHONE]"; the original is kept encrypted and a review item is opened',
      '',
      'outbound (Aitu → foreign messenger): BLOCK — outbound.IIN=block (default)',
      '  IIN    block       outbound.IIN=block (default)',
      '  PHONE  block       outbound.PHONE=block (default)',
      '  EMAIL  block       outbound.EMAIL=block (default)',
      '  not sent: the message is blocked',
    ].join('\n'),
  );
});

test('a custom policy: redacted and allowed text, and the hash note', () => {
  const policy = parsePolicyFile(
    'inbound: {default: allow, IIN: redact}\noutbound: {default: allow}\nredaction: {operator: hash}',
    'p.yaml',
  );
  const out = explainPolicyCheck(text, classify(text), policy);
  const lines = out.split('\n');
  assert.ok(lines.includes('inbound (foreign messenger → Aitu): REDACT — inbound.IIN=redact (agency policy)'), out);
  assert.ok(lines.includes('  EMAIL  allow       inbound.EMAIL=allow (agency policy default)'), out);
  assert.ok(lines.includes('  delivered to Aitu redacted: "ИИН [IIN], почта ivan@mail.kz, тел +7 701 123 45 67"'), out);
  assert.ok(
    lines.includes('  sent abroad as written: "ИИН 940101300123, почта ivan@mail.kz, тел +7 701 123 45 67"'),
    out,
  );
  assert.equal(
    lines.at(-1),
    'note: the policy redacts with a keyed hash; without the key, tags are shown in its place',
  );
  const keyed = explainPolicyCheck(text, classify(text), policy, { hashKey: Buffer.from('k'.repeat(32)) });
  assert.match(keyed, /delivered to Aitu redacted: "ИИН \[IIN:[A-Za-z0-9_-]{22}\], /);
  assert.ok(!keyed.includes('note:'));
});

test('a matched value appears only where the policy lets it through', () => {
  const message = 'Пациент ИИН 811201401188, диагноз туберкулез, карта 4111 1111 1111 1111, KZ86125KZT5004100100';
  const findings = classify(message);
  const values = findings.map((f) => message.slice(f.start, f.end));
  const policies = [
    DEFAULT_POLICY,
    parsePolicyFile(
      'inbound: {default: redact}\noutbound: {default: redact, HEALTH: redact}\nredaction: {operator: mask, keepLast: 0}',
      'm.yaml',
    ),
    parsePolicyFile('outbound: {default: allow}', 'o.yaml'),
  ];
  for (const policy of policies) {
    const out = explainPolicyCheck(message, findings, policy);
    for (const value of values) assert.ok(!out.includes(value), `${value} leaked:\n${out}`);
  }
});

test('no personal data, and repeated categories are counted', () => {
  assert.match(
    explainPolicyCheck('добрый день', [], DEFAULT_POLICY),
    /^found: no personal data\n\ninbound .*: ALLOW — no personal data found\n {2}delivered to Aitu as written: "добрый день"\n/,
  );
  const two = 'тел +7 701 123 45 67 или +7 702 765 43 21';
  assert.match(explainPolicyCheck(two, classify(two), DEFAULT_POLICY), /^found: PHONE ×2\n/);
});
