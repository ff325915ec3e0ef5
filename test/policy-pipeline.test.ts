import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decryptOriginal, loadKeyring, requireQueueKey, type Keyring } from '../src/core/keys.ts';
import { createLogger } from '../src/core/logger.ts';
import { submitOutbound } from '../src/outbound/gate.ts';
import { addOutbound, openQueues, outboundJobId, type Queues } from '../src/pipeline/queues.ts';
import { policyLoader, startWorkers, type WorkerSet } from '../src/pipeline/workers.ts';
import { startOutboundConsumer, type OutboundConsumer } from '../src/live/outbound-consumer.ts';
import { DEFAULT_POLICY } from '../src/policy/index.ts';
import { addAgency } from '../src/store/agencies.ts';
import { runCli } from './helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { initTestInstallation } from './helpers/installation.ts';
import { redisUrl, removePrefix, testPrefix } from './helpers/redis.ts';
import { StandInBridge } from './helpers/stand-in-bridge.ts';
import { waitFor } from './helpers/wait.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'aitu-policy-'));
const keyFile = path.join(dir, 'keys.json');

const inbound = (id: string, text: string) => ({
  platform: 'telegram' as const,
  chatId: '-1001234',
  chatTitle: 'Polyclinic №3',
  messageId: id,
  sender: { id: 'user7', name: 'Dana' },
  sentAt: '2024-02-01T09:00:00Z',
  text,
});

describe('policy and the outbound gate, against real Redis and PostgreSQL', () => {
  let db: TestDatabase;
  let workers: WorkerSet;
  let outbound: OutboundConsumer;
  let queues: Queues;
  let keyring: Keyring;
  const prefix = testPrefix();
  const telegram = new StandInBridge('telegram');
  const agencies: Record<string, string> = {};
  const tokens: Record<string, string> = {};

  before(async () => {
    db = await createTestDatabase();
    await initTestInstallation({ DATABASE_URL: db.url, AITU_GATEWAY_DATA_DIR: dir, AITU_GATEWAY_KEY_FILE: keyFile });
    keyring = await loadKeyring(keyFile);
    agencies.default = (await addAgency(db.store.prisma, { slug: 'clinic', name: 'Clinic' })).id;
    workers = await startWorkers({
      redisUrl,
      prefix,
      keyFile,
      stages: ['classify', 'deliver'],
      concurrency: 2,
      store: db.store,
      logger: createLogger({ level: 'error' }),
    });
    outbound = await startOutboundConsumer({
      redisUrl,
      prefix,
      keyFile,
      store: db.store,
      dataDir: dir,
      logger: createLogger({ level: 'error' }),
      agencyId: agencies.default,
      connector: telegram,
    });
    queues = openQueues({ redisUrl, prefix, queueKey: requireQueueKey(keyring) });
    // agencies and policies are an admin's, sends an operator's
    const env = {
      DATABASE_URL: db.url,
      AITU_GATEWAY_DATA_DIR: dir,
      AITU_GATEWAY_KEY_FILE: keyFile,
      AITU_GATEWAY_TOKEN: '',
    };
    const admin = await runCli(['user', 'add', 'root', '--role', 'admin', '--json'], { env });
    assert.equal(admin.code, 0, admin.stderr);
    tokens.admin = (JSON.parse(admin.stdout) as { token: string }).token;
    const operator = await runCli(['user', 'add', 'oleg', '--role', 'operator', '--json'], {
      env: { ...env, AITU_GATEWAY_TOKEN: tokens.admin },
    });
    assert.equal(operator.code, 0, operator.stderr);
    tokens.operator = (JSON.parse(operator.stdout) as { token: string }).token;
  });
  after(async () => {
    await outbound?.close();
    await workers?.close();
    await queues?.close();
    await removePrefix(prefix);
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const row = async (agencyId: string, messageId: string) =>
    (
      await db.store.pool.query(
        `SELECT m.id, m.text, m.redacted, d.action, d.rule, r.status AS review, r.original, r.key_id, r.categories AS review_categories
           FROM messages m JOIN decisions d ON d.id = m.decision_id LEFT JOIN review_items r ON r.message_id = m.id
          WHERE m.agency_id = $1 AND m.source_message_id = $2`,
        [agencyId, messageId],
      )
    ).rows[0];

  async function deliver(agencyId: string, messages: ReturnType<typeof inbound>[], jobId: string) {
    await queues.classify.addSealed(
      { agencyId, runId: null, seq: null, checkpoint: null, messages },
      { jobId },
      'batch',
    );
    await waitFor(
      async () =>
        (await db.store.pool.query(`SELECT count(*)::int AS n FROM messages WHERE agency_id = $1`, [agencyId])).rows[0]
          .n >= messages.length,
      'delivery',
    );
  }

  it('with the default policy quarantines IINs and health data and redacts an e-mail', async () => {
    const iin = 'ИИН пациента 940101300123, запись на завтра';
    const health = 'Диагноз: туберкулез легких, больничный лист открыт';
    await deliver(
      agencies.default!,
      [
        inbound('1', iin),
        inbound('2', health),
        inbound('3', 'Ответьте на dana.k@clinic.kz'),
        inbound('4', 'Добрый день'),
      ],
      'p-default',
    );

    const quarantinedIin = await row(agencies.default!, '1');
    assert.equal(quarantinedIin.action, 'quarantine');
    assert.equal(quarantinedIin.review, 'open');
    assert.equal(quarantinedIin.text, 'ИИН пациента [IIN], запись на завтра');
    assert.equal(quarantinedIin.key_id, keyring.currentId);
    assert.ok(!quarantinedIin.original.toString('utf8').includes('940101300123'), 'the original is stored encrypted');
    const bound = (id: string) => ({
      agencyId: agencies.default!,
      platform: 'telegram',
      sourceChatId: '-1001234',
      sourceMessageId: id,
    });
    assert.equal(decryptOriginal(keyring.get(quarantinedIin.key_id)!, quarantinedIin.original, bound('1')), iin);
    assert.throws(
      () => decryptOriginal(keyring.get(quarantinedIin.key_id)!, quarantinedIin.original, bound('2')),
      'bound to its own message',
    );
    assert.match(quarantinedIin.rule, /inbound\.IIN=quarantine/);

    const quarantinedHealth = await row(agencies.default!, '2');
    assert.equal(quarantinedHealth.action, 'quarantine');
    assert.deepEqual(quarantinedHealth.review_categories, ['HEALTH']);
    assert.ok(!quarantinedHealth.text.includes('туберкулез'));
    assert.equal(
      decryptOriginal(keyring.get(quarantinedHealth.key_id)!, quarantinedHealth.original, bound('2')),
      health,
    );

    const redactedEmail = await row(agencies.default!, '3');
    assert.equal(redactedEmail.action, 'redact');
    assert.equal(redactedEmail.review, null);
    assert.equal(redactedEmail.redacted, true);
    assert.equal(redactedEmail.text, 'Ответьте на [EMAIL]');

    const clean = await row(agencies.default!, '4');
    assert.equal(clean.action, 'allow');
    assert.equal(clean.text, 'Добрый день');

    const rules = await db.store.pool.query(`SELECT rule FROM decisions WHERE agency_id = $1`, [agencies.default]);
    for (const { rule } of rules.rows) assert.ok(!/\d{9,}|@/.test(rule), 'decisions carry no personal data');
  });

  it('a custom policy file changes each of those decisions', async () => {
    const file = path.join(dir, 'lenient.yaml');
    writeFileSync(file, 'inbound:\n  IIN: allow\n  HEALTH: redact\n  EMAIL: quarantine\n');
    const env = {
      DATABASE_URL: db.url,
      AITU_GATEWAY_DATA_DIR: dir,
      AITU_GATEWAY_KEY_FILE: keyFile,
      AITU_GATEWAY_TOKEN: tokens.admin,
    };
    const added = await runCli(['agency', 'add', 'archive', '--name', 'Archive', '--policy', file], { env });
    assert.equal(added.code, 0, added.stderr);
    const archive = (await db.store.prisma.agency.findUniqueOrThrow({ where: { slug: 'archive' } })).id;
    await deliver(
      archive,
      [inbound('1', 'ИИН 940101300123'), inbound('2', 'Диагноз: туберкулез'), inbound('3', 'Пишите dana.k@clinic.kz')],
      'p-custom',
    );
    const iin = await row(archive, '1');
    assert.equal(iin.action, 'allow');
    assert.equal(iin.text, 'ИИН 940101300123');
    const health = await row(archive, '2');
    assert.equal(health.action, 'redact');
    assert.equal(health.review, null);
    assert.ok(!health.text.includes('туберкулез'));
    const email = await row(archive, '3');
    assert.equal(email.action, 'quarantine');
    assert.equal(email.review, 'open');

    const blockFile = path.join(dir, 'strict.json');
    writeFileSync(blockFile, JSON.stringify({ inbound: { IIN: 'block' } }));
    assert.equal((await runCli(['agency', 'set-policy', 'archive', blockFile], { env })).code, 0);
    const strict = await policyLoader(db.store, 0)(archive);
    assert.equal(strict.inbound.IIN, 'block');
  });

  it('refuses an invalid policy file, naming the line and the field', async () => {
    const file = path.join(dir, 'broken.yaml');
    writeFileSync(file, 'inbound:\n  IIN: quarantine\n  HELTH: redact\noutbound:\n  PHONE: quarantine\n');
    const result = await runCli(['agency', 'set-policy', 'clinic', file], {
      env: {
        DATABASE_URL: db.url,
        AITU_GATEWAY_DATA_DIR: dir,
        AITU_GATEWAY_KEY_FILE: keyFile,
        AITU_GATEWAY_TOKEN: tokens.admin,
      },
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /broken\.yaml:3: inbound\.HELTH/);
    assert.match(result.stderr, /HEALTH/);
    assert.match(result.stderr, /broken\.yaml:5: outbound\.PHONE/);
  });

  it('blocks and records an outbound IIN, however it is written', async () => {
    for (const text of ['Его ИИН 940101300123', 'Его ИИН 940 101 300 123', 'Его ИИН 9401\u200b0130\u200c0123']) {
      const result = await submitOutbound(
        db.store,
        queues,
        { agencyId: agencies.default!, target: { platform: 'telegram', chatId: '-1009' }, text },
        { policy: DEFAULT_POLICY },
      );
      assert.equal(result.status, 'blocked', text.length.toString());
      const attempt = (
        await db.store.pool.query(`SELECT status, reason FROM outbound_attempts WHERE id = $1`, [result.attemptId])
      ).rows[0];
      assert.equal(attempt.status, 'blocked');
      assert.deepEqual(attempt.reason.categories, ['IIN']);
      assert.match(attempt.reason.rule, /outbound\.IIN=block/);
    }
    assert.equal(telegram.sent.length, 0);
  });

  it('sends a clean message exactly once, also when the bridge fails and the job is retried, and drops its echo', async () => {
    telegram.failNext(1);
    const result = await submitOutbound(
      db.store,
      queues,
      {
        agencyId: agencies.default!,
        target: { platform: 'telegram', chatId: '-1009' },
        text: 'Приём переносится на 15:00',
      },
      { policy: DEFAULT_POLICY },
    );
    assert.equal(result.status, 'queued');
    await waitFor(
      async () =>
        (await db.store.pool.query(`SELECT status FROM outbound_attempts WHERE id = $1`, [result.attemptId])).rows[0]
          .status === 'sent',
      'the send',
    );
    // the completed job is gone; a repeated add of it runs again and finds the attempt sent: nothing is sent twice
    // (the attempt is recorded sent inside the job, so the job is removed a moment after the row says so)
    await waitFor(
      async () =>
        (await queues.outboundFor('telegram', agencies.default!).getJob(outboundJobId(result.attemptId))) === undefined,
      'the completed job to go',
    );
    await addOutbound(queues, {
      agencyId: agencies.default!,
      attemptId: result.attemptId,
      target: { platform: 'telegram', chatId: '-1009' },
      text: 'Приём переносится на 15:00',
    });
    await waitFor(
      async () =>
        (await queues.outboundFor('telegram', agencies.default!).getJob(outboundJobId(result.attemptId))) === undefined,
      'the repeated job to complete and go',
    );
    assert.equal(telegram.sent.length, 1);
    assert.equal(telegram.sent[0]!.text, 'Приём переносится на 15:00');

    // the foreign messenger shows our message in the chat; a live bridge brings it back in: it is not delivered
    const echo = {
      ...inbound(telegram.sent[0]!.messageId, 'Приём переносится на 15:00'),
      chatId: '-1009',
      sender: { id: 'bot1', name: 'Gateway' },
    };
    await queues.classify.addSealed(
      { agencyId: agencies.default!, runId: null, seq: null, checkpoint: null, messages: [echo] },
      { jobId: 'p-echo' },
      'batch',
    );
    await waitFor(
      async () =>
        (
          await db.store.pool.query(
            `SELECT count(*)::int AS n FROM audit_log WHERE details->>'duplicates' = '1' AND subject = 'live'`,
          )
        ).rows[0].n > 0,
      'the echo batch',
    );
    const stored = await db.store.pool.query(`SELECT count(*)::int AS n FROM messages WHERE source_chat_id = '-1009'`);
    assert.equal(stored.rows[0].n, 0);
  });

  it('send exits 1 with the reason and never the value when blocked', async () => {
    const env = {
      DATABASE_URL: db.url,
      AITU_GATEWAY_QUEUE_PREFIX: prefix,
      AITU_GATEWAY_DATA_DIR: dir,
      AITU_GATEWAY_KEY_FILE: keyFile,
      AITU_GATEWAY_TOKEN: tokens.operator,
    };
    const blocked = await runCli(['send', '--agency', 'clinic', '--to', 'telegram:-1009', 'ИИН 940101300123'], { env });
    assert.equal(blocked.code, 1);
    assert.match(blocked.stderr, /blocked: outbound\.IIN=block/);
    assert.ok(!blocked.stderr.includes('940101300123'));
    const sent = await runCli(['send', '--agency', 'clinic', '--to', 'telegram:-1009', 'Совещание в 11:00', '--wait'], {
      env,
    });
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal(sent.stdout.trim(), telegram.sent.at(-1)!.messageId);
  });
});
