import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { CATEGORIES, classify } from '../classifier/index.ts';
import type { Category, Finding } from '../classifier/index.ts';
import { decide, fileRedaction, mostSevere, withAttachments } from './decide.ts';
import { DEFAULT_POLICY } from './defaults.ts';
import { parsePolicyFile } from './parse-policy.ts';
import type { Direction, PolicyAction } from './policy-schema.ts';

/** One message per category, each making exactly that one real classifier finding. */
const SAMPLE: Record<Category, string> = {
  IIN: 'ИИН 940101300123',
  BIN: 'БИН 940140000385',
  PHONE: 'тел +7 701 123 45 67',
  EMAIL: 'пишите на ivan@mail.kz',
  CARD: 'card 4111 1111 1111 1111',
  IBAN: 'счет KZ86125KZT5004100100',
  PASSPORT: 'паспорт N12345678',
  ID_CARD: 'удостоверение личности 012345678',
  HEALTH: 'у него туберкулез',
};

const policy = (yaml: string) => parsePolicyFile(yaml, 'test.yaml');

test('the samples each make exactly one finding of their category', () => {
  for (const category of CATEGORIES)
    assert.deepEqual(
      classify(SAMPLE[category]).map((f) => f.category),
      [category],
      category,
    );
});

test('built-in defaults: every category in each direction', () => {
  const cases: [Direction, Category, PolicyAction, string][] = [
    ['inbound', 'IIN', 'quarantine', 'inbound.IIN=quarantine (default)'],
    ['inbound', 'BIN', 'redact', 'inbound.BIN=redact (default)'],
    ['inbound', 'PHONE', 'redact', 'inbound.PHONE=redact (default)'],
    ['inbound', 'EMAIL', 'redact', 'inbound.EMAIL=redact (default)'],
    ['inbound', 'CARD', 'quarantine', 'inbound.CARD=quarantine (default)'],
    ['inbound', 'IBAN', 'quarantine', 'inbound.IBAN=quarantine (default)'],
    ['inbound', 'PASSPORT', 'quarantine', 'inbound.PASSPORT=quarantine (default)'],
    ['inbound', 'ID_CARD', 'quarantine', 'inbound.ID_CARD=quarantine (default)'],
    ['inbound', 'HEALTH', 'quarantine', 'inbound.HEALTH=quarantine (default)'],
    ['outbound', 'IIN', 'block', 'outbound.IIN=block (default)'],
    ['outbound', 'BIN', 'block', 'outbound.BIN=block (default)'],
    ['outbound', 'PHONE', 'block', 'outbound.PHONE=block (default)'],
    ['outbound', 'EMAIL', 'block', 'outbound.EMAIL=block (default)'],
    ['outbound', 'CARD', 'block', 'outbound.CARD=block (default)'],
    ['outbound', 'IBAN', 'block', 'outbound.IBAN=block (default)'],
    ['outbound', 'PASSPORT', 'block', 'outbound.PASSPORT=block (default)'],
    ['outbound', 'ID_CARD', 'block', 'outbound.ID_CARD=block (default)'],
    ['outbound', 'HEALTH', 'block', 'outbound.HEALTH=block (health never leaves without an explicit override)'],
  ];
  assert.equal(cases.length, CATEGORIES.length * 2);
  for (const [direction, category, action, rule] of cases) {
    const text = SAMPLE[category];
    const d = decide(direction, text, classify(text), DEFAULT_POLICY);
    assert.equal(d.action, action, `${direction} ${category}`);
    assert.equal(d.rule, rule);
    assert.deepEqual(d.categories, [category]);
    assert.deepEqual(d.reasons, [{ category, action, rule }]);
    if (action === 'block') assert.equal(d.deliveredText, '');
    else
      assert.equal(
        d.deliveredText,
        text.replace(text.slice(classify(text)[0]!.start, classify(text)[0]!.end), `[${category}]`),
      );
    assert.equal(d.redacted, true);
  }
});

test('no personal data: allowed as written in both directions', () => {
  for (const direction of ['inbound', 'outbound'] as const) {
    assert.deepEqual(decide(direction, 'добрый день', [], DEFAULT_POLICY), {
      action: 'allow',
      rule: 'no personal data found',
      categories: [],
      deliveredText: 'добрый день',
      redacted: false,
      reasons: [],
    });
  }
});

test('a custom policy file changes each default decision', () => {
  const custom = policy(`
inbound:
  IIN: redact
  HEALTH: redact
  CARD: redact
  IBAN: block
  PASSPORT: allow
  ID_CARD: block
  BIN: allow
  PHONE: quarantine
  EMAIL: block
outbound:
  default: allow
  HEALTH: redact
`);
  for (const direction of ['inbound', 'outbound'] as const) {
    for (const category of CATEGORIES) {
      const text = SAMPLE[category];
      const before = decide(direction, text, classify(text), DEFAULT_POLICY);
      const after = decide(direction, text, classify(text), custom);
      assert.notEqual(after.action, before.action, `${direction} ${category}`);
      assert.match(after.rule, /\(agency policy( default)?\)$/);
    }
  }
});

test('custom entries and where each rule came from', () => {
  const cases: [string, Direction, Category, PolicyAction, string][] = [
    ['inbound: {IIN: allow}', 'inbound', 'IIN', 'allow', 'inbound.IIN=allow (agency policy)'],
    ['inbound: {IIN: redact}', 'inbound', 'IIN', 'redact', 'inbound.IIN=redact (agency policy)'],
    ['inbound: {IIN: block}', 'inbound', 'IIN', 'block', 'inbound.IIN=block (agency policy)'],
    ['inbound: {EMAIL: quarantine}', 'inbound', 'EMAIL', 'quarantine', 'inbound.EMAIL=quarantine (agency policy)'],
    ['inbound: {default: allow}', 'inbound', 'EMAIL', 'allow', 'inbound.EMAIL=allow (agency policy default)'],
    ['inbound: {default: allow}', 'inbound', 'HEALTH', 'allow', 'inbound.HEALTH=allow (agency policy default)'],
    [
      'inbound: {default: allow, IIN: quarantine}',
      'inbound',
      'IIN',
      'quarantine',
      'inbound.IIN=quarantine (agency policy)',
    ],
    ['inbound: {IIN: allow}', 'inbound', 'PHONE', 'redact', 'inbound.PHONE=redact (default)'],
    ['outbound: {PHONE: redact}', 'outbound', 'PHONE', 'redact', 'outbound.PHONE=redact (agency policy)'],
    ['outbound: {PHONE: redact}', 'outbound', 'EMAIL', 'block', 'outbound.EMAIL=block (default)'],
    ['outbound: {default: redact}', 'outbound', 'EMAIL', 'redact', 'outbound.EMAIL=redact (agency policy default)'],
    ['outbound: {HEALTH: allow}', 'outbound', 'HEALTH', 'allow', 'outbound.HEALTH=allow (agency policy)'],
    ['outbound: {HEALTH: redact}', 'outbound', 'HEALTH', 'redact', 'outbound.HEALTH=redact (agency policy)'],
    [
      'outbound: {default: allow}',
      'outbound',
      'HEALTH',
      'block',
      'outbound.HEALTH=block (health never leaves without an explicit override)',
    ],
    [
      'outbound: {default: redact}',
      'outbound',
      'HEALTH',
      'block',
      'outbound.HEALTH=block (health never leaves without an explicit override)',
    ],
    [
      'inbound: {HEALTH: allow}',
      'outbound',
      'HEALTH',
      'block',
      'outbound.HEALTH=block (health never leaves without an explicit override)',
    ],
  ];
  for (const [file, direction, category, action, rule] of cases) {
    const text = SAMPLE[category];
    const d = decide(direction, text, classify(text), policy(file));
    assert.equal(d.action, action, `${file} → ${direction} ${category}`);
    assert.equal(d.rule, rule, file);
  }
});

test('default: allow outbound lets the rest through but not health data in the same message', () => {
  const text = 'звоните +7 701 123 45 67, у пациента туберкулез';
  const d = decide('outbound', text, classify(text), policy('outbound: {default: allow}'));
  assert.equal(d.action, 'block');
  assert.equal(d.rule, 'outbound.HEALTH=block (health never leaves without an explicit override)');
  assert.deepEqual(
    d.reasons.map((r) => [r.category, r.action]),
    [
      ['PHONE', 'allow'],
      ['HEALTH', 'block'],
    ],
  );
  assert.equal(d.deliveredText, '');
});

test('the message takes the most severe action of its categories', () => {
  assert.equal(mostSevere([]), 'allow');
  const cases: [PolicyAction[], PolicyAction][] = [
    [['allow', 'redact'], 'redact'],
    [['redact', 'quarantine', 'allow'], 'quarantine'],
    [['quarantine', 'block'], 'block'],
    [['allow', 'allow'], 'allow'],
    [['block', 'allow', 'redact', 'quarantine'], 'block'],
  ];
  for (const [actions, expected] of cases) assert.equal(mostSevere(actions), expected, actions.join(','));

  const text = 'почта ivan@mail.kz, тел +7 701 123 45 67, ИИН 811201401188, счет KZ86125KZT5004100100';
  const findings = classify(text);
  const mixed = policy('inbound: {EMAIL: allow, PHONE: redact, IIN: quarantine, IBAN: redact}');
  const d = decide('inbound', text, findings, mixed);
  assert.equal(d.action, 'quarantine');
  assert.equal(d.rule, 'inbound.IIN=quarantine (agency policy)');
  assert.deepEqual(d.categories, ['EMAIL', 'IBAN', 'IIN', 'PHONE']);
  assert.deepEqual(
    d.reasons.map((r) => `${r.category}:${r.action}`),
    ['IIN:quarantine', 'PHONE:redact', 'EMAIL:allow', 'IBAN:redact'],
  );
  // quarantine delivers a tagged copy: every finding, even the allowed e-mail, is replaced
  assert.equal(d.deliveredText, 'почта [EMAIL], тел [PHONE], ИИН [IIN], счет [IBAN]');

  const blocked = decide('inbound', text, findings, policy('inbound: {EMAIL: allow, PHONE: block, IIN: quarantine}'));
  assert.equal(blocked.action, 'block');
  assert.equal(blocked.rule, 'inbound.PHONE=block (agency policy)');

  const firstOfEqual = decide(
    'inbound',
    'туберкулез, ИИН 940101300123',
    classify('туберкулез, ИИН 940101300123'),
    DEFAULT_POLICY,
  );
  assert.equal(firstOfEqual.rule, 'inbound.IIN=quarantine (default)');
  assert.deepEqual(firstOfEqual.categories, ['HEALTH', 'IIN']);
});

test('redact replaces only the findings whose category action is redact, with the policy operator', () => {
  const text = 'ИИН 940101300123, тел +7 701 123 45 67, почта ivan@mail.kz';
  const findings = classify(text);
  const cases: [string, string][] = [
    ['inbound: {IIN: redact, PHONE: redact, EMAIL: allow}', 'ИИН [IIN], тел [PHONE], почта ivan@mail.kz'],
    [
      'inbound: {IIN: redact, PHONE: redact, EMAIL: allow}\nredaction: {operator: mask}',
      'ИИН ********0123, тел +* *** *** 45 67, почта ivan@mail.kz',
    ],
    [
      'inbound: {default: redact}\nredaction: {operator: mask, keepLast: 2}',
      'ИИН **********23, тел +* *** *** ** 67, почта ****@****.**',
    ],
    ['inbound: {IIN: allow, PHONE: allow, EMAIL: redact}', 'ИИН 940101300123, тел +7 701 123 45 67, почта [EMAIL]'],
  ];
  for (const [file, expected] of cases) {
    const d = decide('inbound', text, findings, policy(file));
    assert.equal(d.action, 'redact', file);
    assert.equal(d.deliveredText, expected, file);
    assert.equal(d.redacted, true);
  }
  const allowed = decide('inbound', text, findings, policy('inbound: {default: allow}'));
  assert.equal(allowed.action, 'allow');
  assert.equal(allowed.deliveredText, text);
  assert.equal(allowed.redacted, false);
});

test('hash: the same value gives the same token across messages; without a key, tags', () => {
  const hashPolicy = policy('inbound: {IIN: redact, PHONE: redact}\nredaction: {operator: hash}');
  const hashKey = Buffer.from('k'.repeat(32));
  const one = 'ИИН 940101300123';
  const two = 'повторно: ИИН 940 101 300 123, тел +7 701 123 45 67';
  const other = 'ИИН 811201401188';
  const a = decide('inbound', one, classify(one), hashPolicy, { hashKey }).deliveredText;
  const b = decide('inbound', two, classify(two), hashPolicy, { hashKey }).deliveredText;
  const c = decide('inbound', other, classify(other), hashPolicy, { hashKey }).deliveredText;
  const token = /\[IIN:[A-Za-z0-9_-]{22}\]/;
  assert.match(a, token);
  assert.equal(a.match(token)?.[0], b.match(token)?.[0]);
  assert.notEqual(a.match(token)?.[0], c.match(token)?.[0]);
  assert.match(b, /тел \[PHONE:[A-Za-z0-9_-]{22}\]$/);
  assert.ok(!b.includes('940') && !c.includes('811201401188'));
  assert.equal(decide('inbound', one, classify(one), hashPolicy).deliveredText, 'ИИН [IIN]');
});

test('quarantine always tags, whatever the operator; block delivers nothing', () => {
  const text = 'ИИН 940101300123, тел +7 701 123 45 67';
  const masked = policy('redaction: {operator: mask}');
  const q = decide('inbound', text, classify(text), masked, { hashKey: Buffer.alloc(32) });
  assert.equal(q.action, 'quarantine');
  assert.equal(q.deliveredText, 'ИИН [IIN], тел [PHONE]');
  const b = decide('outbound', text, classify(text), masked);
  assert.deepEqual([b.action, b.deliveredText, b.redacted], ['block', '', true]);
});

test('rules and reasons never carry the matched values', () => {
  const text = 'ИИН 940101300123, ivan@mail.kz, +7 701 123 45 67, туберкулез, KZ86125KZT5004100100';
  for (const direction of ['inbound', 'outbound'] as const) {
    const d = decide(direction, text, classify(text), DEFAULT_POLICY);
    const stored = JSON.stringify({ action: d.action, rule: d.rule, categories: d.categories, reasons: d.reasons });
    for (const f of classify(text)) assert.ok(!stored.includes(text.slice(f.start, f.end)), f.category);
  }
});

test('findings given in any order, and repeated categories, decide the same', () => {
  const text = 'тел +7 701 123 45 67 или +7 702 765 43 21, ИИН 940101300123';
  const findings: Finding[] = classify(text);
  const reversed = [...findings].reverse();
  const p = policy('inbound: {IIN: redact}');
  assert.deepEqual(decide('inbound', text, reversed, p), decide('inbound', text, findings, p));
  assert.equal(decide('inbound', text, findings, p).deliveredText, 'тел [PHONE] или [PHONE], ИИН [IIN]');
  assert.deepEqual(decide('inbound', text, findings, p).categories, ['IIN', 'PHONE']);
});

describe('attachments: what a file holds decides with the message', () => {
  const none = decide('outbound', 'see the file', [], DEFAULT_POLICY);
  it('outbound: an attachment holding an IIN, or unreadable, blocks the message; a clean one changes nothing', () => {
    assert.equal(withAttachments('outbound', none, [], DEFAULT_POLICY), none);
    const iin = withAttachments('outbound', none, ['IIN'], DEFAULT_POLICY);
    assert.deepEqual(
      [iin.action, iin.rule, iin.deliveredText],
      ['block', 'attachment: outbound.IIN=block (default)', ''],
    );
    const unread = withAttachments('outbound', none, ['UNINSPECTED'], DEFAULT_POLICY);
    assert.deepEqual([unread.action, unread.categories], ['block', ['UNINSPECTED']]);
  });
  it('a file is not redacted in place: a category the policy would redact holds the message back instead', () => {
    const policy = parsePolicyFile('outbound:\n  PHONE: redact\ninbound:\n  PHONE: redact\n', 'agency.yaml');
    const outbound = withAttachments('outbound', none, ['PHONE'], policy);
    assert.deepEqual(
      [outbound.action, outbound.rule],
      ['block', 'attachment: outbound.PHONE=redact (agency policy) (a file is not redacted in place: block)'],
    );
    const inbound = withAttachments('inbound', decide('inbound', 'x', [], policy), ['PHONE'], policy);
    assert.equal(inbound.action, 'quarantine');
  });
  it('inbound defaults: an unreadable attachment is quarantined, a policy may block it', () => {
    const clean = decide('inbound', 'x', [], DEFAULT_POLICY);
    assert.equal(withAttachments('inbound', clean, ['UNINSPECTED'], DEFAULT_POLICY).action, 'quarantine');
    const strict = parsePolicyFile('inbound:\n  UNINSPECTED: block\n', 'agency.yaml');
    assert.equal(withAttachments('inbound', clean, ['UNINSPECTED'], strict).action, 'block');
  });
  it('redaction.attachments: boxes — inbound, a redacted copy makes the message redacted; without one it is held', () => {
    const policy = parsePolicyFile('inbound:\n  IIN: redact\nredaction:\n  attachments: boxes\n', 'agency.yaml');
    const clean = decide('inbound', 'x', [], policy);
    const boxed = withAttachments('inbound', clean, ['IIN'], policy, { filesRedacted: true });
    assert.deepEqual(
      [boxed.action, boxed.rule],
      ['redact', 'attachment: inbound.IIN=redact (agency policy) (black boxes)'],
    );
    assert.equal(withAttachments('inbound', clean, ['IIN'], policy, { filesRedacted: false }).action, 'quarantine');
    // a category policy quarantines is never boxed away
    assert.equal(
      withAttachments('inbound', clean, ['IIN', 'HEALTH'], policy, { filesRedacted: true }).action,
      'quarantine',
    );
    // outbound a file is never sent, boxed or not
    assert.equal(withAttachments('outbound', none, ['IIN'], policy, { filesRedacted: true }).action, 'block');
  });
  it('fileRedaction: the categories to black out, only where the policy asks and nothing stricter is found', () => {
    const boxes = parsePolicyFile(
      'inbound:\n  IIN: redact\n  PHONE: allow\nredaction:\n  attachments: boxes\n',
      'a.yaml',
    );
    assert.deepEqual(fileRedaction(['IIN', 'PHONE'], boxes), new Set(['IIN']));
    assert.equal(fileRedaction(['IIN', 'HEALTH'], boxes), null);
    assert.equal(fileRedaction(['PHONE'], boxes), null);
    assert.equal(fileRedaction(['UNINSPECTED'], boxes), null);
    assert.equal(fileRedaction(['IIN'], parsePolicyFile('inbound:\n  IIN: redact\n', 'a.yaml')), null);
  });
});
