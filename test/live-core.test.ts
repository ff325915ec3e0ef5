import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import {
  backoffDelay,
  canBackfill,
  canSend,
  type BridgeEvent,
  type Connector,
  type ConnectorHost,
  type ConnectorState,
  type SendLimits,
} from '../src/core/connector.ts';
import type { SendOptions } from '../src/core/bridge.ts';
import { createLogger } from '../src/core/logger.ts';
import { ChatLimiter } from '../src/live/chat-limiter.ts';
import { readConnectorStatuses } from '../src/live/connector-status.ts';
import { runConnector, type RunningConnector } from '../src/live/run.ts';
import { submitOutbound } from '../src/outbound/gate.ts';
import { DEFAULT_POLICY } from '../src/policy/index.ts';
import { addMapping } from '../src/store/chat-map.ts';
import { createImportWorld, type ImportWorld } from './helpers/import-world.ts';
import { redisUrl } from './helpers/redis.ts';
import { StandInBridge } from './helpers/stand-in-bridge.ts';
import { waitFor } from './helpers/wait.ts';

/** A connector that emits what a test tells it to, through the real host; it can also send (a stand-in messenger). */
class ScriptedConnector extends StandInBridge implements Connector {
  state: ConnectorState = 'connecting';
  host: ConnectorHost | null = null;
  stopped = false;
  constructor() {
    super('telegram');
  }
  async start(host: ConnectorHost): Promise<void> {
    this.host = host;
    this.state = 'connected';
    host.setState('connected');
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
  emit(event: BridgeEvent): Promise<void> {
    return this.host!.emit(event);
  }
  private held: Promise<void> | null = null;
  /** Holds the next sends inside the platform's call (as a slow network would) until the returned release is called. */
  holdSends(): () => void {
    let release = () => {};
    this.held = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.held = null;
      release();
    };
  }
  override async send(chatId: string, text: string, options?: SendOptions): Promise<{ messageId: string }> {
    if (this.held) await this.held;
    return super.send(chatId, text, options);
  }
}

const at = (minute: number) => new Date(Date.UTC(2026, 11, 4, 9, minute)).toISOString();
const message = (
  id: string,
  text: string,
  chatId = '-1001',
  extra: Partial<BridgeEvent & { type: 'message' }> = {},
): BridgeEvent => ({
  type: 'message',
  message: {
    platform: 'telegram',
    chatId,
    chatTitle: 'Штаб',
    messageId: id,
    sender: { id: 'u1', name: 'Айгерим' },
    sentAt: at(1),
    text,
  },
  ...extra,
});

describe('live connectors: the core path (LiveIngest, echoes, mapping, status, limits)', () => {
  let w: ImportWorld;
  let running: RunningConnector;
  const connector = new ScriptedConnector();
  const lines: string[] = [];
  const logger = createLogger({
    level: 'info',
    json: true,
    stream: new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }),
  });

  before(async () => {
    w = await createImportWorld(['clinic']);
    await addMapping(w.db.store.pool, w.agencies.clinic!, 'telegram', '-1001', 'Штаб');
    running = await runConnector({
      redisUrl,
      prefix: w.env.AITU_GATEWAY_QUEUE_PREFIX!,
      store: w.db.store,
      keyFile: `${w.dataDir}/keys.json`,
      dataDir: w.dataDir,
      logger,
      agencyId: w.agencies.clinic!,
      connector,
    });
  });
  after(async () => {
    await running?.stop();
    await w?.close();
  });

  const stored = async (id: string) =>
    (await w.query<{ text: string }>(`SELECT text FROM messages WHERE source_message_id = $1`, [id]))[0];

  it('a message from a mapped chat reaches the store with runId null; emit resolved before it was committed only once it was in Redis', async () => {
    await connector.emit(message('10', 'Совещание в 15:00'));
    await waitFor(async () => (await stored('10')) !== undefined, 'the message in the store');
    const [row] = await w.query<{ import_run_id: string | null; text: string }>(
      `SELECT import_run_id, text FROM messages WHERE source_message_id = '10'`,
    );
    assert.equal(row!.import_run_id, null);
    assert.equal(row!.text, 'Совещание в 15:00');
  });

  it('a burst becomes one small batch, not one job per event', async () => {
    const before = (await w.query(`SELECT 1 FROM audit_log WHERE action = 'deliver.batch'`)).length;
    await Promise.all(Array.from({ length: 20 }, (_, i) => connector.emit(message(`b${i}`, `сообщение ${i}`))));
    await waitFor(
      async () => (await w.query(`SELECT 1 FROM messages WHERE source_message_id LIKE 'b%'`)).length === 20,
      'the burst',
    );
    const batches = (await w.query(`SELECT 1 FROM audit_log WHERE action = 'deliver.batch'`)).length - before;
    assert.ok(batches <= 2, `${batches} batches for one burst`);
  });

  it('an unmapped chat is ignored and logged once, naming no person', async () => {
    await connector.emit(message('u1', 'привет', '12345'));
    await connector.emit(message('u2', 'привет ещё раз', '12345'));
    await running.ingest.settled();
    assert.equal(await stored('u1'), undefined);
    const warnings = lines.filter((l) => l.includes('unmapped chat'));
    assert.equal(warnings.length, 1);
    assert.doesNotMatch(warnings[0]!, /12345/);
  });

  it('the echo of a gateway send is dropped even while the send is still in flight; a person writing the same words later is kept', async () => {
    const release = connector.holdSends();
    const sent = await submitOutbound(
      w.db.store,
      running.ingest.queues,
      { agencyId: w.agencies.clinic!, target: { platform: 'telegram', chatId: '-1001' }, text: 'Ответ штаба' },
      { policy: DEFAULT_POLICY },
    );
    assert.equal(sent.status, 'queued');
    // the copy may come back before the bridge's call returns: the gate has recorded the attempt `sending`, with no
    // foreign id yet, and the send is held inside the platform's call
    const attempt = async () =>
      (
        await w.query<{ status: string; foreign_message_id: string | null }>(
          `SELECT status, foreign_message_id FROM outbound_attempts WHERE id = $1`,
          [sent.attemptId],
        )
      )[0]!;
    await waitFor(async () => (await attempt()).status === 'sending', 'the send to be in flight');
    assert.equal((await attempt()).foreign_message_id, null);
    await connector.emit(message('e1', 'Ответ штаба', '-1001', { fromSelf: true }));
    await connector.emit(message('e2', 'Ответ штаба', '-1001', { fromSelf: true }));
    await running.ingest.settled();
    release();
    await waitFor(async () => (await attempt()).status === 'sent', 'the send');
    assert.equal(await stored('e1'), undefined, 'the echo is not bridged back');
    assert.equal((await stored('e2'))?.text, 'Ответ штаба', 'one send explains one copy');
  });

  it('an edit replaces the stored text and keeps the earlier version; the summary counts it as edited', async () => {
    const edit: BridgeEvent = {
      type: 'edit',
      message: { ...(message('10', 'Совещание в 16:00') as { message: object }).message, editedAt: at(3) } as never,
    };
    await connector.emit(edit);
    await waitFor(async () => (await stored('10'))?.text === 'Совещание в 16:00', 'the edit');
    const versions = await w.query<{ text: string }>(
      `SELECT v.text FROM message_versions v JOIN messages m ON m.id = v.message_id WHERE m.source_message_id = '10'`,
    );
    assert.deepEqual(
      versions.map((v) => v.text),
      ['Совещание в 15:00'],
    );
    await running.ingest.settled();
    assert.equal(running.ingest.summary().edited, 1);
  });

  it('a delete marks the message withdrawn and is kept as a service event naming its target', async () => {
    await connector.emit({ type: 'delete', platform: 'telegram', chatId: '-1001', messageId: '10', at: at(5) });
    await waitFor(
      async () => (await w.query(`SELECT 1 FROM messages WHERE source_message_id = '10#deleted'`)).length === 1,
      'the withdrawal',
    );
    const [row] = await w.query<{ kind: string }>(`SELECT kind FROM messages WHERE source_message_id = '10#deleted'`);
    assert.equal(row!.kind, 'service');
    const [target] = await w.query<{ withdrawn: boolean; text: string }>(
      `SELECT withdrawn, text FROM messages WHERE source_message_id = '10'`,
    );
    assert.deepEqual(target, { withdrawn: true, text: 'Совещание в 16:00' }, 'the evidence is kept');
  });

  it("a relaying chat reaches the national chat's other relaying chats only through the gate", async () => {
    const pool = w.db.store.pool;
    await addMapping(pool, w.agencies.clinic!, 'telegram', '-1002', 'Общий', { relay: true });
    await addMapping(pool, w.agencies.clinic!, 'whatsapp', '120363000000000001@g.us', 'Общий', { relay: true });
    await addMapping(pool, w.agencies.clinic!, 'whatsapp', '120363000000000002@g.us', 'Общий');
    await new Promise((r) => setTimeout(r, 5100)); // the bridge re-reads mappings every 5 s
    await connector.emit(message('r1', 'Сбор в 10:00', '-1002'));
    await connector.emit(message('r2', 'ИИН 940101300123 передайте', '-1002'));
    await running.ingest.settled();
    const attempts = await w.query<{ target_chat_id: string; status: string; author: string }>(
      `SELECT target_chat_id, status, author FROM outbound_attempts WHERE target_platform = 'whatsapp' ORDER BY created_at`,
    );
    assert.deepEqual(
      attempts.map((a) => [a.target_chat_id, a.status, a.author]),
      [
        ['120363000000000001@g.us', 'queued', 'relay:telegram'],
        ['120363000000000001@g.us', 'blocked', 'relay:telegram'],
      ],
    );
    // both messages are in the national store all the same (as policy decides for inbound)
    assert.ok(await stored('r1'));
  });

  it('status reads the connector state and its events from Redis', async () => {
    const redis = new Redis(redisUrl);
    try {
      const [status] = await readConnectorStatuses(redis, w.env.AITU_GATEWAY_QUEUE_PREFIX!);
      assert.equal(status!.platform, 'telegram');
      assert.equal(status!.agencyId, w.agencies.clinic);
      assert.equal(status!.state, 'connected');
      assert.ok(status!.lastEventAt);
    } finally {
      redis.disconnect();
    }
  });

  it('a connector that gives up after it started (a revoked token) is reported to the bridge, which then stops', async () => {
    connector.host!.setState('logged-out', 'the bot token was refused (401)');
    const reason = await Promise.race([
      running.gaveUp,
      new Promise<string>((r) => setTimeout(() => r('not reported'), 2000)),
    ]);
    assert.match(reason, /telegram connector gave up \(state: logged-out\): the bot token was refused/);
  });

  it('abilities are found by type guards, not stub methods', () => {
    assert.equal(canSend(connector), true);
    assert.equal(canBackfill(connector), false);
  });
});

describe('live connectors: --auto-map', () => {
  it('an unmapped chat gets a national chat named after it (a personal chat by a digest, never its id), audited as map.auto', async () => {
    const w = await createImportWorld(['clinic']);
    const connector = new ScriptedConnector();
    const running = await runConnector({
      redisUrl,
      prefix: w.env.AITU_GATEWAY_QUEUE_PREFIX!,
      store: w.db.store,
      keyFile: `${w.dataDir}/keys.json`,
      dataDir: w.dataDir,
      logger: createLogger({ level: 'error' }),
      agencyId: w.agencies.clinic!,
      connector,
      autoMap: true,
    });
    try {
      await connector.emit(message('a1', 'Добрый день', '-1007'));
      const personal = message('a2', 'Здравствуйте', '77011234567') as { message: Record<string, unknown> };
      delete personal.message.chatTitle;
      await connector.emit(personal as BridgeEvent);
      await running.ingest.settled();
      const chats = await w.query<{ source_chat_id: string; title: string }>(
        `SELECT s.source_chat_id, c.title FROM chat_sources s JOIN chats c ON c.id = s.chat_id ORDER BY s.source_chat_id`,
      );
      assert.deepEqual(
        chats.map((c) => c.source_chat_id),
        ['-1007', '77011234567'],
      );
      assert.equal(chats[0]!.title, 'Штаб');
      assert.match(chats[1]!.title, /^telegram chat [0-9a-f]{10}$/);
      assert.equal((await w.query(`SELECT 1 FROM messages WHERE source_message_id IN ('a1', 'a2')`)).length, 2);
      const audited = await w.query<{ subject: string }>(
        `SELECT subject FROM audit_log WHERE action = 'map.auto' ORDER BY id`,
      );
      assert.deepEqual(
        audited.map((a) => a.subject),
        ['telegram:-1007', 'telegram:[personal chat]'],
      );
    } finally {
      await running.stop();
      await w.close();
    }
  });
});

describe('live connectors: reconnect backoff and per-chat limits', () => {
  it('backoff doubles from 1 s to its cap, jittered ±25 %', () => {
    assert.equal(backoffDelay(0, { random: () => 0.5 }), 1000);
    assert.equal(backoffDelay(3, { random: () => 0.5 }), 8000);
    assert.equal(backoffDelay(20, { random: () => 0.5 }), 60_000);
    assert.equal(backoffDelay(1, { random: () => 0 }), 1500);
    assert.equal(backoffDelay(1, { random: () => 0.999999 }), 2500);
  });

  it('a chat gets one message a second, a group also at most 20 a minute; other chats are not held up', async () => {
    const redis = new Redis(redisUrl);
    const limits: SendLimits = {
      perAccount: { max: 30, durationMs: 1000 },
      perChat: { max: 1, durationMs: 1000 },
      perGroup: { max: 20, durationMs: 60_000 },
      isGroup: (id) => id.startsWith('-'),
    };
    const limiterPrefix = `test-limiter-${process.pid}-${Date.now()}`;
    const limiter = new ChatLimiter(redis, limiterPrefix, 'telegram', limits, Buffer.alloc(32, 7));
    try {
      const t = 1_000_000;
      assert.equal(await limiter.take('-100', t), 0);
      const wait = await limiter.take('-100', t + 100);
      assert.ok(wait > 800 && wait <= 900, `waits ${wait} ms`);
      assert.equal(await limiter.take('555', t + 100), 0, 'another chat goes at once');
      // the group's bucket on its own (a chat allowing bursts): 20 go at once, the 21st waits for a token (3 s each)
      const burst = new ChatLimiter(
        redis,
        limiterPrefix,
        'telegram',
        { ...limits, perChat: { max: 100, durationMs: 1000 } },
        Buffer.alloc(32, 7),
      );
      const waits: number[] = [];
      for (let i = 0; i < 21; i++) waits.push(await burst.take('-200', t));
      assert.equal(waits.filter((ms) => ms === 0).length, 20);
      assert.equal(waits[20], 3000);
      const keys = await redis.keys(`${limiterPrefix}:*`);
      // each key names its chat by the HMAC of its id, never the id (a substring test also matched digits of the
      // prefix's pid and time, now and then)
      assert.ok(keys.length > 0);
      for (const k of keys)
        assert.match(
          k.slice(limiterPrefix.length),
          /^:chat-bucket:telegram:[0-9a-f]{32}:\d+$/,
          'chat ids are not in key names',
        );
      await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });
});
