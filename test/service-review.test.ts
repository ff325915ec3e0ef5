import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ForbiddenError, type Actor } from '../src/auth/roles.ts';
import { actAs } from '../src/auth/session.ts';
import { UsageError } from '../src/core/errors.ts';
import { loadKeyring, type Keyring } from '../src/core/keys.ts';
import {
  decideReviewItem,
  decideReviewItems,
  escalateReviewItem,
  listReview,
  showReviewItem,
  viewOriginal,
} from '../src/service/review.ts';
import { auditOf, type AuditRow } from './helpers/actors.ts';
import { createPeople } from './helpers/people.ts';
import { assertNoPersonalData, createReviewWorld, inbound, PLANTED, type ReviewWorld } from './helpers/review-setup.ts';

const iinText = (n: string) => `ИИН заявителя ${PLANTED.iin}, прошу проверить ${n}`;
const healthText = (n: string) => `Пациенту поставлен диагноз ${PLANTED.diagnosis} легких ${n}`;

/**
 * The review operations called as a second front end would call them, with actors a token authenticates as, against
 * the real store: role, agency scope and audit are the service's, whoever calls it.
 */
describe('service: review operations enforce role, agency scope and audit', () => {
  let w: ReviewWorld;
  let people: Record<'root' | 'olga' | 'boris' | 'ada' | 'bea' | 'oleg', Actor>;
  let tokens: Record<keyof typeof people, string>;
  /** item id by `agency:message id` */
  const items = new Map<string, string>();
  /** how often a keyring was opened: refused operations never open it */
  let keyringOpened = 0;
  let keyring: Keyring;
  const keys = async () => {
    keyringOpened++;
    return keyring;
  };

  before(async () => {
    w = await createReviewWorld(['a', 'b']);
    keyring = await loadKeyring(w.keyFile);
    await w.deliver('a', [
      inbound('-1001', 'Polyclinic A', '1', iinText('a1')),
      inbound('-1001', 'Polyclinic A', '2', healthText('a2')),
      inbound('-1001', 'Polyclinic A', '3', iinText('a3')),
      inbound('-1002', 'Lab A', '4', healthText('a4')),
      inbound('-1002', 'Lab A', '5', iinText('a5')),
    ]);
    await w.deliver('b', [
      inbound('-2001', 'Ministry B', '1', iinText('b1')),
      inbound('-2001', 'Ministry B', '2', healthText('b2')),
    ]);
    ({ actors: people, tokens } = await createPeople(w.db.store, {
      root: { role: 'admin' },
      olga: { role: 'officer', agencies: ['a'] },
      boris: { role: 'officer', agencies: ['b'] },
      ada: { role: 'auditor' },
      bea: { role: 'auditor', agencies: ['b'] },
      oleg: { role: 'operator' },
    }));
    const rows = await w.query<{ id: string; slug: string; source_message_id: string }>(
      `SELECT r.id, a.slug, m.source_message_id FROM review_items r JOIN messages m ON m.id = r.message_id JOIN agencies a ON a.id = r.agency_id`,
    );
    for (const r of rows) items.set(`${r.slug}:${r.source_message_id}`, r.id);
    assert.equal(items.size, 7, 'every message with an IIN or a diagnosis was quarantined');
  });
  after(async () => {
    await w?.close();
  });

  const item = (key: string) => items.get(key)!;
  const status = async (key: string) =>
    (await w.query<{ status: string }>(`SELECT status FROM review_items WHERE id = $1`, [item(key)]))[0]!.status;
  const entriesAbout = async (action: string, key: string): Promise<AuditRow[]> =>
    (await auditOf(w, action)).filter((e) => e.subject === item(key));

  it('list: each reader gets their agencies only, and every listing is audited with its count', async () => {
    const agenciesOf = async (who: Actor) => new Set((await listReview(w.db.store, who, {})).map((i) => i.agency));
    assert.deepEqual(await agenciesOf(people.olga), new Set(['a']), 'an officer of a');
    assert.deepEqual(await agenciesOf(people.boris), new Set(['b']), 'an officer of b');
    assert.deepEqual(await agenciesOf(people.bea), new Set(['b']), 'an auditor limited to b');
    assert.deepEqual(await agenciesOf(people.ada), new Set(['a', 'b']), 'an auditor of every agency');
    assert.deepEqual(await agenciesOf(people.root), new Set(['a', 'b']), 'an admin');
    // naming another agency in the filter does not widen the scope
    assert.deepEqual(await listReview(w.db.store, people.olga, { agency: 'b' }), []);
    const listed = await auditOf(w, 'review.list');
    assert.deepEqual(
      listed.map((e) => [e.actor, e.details.count]),
      [
        ['olga', 5],
        ['boris', 2],
        ['bea', 2],
        ['ada', 7],
        ['root', 7],
        ['olga', 0],
      ],
    );
    await assert.rejects(listReview(w.db.store, people.oleg, {}), ForbiddenError, 'an operator reviews nothing');
    await assert.rejects(listReview(w.db.store, people.olga, {}, { limit: 0 }), UsageError);
    assert.equal((await auditOf(w, 'review.list')).length, 6, 'a refused listing writes no review.list entry');
  });

  it('show: an auditor gets the redacted item without its original or finding details, audited as review.show', async () => {
    const shown = await showReviewItem(w.db.store, people.ada, item('a:1'), keys);
    assert.equal(shown.original, null);
    assert.equal(keyringOpened, 0, 'the key file is not opened for someone who may not read the original');
    assertNoPersonalData(JSON.stringify(shown.item), 'what an auditor is shown');
    for (const f of shown.item.findings) assert.deepEqual(f.explanation, { category: f.category, rule: f.detector });
    const [entry] = await entriesAbout('review.show', 'a:1');
    assert.equal(entry?.actor, 'ada');
    assert.equal(entry!.details.original, false);
    assert.deepEqual(await entriesAbout('review.view-original', 'a:1'), []);
  });

  it('show: an officer of the agency gets the original, audited as review.view-original', async () => {
    const shown = await showReviewItem(w.db.store, people.olga, item('a:1'), keys);
    assert.equal(shown.original?.text, iinText('a1'));
    const [entry] = await entriesAbout('review.view-original', 'a:1');
    assert.equal(entry?.actor, 'olga');
    assert.equal(entry!.details.role, 'officer');
    assert.equal(entry!.agency_id, w.agencies.a);
  });

  it("view original: an auditor is refused whatever the agency, an officer of agency a does not see b's item", async () => {
    const opened = keyringOpened;
    await assert.rejects(viewOriginal(w.db.store, people.ada, item('a:1'), keys), ForbiddenError);
    await assert.rejects(viewOriginal(w.db.store, people.bea, item('b:1'), keys), ForbiddenError);
    await assert.rejects(
      viewOriginal(w.db.store, people.olga, item('b:1'), keys),
      (e: unknown) => e instanceof UsageError && /no review item .* that you may see/.test(e.message),
    );
    await assert.rejects(
      showReviewItem(w.db.store, people.olga, item('b:1'), keys),
      (e: unknown) => e instanceof UsageError && /no review item .* that you may see/.test(e.message),
      "another agency's item is reported like an unknown one",
    );
    assert.equal(keyringOpened, opened, 'no refused request opened the key file');
    assert.deepEqual(await entriesAbout('review.view-original', 'b:1'), [], 'nothing of b was viewed');
    assert.deepEqual(await entriesAbout('review.show', 'b:1'), []);
    const { original } = await viewOriginal(w.db.store, people.boris, item('b:1'), keys);
    assert.equal(original.text, iinText('b1'));
    assert.equal((await entriesAbout('review.view-original', 'b:1'))[0]?.actor, 'boris');
  });

  it('a refusal through actAs (as every front end calls) is audited as auth.refused with the person', async () => {
    await assert.rejects(
      actAs(w.db.store.pool, tokens.ada, 'review original', (actor) =>
        viewOriginal(w.db.store, actor, item('a:2'), keys),
      ),
      ForbiddenError,
    );
    const refused = (await auditOf(w, 'auth.refused')).filter((e) => e.details.command === 'review original');
    assert.equal(refused.length, 1);
    assert.equal(refused[0]!.actor, 'ada');
    assert.equal(refused[0]!.details.role, 'auditor');
    assert.equal(refused[0]!.details.authenticated, true);
  });

  it("decide: an officer of agency a cannot decide b's item; nothing changes and nothing is recorded as decided", async () => {
    await assert.rejects(
      decideReviewItem(w.db.store, people.olga, keys, item('b:2'), 'approve'),
      (e: unknown) => e instanceof UsageError && /no review item .* that you may see/.test(e.message),
    );
    assert.equal(await status('b:2'), 'open');
    assert.deepEqual(await entriesAbout('review.decide', 'b:2'), []);
    await assert.rejects(decideReviewItem(w.db.store, people.ada, keys, item('a:2'), 'approve'), ForbiddenError);
    assert.equal(await status('a:2'), 'open', 'an auditor decides nothing');
  });

  it('decide: each decision writes its review.decide entry, with the note as a digest only', async () => {
    const note = `checked with the applicant, ИИН ${PLANTED.iin2}`;
    const outcome = await decideReviewItem(w.db.store, people.olga, keys, item('a:1'), 'approve', note);
    assert.deepEqual(outcome, { id: item('a:1'), status: 'approved' });
    const delivered = await w.query<{ text: string }>(
      `SELECT m.text FROM messages m JOIN review_items r ON r.message_id = m.id WHERE r.id = $1`,
      [item('a:1')],
    );
    assert.equal(delivered[0]!.text, iinText('a1'), 'approve delivered the original');
    const [entry] = await entriesAbout('review.decide', 'a:1');
    assert.equal(entry?.actor, 'olga');
    assert.equal(entry!.agency_id, w.agencies.a);
    assert.deepEqual(
      [entry!.details.decision, entry!.details.from, entry!.details.to],
      ['approve', 'open', 'approved'],
    );
    assert.match(String(entry!.details.noteSha256), /^[0-9a-f]{64}$/);
    assert.ok(!JSON.stringify(entry).includes('applicant'), 'the note itself is not in the audit log');
    await assert.rejects(
      decideReviewItem(w.db.store, people.root, keys, item('a:1'), 'reject'),
      (e: unknown) => e instanceof ForbiddenError && /final/.test(e.message),
    );
    assert.equal((await entriesAbout('review.decide', 'a:1')).length, 1, 'a refused decision writes none');
  });

  it('escalate: audited; the officer can no longer decide it, an admin can', async () => {
    assert.deepEqual(await escalateReviewItem(w.db.store, people.olga, item('a:3'), 'not sure'), {
      id: item('a:3'),
      status: 'escalated',
    });
    assert.equal((await entriesAbout('review.escalate', 'a:3'))[0]?.actor, 'olga');
    await assert.rejects(
      decideReviewItem(w.db.store, people.olga, keys, item('a:3'), 'redact'),
      (e: unknown) => e instanceof ForbiddenError && /only an admin/.test(e.message),
    );
    await decideReviewItem(w.db.store, people.root, keys, item('a:3'), 'redact');
    assert.equal(await status('a:3'), 'redacted');
    assert.equal((await entriesAbout('review.decide', 'a:3'))[0]?.actor, 'root');
  });

  it("decide several: a filter reaches the officer's own agency only, an id of another agency fails alone", async () => {
    const byFilter = await decideReviewItems(
      w.db.store,
      people.olga,
      keys,
      { filter: { category: 'HEALTH' } },
      'redact',
    );
    assert.deepEqual(
      byFilter.done.map((o) => o.id).sort(),
      [item('a:2'), item('a:4')].sort(),
      "a's open HEALTH items, not b's",
    );
    assert.deepEqual(byFilter.failed, []);
    assert.equal(await status('b:2'), 'open');
    for (const key of ['a:2', 'a:4']) assert.equal((await entriesAbout('review.decide', key)).length, 1, key);
    const byIds = await decideReviewItems(w.db.store, people.olga, keys, { ids: [item('a:5'), item('b:1')] }, 'reject');
    assert.deepEqual(byIds.done, [{ id: item('a:5'), status: 'rejected' }]);
    assert.deepEqual(
      byIds.failed.map((f) => [f.id, f.error instanceof UsageError]),
      [[item('b:1'), true]],
    );
    assert.equal(await status('b:1'), 'open');
    await assert.rejects(
      decideReviewItems(w.db.store, people.ada, keys, { ids: [item('b:1')] }, 'reject'),
      ForbiddenError,
      'the role is checked before any item',
    );
  });

  it('no audit entry holds the personal data the items carry', async () => {
    const rows = await w.query(`SELECT actor, action, subject, details FROM audit_log`);
    assertNoPersonalData(JSON.stringify(rows), 'the audit log');
  });
});
