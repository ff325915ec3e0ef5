import assert from 'node:assert/strict';
import { hostname, userInfo } from 'node:os';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addDeadLetters } from '../../src/pipeline/dead-letter.ts';
import { openQueues, type Queues } from '../../src/pipeline/queues.ts';
import { auditOf, cliAs, type AuditRow } from '../helpers/actors.ts';
import { writeJsonl } from '../helpers/messages.ts';
import { redisUrl, removePrefix, testPrefix } from '../helpers/redis.ts';
import {
  assertNoPersonalData,
  createReviewWorld,
  inbound,
  PLANTED,
  type ReviewWorld,
} from '../helpers/review-setup.ts';
import { loadKeyring, requireQueueKey } from '../../src/core/keys.ts';

/** The defect: `send`, `map`, `dlq retry`, `dlq purge` and `agency add --policy` wrote no audit entry at all. */
describe('security: every command that changes compliance state is audited with the person who ran it', () => {
  let w: ReviewWorld;
  let queues: Queues;
  const prefix = testPrefix();
  const users: Record<string, { token: string; id: string }> = {};

  before(async () => {
    w = await createReviewWorld(['clinic']);
    w.env.AITU_GATEWAY_QUEUE_PREFIX = prefix;
    queues = openQueues({ redisUrl, prefix, queueKey: requireQueueKey(await loadKeyring(w.keyFile)) });
    const admin = await w.addUser('root', 'admin');
    const operator = await w.addUser('oleg', 'operator', [], admin);
    for (const [name, token] of [
      ['root', admin],
      ['oleg', operator],
    ] as const) {
      users[name] = {
        token,
        id: (await w.query<{ id: string }>(`SELECT id FROM users WHERE name = $1`, [name]))[0]!.id,
      };
    }
  });
  after(async () => {
    await queues?.close();
    await removePrefix(prefix);
    await w?.close();
  });

  /** The one entry of this action, naming the person: actor name, user id and role. */
  async function entryBy(action: string, name: string, role: string): Promise<AuditRow> {
    const entries = await auditOf(w, action);
    assert.equal(entries.length, 1, `${action}: ${JSON.stringify(entries)}`);
    const entry = entries[0]!;
    assert.equal(entry.actor, name);
    assert.equal(entry.details.userId, users[name]!.id);
    assert.equal(entry.details.role, role);
    return entry;
  }

  it('agency add --policy (admin)', async () => {
    const file = path.join(w.dir, 'policy.yaml');
    writeFileSync(file, 'inbound:\n  IIN: block\n');
    const result = await cliAs(w, users.root!.token, [
      'agency',
      'add',
      'archive',
      '--name',
      'Archive',
      '--policy',
      file,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const entry = await entryBy('agency.add', 'root', 'admin');
    assert.equal(entry.subject, 'archive');
    assert.ok(entry.agency_id, 'the entry names the new agency');
    assert.deepEqual((entry.details.policy as { inbound: unknown }).inbound, { IIN: 'block' });
  });

  it('map add and map remove (operator)', async () => {
    const added = await cliAs(w, users.oleg!.token, [
      'map',
      'add',
      'clinic',
      'telegram:-1001987654321',
      'Пресс-служба',
    ]);
    assert.equal(added.code, 0, added.stderr);
    const add = await entryBy('map.add', 'oleg', 'operator');
    assert.equal(add.details.source, 'telegram:-1001987654321');
    const removed = await cliAs(w, users.oleg!.token, ['map', 'remove', 'clinic', 'telegram:-1001987654321']);
    assert.equal(removed.code, 0, removed.stderr);
    await entryBy('map.remove', 'oleg', 'operator');
  });

  it('send (operator): the attempt, target and digest, never the text; a blocked send too', async () => {
    const text = 'Совещание переносится на 11:00';
    const queued = await cliAs(w, users.oleg!.token, [
      'send',
      '--agency',
      'clinic',
      '--to',
      'telegram:-1009',
      text,
      '--json',
    ]);
    assert.equal(queued.code, 0, queued.stderr);
    const { attemptId } = JSON.parse(queued.stdout) as { attemptId: string };
    const entry = await entryBy('outbound.send', 'oleg', 'operator');
    const [attempt] = await w.query<{ text_digest: string; author: string }>(
      `SELECT text_digest, author FROM outbound_attempts WHERE id = $1`,
      [attemptId],
    );
    assert.equal(entry.subject, `outbound:${attemptId}`);
    assert.equal(entry.details.attemptId, attemptId);
    assert.deepEqual(entry.details.target, { platform: 'telegram', chatId: '-1009' });
    assert.equal(entry.details.textDigest, attempt!.text_digest);
    assert.equal(entry.details.status, 'queued');
    assert.equal(attempt!.author, 'oleg');
    assert.ok(!JSON.stringify(entry).includes('Совещание'), 'the text is not in the audit log');

    const blocked = await cliAs(w, users.oleg!.token, [
      'send',
      '--agency',
      'clinic',
      '--to',
      'telegram:-1009',
      `ИИН ${PLANTED.iin}`,
    ]);
    assert.equal(blocked.code, 1);
    const entries = await auditOf(w, 'outbound.send');
    assert.equal(entries.length, 2);
    assert.equal(entries[1]!.details.status, 'blocked');
    assertNoPersonalData(JSON.stringify(entries), 'the send entries');
  });

  it('dlq retry and dlq purge (operator, admin)', async () => {
    const failedAt = new Date().toISOString();
    const agencyId = w.agencies.clinic!;
    await addDeadLetters(
      queues,
      [1, 2, 3].map((n) => ({
        agencyId,
        runId: null,
        stage: 'ingest' as const,
        reason: `line ${n}: not valid`,
        message: inbound('-1001', 'Chat', `${n}`, `text ${n}`),
        failedAt,
      })),
    );
    const [first] = await queues['dead-letter'].getJobs(['waiting'], 0, 0, true);
    const retried = await cliAs(w, users.oleg!.token, ['dlq', 'retry', first!.id!]);
    assert.equal(retried.code, 0, retried.stderr);
    const retry = await entryBy('dlq.retry', 'oleg', 'operator');
    assert.equal(retry.details.count, 1);
    assert.deepEqual(retry.details.ids, [first!.id]);

    const purged = await cliAs(w, users.root!.token, ['dlq', 'purge']);
    assert.equal(purged.code, 0, purged.stderr);
    const purge = await entryBy('dlq.purge', 'root', 'admin');
    assert.equal(purge.details.count, 2);
  });

  it('imports need no token and record the OS user and host as their actor', async () => {
    const file = path.join(w.dir, 'history.jsonl');
    writeJsonl(file, [inbound('-1005', 'Canteen', '1', 'Обед в 13:00'), inbound('-1005', 'Canteen', '2', 'Спасибо')]);
    const result = await cliAs(w, null, ['import', 'jsonl', file, '--agency', 'clinic', '--json', '--no-progress']);
    assert.equal(result.code, 0, result.stderr);
    const { runId } = JSON.parse(result.stdout) as { runId: string };
    const os = `os:${userInfo().username}@${hostname()}`;
    const [start] = await auditOf(w, 'import.start');
    const [finish] = await auditOf(w, 'import.finish');
    assert.equal(start?.actor, os);
    assert.equal(finish?.actor, os);
    assert.equal(finish!.subject, `import-run:${runId}`);
    assert.equal(finish!.details.status, 'completed');
    const batches = (await auditOf(w, 'deliver.batch')).filter((r) => r.subject?.startsWith(`import-run:${runId}`));
    assert.ok(batches.length > 0);
    for (const batch of batches) assert.equal(batch.actor, os);
  });
});
