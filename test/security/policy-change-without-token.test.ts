import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openQueues, type Queues } from '../../src/pipeline/queues.ts';
import { auditOf, cliAs } from '../helpers/actors.ts';
import { redisUrl, removePrefix, testPrefix } from '../helpers/redis.ts';
import { createReviewWorld, PLANTED, type ReviewWorld } from '../helpers/review-setup.ts';

/**
 * The defect: with no token, `agency set-policy` (allow everything) went through, and `send` with an IIN and a
 * diagnosis was then queued for a foreign messenger; the actor was recorded only as "operator".
 */
describe('security: a policy change or a send without a token', () => {
  let w: ReviewWorld;
  let queues: Queues;
  const prefix = testPrefix();
  let allowAll: string;
  let admin: string;
  let officer: string;

  before(async () => {
    w = await createReviewWorld(['clinic']);
    w.env.AITU_GATEWAY_QUEUE_PREFIX = prefix;
    queues = openQueues({ redisUrl, prefix });
    allowAll = path.join(w.dir, 'allow-all.yaml');
    writeFileSync(allowAll, 'inbound:\n  default: allow\noutbound:\n  default: allow\n  HEALTH: allow\n');
    admin = await w.addUser('root', 'admin');
    officer = await w.addUser('olga', 'officer', ['clinic'], admin);
  });
  after(async () => {
    await queues?.close();
    await removePrefix(prefix);
    await w?.close();
  });

  const storedPolicy = async () =>
    (await w.query<{ policy: unknown }>(`SELECT policy FROM agencies WHERE slug = 'clinic'`))[0]!.policy;

  it('agency set-policy without a token is refused with exit 2, changes nothing, and the refusal is audited', async () => {
    const result = await cliAs(w, null, ['agency', 'set-policy', 'clinic', allowAll]);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr, /token/);
    assert.equal(await storedPolicy(), null, 'the policy is unchanged');
    const refused = await auditOf(w, 'auth.refused');
    assert.ok(
      refused.some((r) => r.details.command === 'agency set-policy'),
      JSON.stringify(refused),
    );
  });

  it('agency set-policy by an officer is refused with exit 1 and audited with that person', async () => {
    const result = await cliAs(w, officer, ['agency', 'set-policy', 'clinic', allowAll]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /needs the role admin/);
    assert.equal(await storedPolicy(), null);
    const refused = (await auditOf(w, 'auth.refused')).filter((r) => r.actor === 'olga');
    assert.equal(refused.length, 1);
    assert.equal(refused[0]!.details.command, 'agency set-policy');
    assert.equal(refused[0]!.details.role, 'officer');
  });

  it('send without a token is refused with exit 2 even where the policy allows everything: nothing recorded, nothing queued', async () => {
    await w.query(`UPDATE agencies SET policy = $1 WHERE slug = 'clinic'`, [
      JSON.stringify({ outbound: { default: 'allow', HEALTH: 'allow' } }),
    ]);
    const text = `ИИН ${PLANTED.iin}, диагноз ${PLANTED.diagnosis}`;
    const result = await cliAs(w, null, ['send', '--agency', 'clinic', '--to', 'telegram:-1009', text]);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr, /token/);
    assert.equal((await w.query(`SELECT 1 FROM outbound_attempts`)).length, 0, 'no attempt was recorded');
    const counts = await queues
      .outboundFor('telegram', w.agencies.clinic!)
      .getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed');
    assert.equal(
      Object.values(counts).reduce((a, b) => a + b, 0),
      0,
      'nothing was queued',
    );
    assert.ok((await auditOf(w, 'auth.refused')).some((r) => r.details.command === 'send'));
  });

  it('an admin changes the policy, and the entry names the admin (name, user id, role), not "operator"', async () => {
    await w.query(`UPDATE agencies SET policy = NULL WHERE slug = 'clinic'`);
    const result = await cliAs(w, admin, ['agency', 'set-policy', 'clinic', allowAll]);
    assert.equal(result.code, 0, result.stderr);
    assert.notEqual(await storedPolicy(), null);
    const entries = await auditOf(w, 'agency.set-policy');
    assert.equal(entries.length, 1);
    const [user] = await w.query<{ id: string }>(`SELECT id FROM users WHERE name = 'root'`);
    assert.equal(entries[0]!.actor, 'root');
    assert.equal(entries[0]!.details.userId, user!.id);
    assert.equal(entries[0]!.details.role, 'admin');
  });
});
