import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UnrecoverableError } from 'bullmq';
import { SendOutcomeUnknownError } from '../../src/core/bridge.ts';
import { submitOutbound, sendOutbound } from '../../src/outbound/gate.ts';
import { loadKeyring, requireQueueKey } from '../../src/core/keys.ts';
import { openQueues, outboundJobId, type OutboundPayload, type Queues } from '../../src/pipeline/queues.ts';
import { DEFAULT_POLICY } from '../../src/policy/index.ts';
import { auditOf, cliAs } from '../helpers/actors.ts';
import { projectRoot } from '../helpers/cli.ts';
import { redisUrl, removePrefix, testPrefix } from '../helpers/redis.ts';
import { assertNoPersonalData, createReviewWorld, PLANTED, type ReviewWorld } from '../helpers/review-setup.ts';
import { IdempotentStandInBridge, StandInBridge } from '../helpers/stand-in-bridge.ts';
import { sleep } from '../helpers/wait.ts';

/**
 * The defects: an attempt was marked sent only after the bridge returned, so a crash in between sent it twice; and
 * the queued text was not checked against the recorded digest, so whoever could write to Redis bypassed the gate.
 */
describe('security: an outbound message is sent at most once, and only as the gate allowed it', () => {
  let w: ReviewWorld;
  let queues: Queues;
  const prefix = testPrefix();
  const actor = { id: '00000000-0000-0000-0000-000000000001', name: 'oleg', role: 'operator' as const, agencyIds: [] };

  before(async () => {
    w = await createReviewWorld(['clinic']);
    w.env.AITU_GATEWAY_QUEUE_PREFIX = prefix;
    queues = openQueues({ redisUrl, prefix, queueKey: requireQueueKey(await loadKeyring(w.keyFile)) });
  });
  after(async () => {
    await queues?.close();
    await removePrefix(prefix);
    await w?.close();
  });

  /** An allowed message through the real gate; returns the payload as it sits in Redis, opened with the queue key. */
  async function queued(text: string): Promise<OutboundPayload> {
    const result = await submitOutbound(
      w.db.store,
      queues,
      { agencyId: w.agencies.clinic!, target: { platform: 'telegram', chatId: '-1009' }, text },
      { policy: DEFAULT_POLICY },
      actor,
    );
    assert.equal(result.status, 'queued');
    const outbound = queues.outboundFor('telegram', w.agencies.clinic!);
    const job = await outbound.getJob(outboundJobId(result.attemptId));
    return outbound.open(job!);
  }

  const attempt = async (id: string) =>
    (
      await w.query<{ status: string; idempotency_key: string | null; foreign_message_id: string | null }>(
        `SELECT * FROM outbound_attempts WHERE id = $1`,
        [id],
      )
    )[0]!;

  /** A worker process that dies right after its bridge sent the payload; returns what the bridge sent. */
  async function crashWhileSending(
    payload: OutboundPayload,
    mode: 'plain' | 'idempotent',
  ): Promise<{ chatId: string; text: string; idempotencyKey: string | null }[]> {
    const sentFile = path.join(w.dir, `sent-${payload.attemptId}.jsonl`);
    writeFileSync(sentFile, '');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(projectRoot, 'test/fixtures/outbound-crash.ts'),
        w.db.url,
        JSON.stringify(payload),
        sentFile,
        mode,
      ],
      { cwd: projectRoot, env: { ...process.env, ...w.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const signal = await new Promise((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    assert.equal(signal, 'SIGKILL', output);
    return readFileSync(sentFile, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  }

  /** The job run again, as BullMQ does with a stalled job; retried while the dead worker's session is still closing. */
  async function runAgain(payload: OutboundPayload, bridge: StandInBridge): Promise<unknown> {
    for (let i = 0; ; i++) {
      try {
        return await sendOutbound(w.db.store, payload, { telegram: bridge });
      } catch (error) {
        if (error instanceof UnrecoverableError || i >= 50) throw error;
        await sleep(100);
      }
    }
  }

  it('a crash between the bridge call and the record: the attempt is found sending, not resent, marked uncertain and reported', async () => {
    const payload = await queued('Совещание переносится на 11:00');
    const first = await crashWhileSending(payload, 'plain');
    assert.equal(first.length, 1, 'the dead worker did send it once');
    assert.equal(
      (await attempt(payload.attemptId)).status,
      'sending',
      'recorded as sending before the bridge was called',
    );

    const telegram = new StandInBridge('telegram');
    await assert.rejects(
      runAgain(payload, telegram),
      (error: unknown) => error instanceof UnrecoverableError && /uncertain/.test((error as Error).message),
    );
    assert.equal(telegram.sent.length, 0, 'not sent a second time');
    assert.equal((await attempt(payload.attemptId)).status, 'uncertain');
    const [entry] = (await auditOf(w, 'outbound.uncertain')).filter((e) => e.details.attemptId === payload.attemptId);
    assert.ok(entry, 'an audit entry asks a person to check');

    // `status` reports it for a person to check
    const status = await cliAs(w, null, ['status', '--json']);
    assert.equal(status.code, 0, status.stderr);
    const report = JSON.parse(status.stdout) as { outboundUncertain: { attemptId: string }[] };
    assert.ok(
      report.outboundUncertain.some((a) => a.attemptId === payload.attemptId),
      status.stdout,
    );

    // a further replay of the job changes nothing
    await assert.rejects(sendOutbound(w.db.store, payload, { telegram }), UnrecoverableError);
    assert.equal(telegram.sent.length, 0);

    // the person who checked the chat records what they found (operator or admin), audited
    const admin = await w.addUser('root', 'admin');
    const operator = await w.addUser('oleg', 'operator', [], admin);
    const resolved = await cliAs(w, operator, ['outbound', 'resolve', payload.attemptId, '--sent', '4242']);
    assert.equal(resolved.code, 0, resolved.stderr);
    const done = await attempt(payload.attemptId);
    assert.equal(done.status, 'sent');
    assert.equal(done.foreign_message_id, '4242');
    const [resolution] = await auditOf(w, 'outbound.resolve');
    assert.equal(resolution?.actor, 'oleg');
    assert.equal(resolution!.details.outcome, 'sent');
    assert.equal(
      (await cliAs(w, operator, ['outbound', 'resolve', payload.attemptId, '--not-sent'])).code,
      2,
      'only an uncertain attempt is resolved',
    );
  });

  it('a bridge that cannot tell whether it sent: uncertain, not retried; one that surely did not send: queued again', async () => {
    const unsure = await queued('Отчёт отправлен');
    const timingOut = {
      platform: 'telegram' as const,
      sends: 0,
      async send() {
        this.sends++;
        throw new SendOutcomeUnknownError('stand-in: timed out after the request was written');
      },
    };
    await assert.rejects(sendOutbound(w.db.store, unsure, { telegram: timingOut }), UnrecoverableError);
    assert.equal((await attempt(unsure.attemptId)).status, 'uncertain');
    assert.equal(timingOut.sends, 1);

    const refused = await queued('Отчёт готов');
    const telegram = new StandInBridge('telegram');
    telegram.failNext(1);
    await assert.rejects(
      sendOutbound(w.db.store, refused, { telegram }),
      (error: unknown) => !(error instanceof UnrecoverableError),
    );
    assert.equal((await attempt(refused.attemptId)).status, 'queued');
    await sendOutbound(w.db.store, refused, { telegram });
    assert.equal(telegram.sent.length, 1);
  });

  it('a second job for an attempt being sent right now waits (retried later) and sends nothing', async () => {
    const payload = await queued('Созвон в 16:00');
    const holder = await w.db.store.pool.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock(hashtext('aitu-gateway-outbound'), hashtext($1))`, [
        payload.attemptId,
      ]);
      const telegram = new StandInBridge('telegram');
      await assert.rejects(
        sendOutbound(w.db.store, payload, { telegram }),
        (error: unknown) => !(error instanceof UnrecoverableError) && /being sent/.test((error as Error).message),
      );
      assert.equal(telegram.sent.length, 0);
      assert.equal((await attempt(payload.attemptId)).status, 'queued');
    } finally {
      await holder.query(`SELECT pg_advisory_unlock_all()`);
      holder.release();
    }
  });

  it('where the platform takes an idempotency key, the same key is sent again: one message on the platform', async () => {
    const payload = await queued('Планерка в 10:00');
    const [first] = await crashWhileSending(payload, 'idempotent');
    const key = (await attempt(payload.attemptId)).idempotency_key;
    assert.ok(key, 'the key is recorded before the bridge is called');
    assert.equal(first!.idempotencyKey, key);

    const platform = new IdempotentStandInBridge('telegram');
    platform.remember(key!, '777');
    assert.equal(await runAgain(payload, platform), '777');
    assert.equal(platform.sent.length, 0, 'the platform recognised the key: nothing new was sent');
    const after = await attempt(payload.attemptId);
    assert.equal(after.status, 'sent');
    assert.equal(after.foreign_message_id, '777');
  });

  it('a payload whose text is not the text the gate allowed is refused and audited as tampering', async () => {
    const payload = await queued('Приём переносится на 15:00');
    const telegram = new StandInBridge('telegram');
    const tampered = { ...payload, text: `ИИН ${PLANTED.iin}, диагноз ${PLANTED.diagnosis}` };
    await assert.rejects(
      sendOutbound(w.db.store, tampered, { telegram }),
      (error: unknown) => error instanceof UnrecoverableError && /digest/.test((error as Error).message),
    );
    const otherChat = { ...payload, target: { platform: 'telegram', chatId: '-1000666' } };
    await assert.rejects(sendOutbound(w.db.store, otherChat, { telegram }), UnrecoverableError);
    assert.equal(telegram.sent.length, 0);
    const entries = (await auditOf(w, 'outbound.tampered')).filter((e) => e.details.attemptId === payload.attemptId);
    assert.equal(entries.length, 2);
    assertNoPersonalData(JSON.stringify(entries), 'the tampering entries');

    // the genuine payload still goes, once
    assert.equal(await sendOutbound(w.db.store, payload, { telegram }), telegram.sent[0]!.messageId);
    await sendOutbound(w.db.store, payload, { telegram });
    assert.equal(telegram.sent.length, 1);
    assert.equal((await attempt(payload.attemptId)).status, 'sent');
  });

  it('a payload for a blocked or unrecorded attempt is refused and audited as tampering', async () => {
    const text = `Его ИИН ${PLANTED.iin}`;
    const blocked = await submitOutbound(
      w.db.store,
      queues,
      { agencyId: w.agencies.clinic!, target: { platform: 'telegram', chatId: '-1009' }, text },
      { policy: DEFAULT_POLICY },
      actor,
    );
    assert.equal(blocked.status, 'blocked');
    const telegram = new StandInBridge('telegram');
    const forged: OutboundPayload = {
      agencyId: w.agencies.clinic!,
      attemptId: blocked.attemptId,
      target: { platform: 'telegram', chatId: '-1009' },
      text,
    };
    await assert.rejects(sendOutbound(w.db.store, forged, { telegram }), UnrecoverableError);
    const unknown: OutboundPayload = { ...forged, attemptId: '11111111-2222-3333-4444-555555555555' };
    await assert.rejects(sendOutbound(w.db.store, unknown, { telegram }), UnrecoverableError);
    assert.equal(telegram.sent.length, 0);
    const entries = await auditOf(w, 'outbound.tampered');
    assert.ok(entries.some((e) => e.details.attemptId === blocked.attemptId));
    assert.ok(entries.some((e) => e.details.attemptId === unknown.attemptId));
    assertNoPersonalData(JSON.stringify(entries), 'the tampering entries');
  });
});
