import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { sealAuditLog } from '../src/audit/chain.ts';
import { loadChainContext } from '../src/audit/context.ts';
import { configFor } from './helpers/installation.ts';
import { assertNoPersonalData, createReviewWorld, inbound, PLANTED, type ReviewWorld } from './helpers/review-setup.ts';
import { asAttacker } from './helpers/attacker.ts';

// tampering is done as an attacker with database superuser rights would (see asAttacker)
const worlds: ReviewWorld[] = [];

/** A log with delivery digests, user management and review actions in it, sealed and verified once. */
async function auditedWorld(): Promise<{ w: ReviewWorld; admin: string; ids: number[] }> {
  const w = await createReviewWorld(['a']);
  worlds.push(w);
  for (let batch = 0; batch < 3; batch++) {
    await w.deliver('a', [
      inbound('-1001', 'Polyclinic', `${batch * 2 + 1}`, `ИИН ${PLANTED.iin} запись ${batch}`),
      inbound('-1001', 'Polyclinic', `${batch * 2 + 2}`, `Планерка ${batch}`),
    ]);
  }
  const admin = await w.addUser('root', 'admin');
  await w.addUser('olga', 'officer', ['a'], admin);
  const listed = await w.cli(['review', 'list', '--json'], admin);
  const first = (JSON.parse(listed.stdout) as { id: string }[])[0]!;
  assert.equal((await w.cli(['review', 'show', first.id], admin)).code, 0);
  assert.equal((await w.cli(['review', 'decide', first.id, '--redact'], admin)).code, 0);
  const verified = await w.cli(['audit', 'verify'], admin);
  assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  const ids = (await w.query<{ id: string }>(`SELECT id::text FROM audit_log ORDER BY audit_log.id`)).map((r) =>
    Number(r.id),
  );
  assert.ok(ids.length >= 9, `enough entries (${ids.length})`);
  return { w, admin, ids };
}

async function verifyFails(w: ReviewWorld, token: string, pattern: RegExp): Promise<string> {
  const result = await w.cli(['audit', 'verify'], token);
  assert.equal(result.code, 1, `verify should fail:\n${result.stdout}${result.stderr}`);
  assert.match(result.stderr, /audit log verification failed: /);
  const first = result.stderr.split('\n').find((l) => l.includes('verification failed'))!;
  assert.match(first, pattern);
  return first;
}

describe('audit: hash chain, head file, verify and export', () => {
  after(async () => {
    for (const w of worlds) await w.close();
  });

  it('an untouched log verifies, also with deliveries and seals running concurrently', async () => {
    const { w, admin } = await auditedWorld();
    const context = await loadChainContext(configFor(w.env));
    assert.equal(context.headFile, path.join(w.dir, 'audit-head.json'));
    await Promise.all([
      ...Array.from({ length: 12 }, (_, i) =>
        w.deliver('a', [inbound('-1009', 'Busy', `${100 + i}`, `Сообщение ${i} ИИН ${PLANTED.iin2}`)]),
      ),
      ...Array.from({ length: 6 }, () => sealAuditLog(w.db.store.pool, context)),
    ]);
    const verified = await w.cli(['audit', 'verify', '--json'], admin);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    const result = JSON.parse(verified.stdout) as { ok: boolean; checked: number; problems: unknown[] };
    assert.equal(result.ok, true);
    const total = (await w.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log`))[0]!.n;
    assert.ok(result.checked >= total - 1, 'every entry but the verify entry itself was checked');
    const head = JSON.parse(readFileSync(context.headFile, 'utf8'));
    assert.equal(Object.keys(head.heads).length, 1);
    // the triggers refuse changes to both tables
    await assert.rejects(w.db.store.pool.query(`UPDATE audit_log SET actor = 'x' WHERE id = 1`), /append-only/);
    await assert.rejects(w.db.store.pool.query(`DELETE FROM audit_chain WHERE seq = 1`), /append-only/);
    await assert.rejects(w.db.store.pool.query(`TRUNCATE audit_chain`), /append-only/);
  });

  it('editing one row fails verify at that entry', async () => {
    const { w, admin, ids } = await auditedWorld();
    const target = ids[4]!;
    await asAttacker(
      w.db.store.pool,
      `UPDATE audit_log SET details = details || '{"delivered": 0}' WHERE id = ${target}`,
    );
    await verifyFails(w, admin, new RegExp(`entry ${target} does not match its seal`));
  });

  it('editing only the actor or the time is caught too', async () => {
    const { w, admin, ids } = await auditedWorld();
    await asAttacker(w.db.store.pool, `UPDATE audit_log SET at = at + interval '1 millisecond' WHERE id = ${ids[2]}`);
    await verifyFails(w, admin, new RegExp(`entry ${ids[2]} does not match`));
  });

  it('deleting one row fails verify naming it, whether or not its chain link is deleted too', async () => {
    const { w, admin, ids } = await auditedWorld();
    await asAttacker(w.db.store.pool, `DELETE FROM audit_log WHERE id = ${ids[5]}`);
    await verifyFails(w, admin, new RegExp(`entry ${ids[5]} was deleted`));

    const second = await auditedWorld();
    const target = second.ids[3]!;
    await asAttacker(
      second.w.db.store.pool,
      `DELETE FROM audit_log WHERE id = ${target}`,
      `DELETE FROM audit_chain WHERE entry_id = ${target}`,
    );
    await verifyFails(
      second.w,
      second.admin,
      new RegExp(`chain position \\d+ is missing: entry ${target} was deleted`),
    );
  });

  it('swapping two rows fails verify at the first of them', async () => {
    const { w, admin, ids } = await auditedWorld();
    const [x, y] = [ids[3]!, ids[6]!];
    await asAttacker(
      w.db.store.pool,
      `UPDATE audit_log SET id = -1 WHERE id = ${x}`,
      `UPDATE audit_log SET id = ${x} WHERE id = ${y}`,
      `UPDATE audit_log SET id = ${y} WHERE id = -1`,
    );
    await verifyFails(w, admin, new RegExp(`entry ${x} does not match its seal .*: it was edited, or swapped`));
  });

  it('deleting the last three entries with their chain links is a missing tail', async () => {
    const { w, admin, ids } = await auditedWorld();
    const last = ids.slice(-3);
    const keptLast = ids.at(-4)!;
    await asAttacker(
      w.db.store.pool,
      `DELETE FROM audit_chain WHERE entry_id IN (${last.join(',')})`,
      `DELETE FROM audit_log WHERE id IN (${last.join(',')})`,
    );
    await verifyFails(
      w,
      admin,
      new RegExp(`missing tail after entry ${keptLast} .*the head file says the chain reached entry ${last.at(-1)}`),
    );
    // later commands seal new entries but never move the recorded head back: the cut stays visible
    const again = await w.cli(['audit', 'verify'], admin);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /does not reach the head recorded|verification failed/);
  });

  it('an edited head file is detected', async () => {
    const { w, admin } = await auditedWorld();
    const file = path.join(w.dir, 'audit-head.json');
    const head = JSON.parse(readFileSync(file, 'utf8'));
    const db = Object.keys(head.heads)[0]!;
    head.heads[db].seq = '3';
    writeFileSync(file, JSON.stringify(head));
    await verifyFails(w, admin, /head file .* was altered/);
  });

  it('export: CSV and JSON with the chain hashes, no personal data; only auditors and admins', async () => {
    const { w, admin } = await auditedWorld();
    const auditor = await w.addUser('aidar', 'auditor', [], admin);
    const officer = await w.addUser('oleg', 'officer', ['a'], admin);
    const csv = await w.cli(['audit', 'export', '--csv'], auditor);
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.trim().split('\n');
    assert.equal(lines[0], 'id,at,actor,action,agency,subject,details,seq,hash');
    assert.ok(lines.some((l) => l.includes('deliver.batch')));
    assert.ok(lines.some((l) => l.includes('review.view-original')));
    assertNoPersonalData(csv.stdout, 'the audit export');
    const json = await w.cli(['audit', 'export', '--json', '--since', '2000-01-01'], admin);
    const entries = JSON.parse(json.stdout) as { hash: string | null }[];
    assert.ok(entries.length > 5 && entries.every((e) => e.hash && /^[0-9a-f]{64}$/.test(e.hash)));
    const future = await w.cli(['audit', 'export', '--json', '--since', '2999-01-01'], admin);
    assert.deepEqual(JSON.parse(future.stdout), []);
    const byOfficer = await w.cli(['audit', 'export'], officer);
    assert.equal(byOfficer.code, 1);
    const verify = await w.cli(['audit', 'verify'], officer);
    assert.equal(verify.code, 1);
  });
});
