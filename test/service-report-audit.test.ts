import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChainContext } from '../src/audit/chain.ts';
import { ForbiddenError, type Actor } from '../src/auth/roles.ts';
import { exportAuditLog, verifyAuditLog } from '../src/service/audit.ts';
import { reportFor } from '../src/service/report.ts';
import { openInstallation } from '../src/store/installation.ts';
import { auditOf } from './helpers/actors.ts';
import { configFor } from './helpers/installation.ts';
import { createPeople } from './helpers/people.ts';
import { createReviewWorld, inbound, PLANTED, type ReviewWorld } from './helpers/review-setup.ts';

/** Reports and the audit log read through the service layer: who may read which agency's, and every read audited. */
describe('service: reports and the audit log keep to the reader’s agencies and audit every read', () => {
  let w: ReviewWorld;
  let people: Record<'root' | 'olga' | 'ada' | 'bea' | 'oleg', Actor>;
  let chain: ChainContext;

  before(async () => {
    w = await createReviewWorld(['a', 'b']);
    await w.deliver('a', [
      inbound('-1001', 'Polyclinic A', '1', `ИИН ${PLANTED.iin}`),
      inbound('-1001', 'Polyclinic A', '2', 'Планерка в 10:00'),
    ]);
    await w.deliver('b', [inbound('-2001', 'Ministry B', '1', `Диагноз: ${PLANTED.diagnosis}`)]);
    ({ actors: people } = await createPeople(w.db.store, {
      root: { role: 'admin' },
      olga: { role: 'officer', agencies: ['a'] },
      ada: { role: 'auditor' },
      bea: { role: 'auditor', agencies: ['b'] },
      oleg: { role: 'operator' },
    }));
    chain = (await openInstallation(w.db.store.pool, configFor(w.env), { signing: true })).chain;
  });
  after(async () => {
    await w?.close();
  });

  it("report: an officer of a reads a's, not b's; an auditor limited to b not a's; an operator none", async () => {
    const report = await reportFor(w.db.store, people.olga, 'a', { format: 'json' });
    assert.deepEqual([report.agency.slug, report.totals.imported, report.totals.quarantined], ['a', 2, 1]);
    await assert.rejects(
      reportFor(w.db.store, people.olga, 'b'),
      (e: unknown) => e instanceof ForbiddenError && /may not read the report of b/.test(e.message),
    );
    await assert.rejects(reportFor(w.db.store, people.bea, 'a'), ForbiddenError);
    await assert.rejects(reportFor(w.db.store, people.oleg, 'a'), ForbiddenError);
    assert.equal((await reportFor(w.db.store, people.bea, 'b')).totals.quarantined, 1);
    assert.equal((await reportFor(w.db.store, people.ada, 'a')).agency.slug, 'a', 'an auditor of every agency');
    const entries = await auditOf(w, 'report.generate');
    assert.deepEqual(
      entries.map((e) => [e.actor, e.subject, e.agency_id, e.details.format]),
      [
        ['olga', 'a', w.agencies.a, 'json'],
        ['bea', 'b', w.agencies.b, 'text'],
        ['ada', 'a', w.agencies.a, 'text'],
      ],
      'each report read is audited, a refused one is not generated',
    );
  });

  it('audit export: an auditor limited to b gets only entries of b; an officer is refused; the export is audited', async () => {
    await assert.rejects(exportAuditLog(w.db.store, people.olga, chain), ForbiddenError);
    const limited = await exportAuditLog(w.db.store, people.bea, chain, { format: 'csv' });
    assert.ok(limited.length > 0);
    assert.deepEqual(new Set(limited.map((e) => e.agency)), new Set(['b']));
    const all = await exportAuditLog(w.db.store, people.ada, chain);
    assert.ok(all.some((e) => e.agency === 'a') && all.some((e) => e.agency === null));
    assert.ok(
      all.every((e) => e.hash !== null),
      'sealed before the export: every entry comes with its hash',
    );
    assert.deepEqual(
      (await auditOf(w, 'audit.export')).map((e) => [e.actor, e.details.format, e.details.entries]),
      [
        ['bea', 'csv', limited.length],
        ['ada', 'text', all.length],
      ],
    );
  });

  it('audit verify: auditors and admins; the chain verifies and the verification is audited', async () => {
    await assert.rejects(verifyAuditLog(w.db.store, people.olga, chain), ForbiddenError);
    await assert.rejects(verifyAuditLog(w.db.store, people.oleg, chain), ForbiddenError);
    const { result, sealRefused } = await verifyAuditLog(w.db.store, people.ada, chain);
    assert.equal(sealRefused, null);
    assert.equal(result.ok, true, JSON.stringify(result.problems));
    assert.ok(result.checked > 0);
    const [entry] = await auditOf(w, 'audit.verify');
    assert.deepEqual([entry?.actor, entry?.details.ok, entry?.details.checked], ['ada', true, result.checked]);
  });
});
