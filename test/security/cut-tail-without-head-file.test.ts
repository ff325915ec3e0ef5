import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createReviewWorld, inbound, PLANTED, type ReviewWorld } from '../helpers/review-setup.ts';
import { asAttacker } from '../helpers/attacker.ts';

/**
 * Defect: deleting the head file together with the last chain entries went undetected, because `audit verify`
 * wrote a new head for the shortened chain.
 */
const worlds: ReviewWorld[] = [];

/** As a database superuser would: the append-only triggers off for this session. */
async function sealedWorld(): Promise<{ w: ReviewWorld; admin: string; headFile: string; ids: string[] }> {
  const w = await createReviewWorld(['a']);
  worlds.push(w);
  for (let batch = 0; batch < 3; batch++)
    await w.deliver('a', [inbound('-1001', 'Polyclinic', `${batch + 1}`, `ИИН ${PLANTED.iin} запись ${batch}`)]);
  const admin = await w.addUser('root', 'admin');
  await w.addUser('olga', 'officer', ['a'], admin);
  const verified = await w.cli(['audit', 'verify'], admin);
  assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  const headFile = path.join(w.dir, 'audit-head.json');
  assert.ok(existsSync(headFile), 'sealing recorded a head');
  const ids = (await w.query<{ id: string }>(`SELECT id::text FROM audit_log ORDER BY audit_log.id`)).map((r) => r.id);
  return { w, admin, headFile, ids };
}

describe('security: a cut tail is detected without the head file', () => {
  after(async () => {
    for (const w of worlds) await w.close();
  });

  it('deleting the last entries with their links and the head file fails verification, and verify writes no new head', async () => {
    const { w, admin, headFile, ids } = await sealedWorld();
    const last = ids.slice(-3);
    await asAttacker(
      w.db.store.pool,
      `DELETE FROM audit_chain WHERE entry_id IN (${last.join(',')})`,
      `DELETE FROM audit_log WHERE id IN (${last.join(',')})`,
    );
    rmSync(headFile);
    const first = await w.cli(['audit', 'verify'], admin);
    assert.equal(first.code, 1, `verify must fail:\n${first.stdout}${first.stderr}`);
    assert.match(first.stderr, /audit log verification failed: .*no head/);
    assert.ok(!existsSync(headFile), 'verify did not write a head for the shortened chain');
    // nor does any later command: the chain stays unverifiable until the head file is restored
    assert.equal((await w.cli(['review', 'list'], admin)).code, 0);
    const second = await w.cli(['audit', 'verify', '--json'], admin);
    assert.equal(second.code, 1, second.stdout + second.stderr);
    assert.ok(
      (JSON.parse(second.stdout) as { problems: { kind: string }[] }).problems.some((p) => p.kind === 'head-missing'),
    );
  });

  it('a deleted head file alone fails verification too', async () => {
    const { w, admin, headFile } = await sealedWorld();
    rmSync(headFile);
    const result = await w.cli(['audit', 'verify'], admin);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stderr, /no head/);
  });
});
