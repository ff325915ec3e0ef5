import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeAudit } from '../../src/audit/log.ts';
import { cliAs, unsealedRows } from '../helpers/actors.ts';
import { spawnCli } from '../helpers/import.ts';
import { writeJsonl } from '../helpers/messages.ts';
import { openQueues } from '../../src/pipeline/queues.ts';
import { redisUrl, removePrefix, testPrefix } from '../helpers/redis.ts';
import { createReviewWorld, inbound, type ReviewWorld } from '../helpers/review-setup.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * The defect: import, worker and agency commands never sealed, so a row they wrote stayed outside the chain until
 * some review command ran, and a database superuser could delete it undetected meanwhile.
 */
describe('security: every command seals the audit log before it exits; workers seal on a timer', () => {
  let w: ReviewWorld;
  let admin: string;
  const prefix = testPrefix();

  before(async () => {
    w = await createReviewWorld(['clinic']);
    w.env.AITU_GATEWAY_QUEUE_PREFIX = prefix;
    admin = await w.addUser('root', 'admin');
  });
  after(async () => {
    await removePrefix(prefix);
    await w?.close();
  });

  const assertAllSealed = async (what: string) =>
    assert.deepEqual(await unsealedRows(w), [], `${what} left unsealed audit rows`);

  it('agency add and agency set-policy', async () => {
    const file = path.join(w.dir, 'policy.yaml');
    writeFileSync(file, 'inbound:\n  IIN: block\n');
    const added = await cliAs(w, admin, ['agency', 'add', 'archive', '--name', 'Archive', '--policy', file]);
    assert.equal(added.code, 0, added.stderr);
    await assertAllSealed('agency add');
    const set = await cliAs(w, admin, ['agency', 'set-policy', 'archive', file]);
    assert.equal(set.code, 0, set.stderr);
    await assertAllSealed('agency set-policy');
  });

  it('a refused agency set-policy', async () => {
    const refused = await cliAs(w, null, ['agency', 'set-policy', 'archive', path.join(w.dir, 'policy.yaml')]);
    assert.equal(refused.code, 2);
    assert.ok((await w.query(`SELECT 1 FROM audit_log WHERE action = 'auth.refused'`)).length > 0);
    await assertAllSealed('a refused set-policy');
  });

  it('import jsonl (its run entries and every delivered batch)', async () => {
    const file = path.join(w.dir, 'history.jsonl');
    writeJsonl(
      file,
      Array.from({ length: 30 }, (_, i) =>
        inbound('-1005', 'Canteen', `${i + 1}`, `Обед в 13:${String(i).padStart(2, '0')}`),
      ),
    );
    const result = await cliAs(w, null, ['import', 'jsonl', file, '--agency', 'clinic', '--json', '--no-progress']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok((await w.query(`SELECT 1 FROM audit_log WHERE action = 'deliver.batch'`)).length > 0);
    await assertAllSealed('import jsonl');
  });

  /** Starts `worker --stages deliver` and waits until it is registered on the deliver queue. */
  async function startWorker(sealInterval: string) {
    const worker = spawnCli(['worker', '--stages', 'deliver', '--seal-interval', sealInterval], w.env);
    const queues = openQueues({ redisUrl, prefix });
    try {
      await waitFor(
        async () => worker.child.exitCode !== null || (await queues.deliver.getWorkersCount()) > 0,
        'the worker to start',
        20_000,
      );
    } finally {
      await queues.close();
    }
    assert.equal(worker.child.exitCode, null, 'the worker is running');
    return worker;
  }

  it('worker: seals on its timer while it runs', async () => {
    const { child, done } = await startWorker('1');
    try {
      // a row written while the worker runs (as a delivery by another process would) is sealed by the timer
      await writeAudit(w.db.store.pool, { actor: { name: 'test' }, action: 'test.while-running' });
      await waitFor(async () => (await unsealedRows(w)).length === 0, 'the timer to seal it', 10_000);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal((await done).code, 0);
  });

  it('worker: seals once more when it stops', async () => {
    const { child, done } = await startWorker('3600');
    await writeAudit(w.db.store.pool, { actor: { name: 'test' }, action: 'test.before-stop' });
    child.kill('SIGTERM');
    const stopped = await done;
    assert.equal(stopped.code, 0, stopped.stderr);
    await assertAllSealed('worker shutdown');
  });
});
