import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadKeyring, requireQueueKey } from '../src/core/keys.ts';
import { submitOutbound } from '../src/outbound/gate.ts';
import { openQueues } from '../src/pipeline/queues.ts';
import { DEFAULT_POLICY } from '../src/policy/index.ts';
import { addMapping } from '../src/store/chat-map.ts';
import { cliPath, projectRoot, runCli } from './helpers/cli.ts';
import { withAdmin } from './helpers/database.ts';
import { FakeTelegram } from './helpers/fake-telegram.ts';
import { createImportWorld, type ImportWorld } from './helpers/import-world.ts';
import type { Summary } from './helpers/import.ts';
import { configFor } from './helpers/installation.ts';
import { makeMessages, writeJsonl } from './helpers/messages.ts';
import { redisUrl } from './helpers/redis.ts';
import { waitFor } from './helpers/wait.ts';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A long-running CLI child (worker, bridge) with its output kept for the checks. */
class CliProcess {
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  constructor(args: readonly string[], env: NodeJS.ProcessEnv) {
    const child: ChildProcess = spawn(process.execPath, [cliPath, ...args], {
      cwd: projectRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    this.child = child;
  }
  readonly child: ChildProcess;
  async stop(signal: NodeJS.Signals = 'SIGTERM') {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

async function get(port: number, route: string): Promise<{ status: number; type: string; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${route}`);
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.text() };
}

/** The value of one sample of the Prometheus text, by name and exact label set; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? '')
      .split(/,(?=[a-zA-Z_]+=")/)
      .filter(Boolean)
      .sort()
      .join(',');
    if (have === wanted) return Number(match[3]);
  }
  return undefined;
}

describe('metrics and health: a worker with --metrics-port, scraped while an import runs', () => {
  let world: ImportWorld;
  let worker: CliProcess;
  let port: number;
  const scrape = async () => (await get(port, '/metrics')).body;

  before(async () => {
    world = await createImportWorld(['mvd']);
    port = await freePort();
    worker = new CliProcess(
      ['worker', '--stages', 'classify,deliver', '--concurrency', '2', '--metrics-port', String(port)],
      { ...world.env, LOG_LEVEL: 'info' },
    );
    await waitFor(
      async () => (await get(port, '/healthz').catch(() => null))?.status === 200,
      'the metrics endpoint',
      30_000,
    );
    // the worker registers with Redis before the import looks for workers
    await waitFor(
      async () => (await world.cli(['status', '--json'])).stdout.includes('"workers": 1'),
      'the worker registered',
      30_000,
    );
  });
  after(async () => {
    await worker?.stop('SIGKILL');
    await world?.close();
  });

  it('rejects a port that is not a number, before connecting to anything', async () => {
    const result = await world.cli(['worker', '--metrics-port', 'nine']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--metrics-port must be a port number/);
  });

  it('a second process asking for the same port stops with exit 2 naming it', async () => {
    const result = await world.cli(['worker', '--metrics-port', String(port)]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(`--metrics-port ${port} on 127\\.0\\.0\\.1: cannot listen \\(EADDRINUSE\\)`),
    );
  });

  it('/healthz is 200, /readyz is 200 with Redis and PostgreSQL ok, unknown routes 404', async () => {
    const health = await get(port, '/healthz');
    assert.equal(health.status, 200);
    const ready = await get(port, '/readyz');
    assert.equal(ready.status, 200, ready.body);
    assert.deepEqual(JSON.parse(ready.body), { ready: true, checks: { redis: 'ok', postgresql: 'ok' } });
    assert.equal((await get(port, '/nope')).status, 404);
  });

  it('/metrics is Prometheus text with the process metrics and a depth gauge for each queue and state', async () => {
    const response = await get(port, '/metrics');
    assert.equal(response.status, 200);
    assert.match(response.type, /^text\/plain; version=0\.0\.4/);
    assert.ok((sample(response.body, 'process_resident_memory_bytes') ?? 0) > 0, 'default process metrics');
    assert.ok(sample(response.body, 'nodejs_eventloop_lag_seconds') !== undefined);
    for (const queue of ['classify', 'deliver', 'dead-letter']) {
      for (const state of ['waiting', 'active', 'delayed', 'failed']) {
        assert.equal(
          typeof sample(response.body, 'aitu_gateway_queue_jobs', { queue, state }),
          'number',
          `${queue} ${state}`,
        );
      }
    }
  });

  it('an enqueue-only import moves the counters: messages per stage, findings per category, jobs and their latency', async () => {
    const before = await scrape();
    const delivered0 = sample(before, 'aitu_gateway_messages_total', { stage: 'deliver', outcome: 'delivered' }) ?? 0;
    const iin0 = sample(before, 'aitu_gateway_findings_total', { category: 'IIN' }) ?? 0;
    const file = path.join(world.dir, 'metrics.jsonl');
    // 300 messages, a few of them with an IIN (test/helpers/messages.ts), and one without a time, refused by ingest
    writeJsonl(file, makeMessages(300, { idPrefix: 'm' }));
    appendFileSync(
      file,
      `${JSON.stringify({ platform: 'telegram', chatId: '-1001000', messageId: 'no-time', sender: null, text: 'x' })}\n`,
    );
    const result = await runCli(
      ['import', 'jsonl', file, '--agency', 'mvd', '--json', '--enqueue-only', '--no-progress'],
      { env: world.env },
    );
    assert.equal(result.code === 0 || result.code === 1, true, result.stderr);
    const summary = JSON.parse(result.stdout) as Summary;
    assert.equal(summary.delivered, 300);
    assert.ok((summary.flaggedByCategory.IIN ?? 0) > 0, 'the import found IINs');

    // the import returns once its batches are delivered; the counters are the worker's own
    const after = await scrape();
    assert.equal(
      (sample(after, 'aitu_gateway_messages_total', { stage: 'deliver', outcome: 'delivered' }) ?? 0) - delivered0,
      300,
    );
    assert.equal(
      (sample(after, 'aitu_gateway_findings_total', { category: 'IIN' }) ?? 0) - iin0,
      summary.flaggedByCategory.IIN,
    );
    assert.equal(sample(after, 'aitu_gateway_messages_total', { stage: 'classify', outcome: 'classified' }), 300);
    assert.equal(sample(after, 'aitu_gateway_messages_total', { stage: 'classify', outcome: 'refused' }), 1);
    assert.equal(sample(after, 'aitu_gateway_dead_letters_added_total', { stage: 'ingest' }), 1);
    assert.equal(sample(after, 'aitu_gateway_queue_jobs', { queue: 'dead-letter', state: 'waiting' }), 1);
    assert.ok((sample(after, 'aitu_gateway_jobs_total', { stage: 'deliver', outcome: 'completed' }) ?? 0) >= 1);
    assert.ok((sample(after, 'aitu_gateway_jobs_total', { stage: 'classify', outcome: 'completed' }) ?? 0) >= 1);
    assert.ok((sample(after, 'aitu_gateway_job_duration_seconds_count', { stage: 'deliver' }) ?? 0) >= 1);
    assert.ok((sample(after, 'aitu_gateway_job_duration_seconds_bucket', { stage: 'classify', le: '+Inf' }) ?? 0) >= 1);
    // no message text, no chat or message id in any label
    assert.doesNotMatch(after, /940101300123|Person \d|-100100\d|ИИН/);
  });

  it('/readyz is 503 naming PostgreSQL while its database refuses connections, and 200 again once it accepts them', async () => {
    const name = world.db.name;
    await withAdmin(async (admin) => {
      await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [name],
      );
    });
    try {
      let body = '';
      await waitFor(
        async () => {
          const ready = await get(port, '/readyz');
          body = ready.body;
          return ready.status === 503;
        },
        '/readyz 503',
        15_000,
      );
      const report = JSON.parse(body) as { ready: boolean; checks: Record<string, string> };
      assert.equal(report.ready, false);
      assert.equal(report.checks.redis, 'ok');
      assert.match(report.checks.postgresql!, /^PostgreSQL did not answer SELECT 1/);
      assert.ok(!body.includes(name) && !body.includes('postgres@'), 'no database name or URL in the answer');
      assert.equal((await get(port, '/healthz')).status, 200, 'the process is still alive');
      // a scrape still answers, without the figures PostgreSQL would give
      assert.equal((await get(port, '/metrics')).status, 200);
    } finally {
      await withAdmin((admin) => admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`));
    }
    await waitFor(async () => (await get(port, '/readyz')).status === 200, '/readyz 200 again', 15_000);
  });

  it('drains and exits 0 on SIGTERM, closing the endpoint', async () => {
    const stopped = await worker.stop('SIGTERM');
    assert.equal(stopped.code, 0, worker.output);
    await assert.rejects(get(port, '/healthz'));
  });
});

describe('metrics and health: a Telegram bridge with --metrics-port against a fake Bot API', () => {
  const GROUP = { id: -1001987654321, title: 'Поликлиника №3', type: 'supergroup' };
  let world: ImportWorld;
  let fake: FakeTelegram;
  let bridge: CliProcess;
  let port: number;

  before(async () => {
    world = await createImportWorld(['a']);
    fake = await FakeTelegram.start();
    await addMapping(world.db.store.pool, world.agencies.a!, 'telegram', String(GROUP.id), 'Поликлиника №3');
    port = await freePort();
    bridge = new CliProcess(['bridge', 'telegram', '--agency', 'a', '--metrics-port', String(port)], {
      ...world.env,
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.apiRoot,
      LOG_LEVEL: 'info',
    });
  });
  after(async () => {
    await bridge?.stop('SIGKILL');
    await fake?.close();
    await world?.close();
  });

  it('is ready once the connector is connected, and /metrics shows its state and events', async () => {
    await waitFor(
      async () => (await get(port, '/readyz').catch(() => null))?.status === 200,
      `/readyz 200 (bridge output: ${bridge.output})`,
      30_000,
    );
    const ready = JSON.parse((await get(port, '/readyz')).body) as { checks: Record<string, string> };
    assert.deepEqual(ready.checks, { redis: 'ok', postgresql: 'ok', connector: 'ok' });
    const agency = world.agencies.a!;
    let text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.equal(sample(text, 'aitu_gateway_connector_state', { platform: 'telegram', agency, state: 'connected' }), 1);
    assert.equal(
      sample(text, 'aitu_gateway_connector_state', { platform: 'telegram', agency, state: 'connecting' }),
      0,
    );
    assert.equal(
      typeof sample(text, 'aitu_gateway_queue_jobs', { queue: `outbound-telegram-${agency}`, state: 'waiting' }),
      'number',
    );

    fake.push({
      message: {
        message_id: 7,
        from: { id: 111222333, is_bot: false, first_name: 'Dana' },
        chat: GROUP,
        date: 1717230000,
        text: 'Приём в 10:00',
      },
    });
    await waitFor(
      async () => {
        text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return sample(text, 'aitu_gateway_messages_total', { stage: 'deliver', outcome: 'delivered' }) === 1;
      },
      'the bridged message delivered',
      20_000,
    );
    assert.equal(
      sample(text, 'aitu_gateway_connector_events_total', { platform: 'telegram', agency, outcome: 'bridged' }),
      1,
    );
    assert.doesNotMatch(text, /1001987654321|Приём|Dana/);
  });

  it('counts sends, and reports outbound attempts by status from the store: blocked and sent', async () => {
    const keyring = await loadKeyring(configFor(world.env).keyFile);
    const queues = openQueues({
      redisUrl,
      prefix: world.env.AITU_GATEWAY_QUEUE_PREFIX!,
      queueKey: requireQueueKey(keyring),
    });
    try {
      const submit = (text: string) =>
        submitOutbound(
          world.db.store,
          queues,
          { agencyId: world.agencies.a!, target: { platform: 'telegram', chatId: String(GROUP.id) }, text },
          { policy: DEFAULT_POLICY, hashKey: keyring.hashKey },
        );
      assert.equal((await submit('Пациент ИИН 940101300123, запишите на завтра')).status, 'blocked');
      assert.equal((await submit('Запись подтверждена')).status, 'queued');
    } finally {
      await queues.close();
    }
    let text = '';
    await waitFor(
      async () => {
        text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return sample(text, 'aitu_gateway_messages_total', { stage: 'outbound', outcome: 'sent' }) === 1;
      },
      'the send counted',
      20_000,
    );
    assert.equal(sample(text, 'aitu_gateway_jobs_total', { stage: 'outbound', outcome: 'completed' }), 1);
    assert.equal(sample(text, 'aitu_gateway_outbound_attempts', { status: 'blocked' }), 1);
    assert.equal(sample(text, 'aitu_gateway_outbound_attempts', { status: 'sent' }), 1);
    assert.doesNotMatch(text, /940101300123|Запись/);
  });

  it('is not ready while the connector cannot reach the Bot API: 503 naming the connector, its state backing-off', async () => {
    await fake.close();
    let body = '';
    await waitFor(
      async () => {
        const ready = await get(port, '/readyz');
        body = ready.body;
        return ready.status === 503;
      },
      '/readyz 503',
      20_000,
    );
    assert.deepEqual(JSON.parse(body), {
      ready: false,
      checks: { redis: 'ok', postgresql: 'ok', connector: 'the telegram connector is backing-off' },
    });
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const agency = world.agencies.a!;
    assert.equal(
      sample(text, 'aitu_gateway_connector_state', { platform: 'telegram', agency, state: 'backing-off' }),
      1,
    );
    assert.equal(sample(text, 'aitu_gateway_connector_state', { platform: 'telegram', agency, state: 'connected' }), 0);
    assert.equal((await get(port, '/healthz')).status, 200);
  });

  it('on SIGTERM stops with exit 0', async () => {
    const stopped = await bridge.stop('SIGTERM');
    assert.equal(stopped.code, 0, bridge.output);
  });
});
