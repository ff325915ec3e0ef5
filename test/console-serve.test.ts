import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { loadKeyring, requireQueueKey } from '../src/core/keys.ts';
import { addDeadLetters } from '../src/pipeline/dead-letter.ts';
import { openQueues, type Queues } from '../src/pipeline/queues.ts';
import { auditOf } from './helpers/actors.ts';
import { cliPath, projectRoot } from './helpers/cli.ts';
import { createPeople } from './helpers/people.ts';
import { redisUrl, removePrefix, testPrefix } from './helpers/redis.ts';
import { createReviewWorld, inbound, type ReviewWorld } from './helpers/review-setup.ts';
import { waitFor } from './helpers/wait.ts';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A browser over real HTTP: keeps cookies, reads the CSRF token from each page. */
class HttpBrowser {
  private cookies = new Map<string, string>();
  csrf = '';
  constructor(readonly base: string) {}

  async request(method: string, path: string, body?: URLSearchParams, headers: Record<string, string> = {}) {
    const response = await fetch(`${this.base}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        ...headers,
        ...(this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: body?.toString(),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const text = await response.text();
    const token = /<meta name="csrf-token" content="([^"]*)"/.exec(text)?.[1];
    if (token) this.csrf = token;
    return { status: response.status, text, location: response.headers.get('location') };
  }

  get(path: string, headers: Record<string, string> = {}) {
    return this.request('GET', path, undefined, headers);
  }

  post(path: string, fields: Record<string, string> = {}) {
    return this.request('POST', path, new URLSearchParams({ ...fields, _csrf: this.csrf }));
  }

  async signIn(token: string): Promise<void> {
    await this.get('/sign-in');
    const answer = await this.post('/sign-in', { token });
    assert.equal(answer.status, 303, answer.text.slice(0, 500));
    await this.get('/queue');
  }
}

/**
 * `aitu-gateway serve` as an operator starts it: the console, its health and metrics, the operations page over the
 * real queues, Bull Board read-only, dead letters retried through the audited service; SIGTERM closes it cleanly.
 */
describe('serve: the console as a process', () => {
  let w: ReviewWorld;
  let prefix: string;
  let queues: Queues;
  let port: number;
  let child: ChildProcess;
  let output = '';
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let tokens: Record<'root' | 'olga', string>;

  before(async () => {
    w = await createReviewWorld(['a']);
    prefix = testPrefix();
    await w.deliver('a', [inbound('-1001', 'Polyclinic A', '1', 'Доброе утро')]);
    ({ tokens } = await createPeople(w.db.store, {
      root: { role: 'admin' },
      olga: { role: 'officer', agencies: ['a'] },
    }));
    queues = openQueues({ redisUrl, prefix, queueKey: requireQueueKey(await loadKeyring(w.keyFile)) });
    await addDeadLetters(queues, [
      {
        agencyId: w.agencies.a!,
        runId: null,
        stage: 'ingest',
        reason: 'line 7: not valid',
        message: inbound('-1001', 'Polyclinic A', '7', 'broken'),
        failedAt: new Date().toISOString(),
      },
    ]);
    port = await freePort();
    child = spawn(process.execPath, [cliPath, 'serve', '--port', String(port), '--sign-in-per-minute', '100'], {
      cwd: projectRoot,
      env: { ...process.env, ...w.env, REDIS_URL: redisUrl, AITU_GATEWAY_QUEUE_PREFIX: prefix },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
    exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.ok === true,
      `the console on port ${port} (${output})`,
      30_000,
    );
  });
  after(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await queues?.close();
    if (prefix) await removePrefix(prefix);
    await w?.close();
  });

  it('answers health, readiness (PostgreSQL and Redis) and metrics', async () => {
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(((await ready.json()) as { checks: unknown }).checks, { redis: 'ok', postgresql: 'ok' });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /aitu_gateway_queue_jobs\{queue="dead-letter",state="waiting"\} 1/);
  });

  it('shows an admin the queues, the dead letter and Bull Board, which refuses to change anything', async () => {
    const root = new HttpBrowser(`http://127.0.0.1:${port}`);
    await root.signIn(tokens.root);
    const page = await root.get('/operations');
    assert.equal(page.status, 200);
    assert.match(page.text, /data-testid="queue-counts" data-queue="dead-letter"/);
    assert.match(page.text, /data-testid="dead-letter"/);
    assert.match(page.text, /telegram:-1001\/7/);
    assert.ok(!page.text.includes('broken'), 'a dead letter shows its source ids, never its text');
    const board = await root.get('/operations/queues/');
    assert.equal(board.status, 200);
    const api = await root.get(
      '/operations/queues/api/queues?activeQueue=dead-letter&status=latest&page=1&jobsPerPage=10',
    );
    assert.equal(api.status, 200);
    assert.ok(!api.text.includes('broken'), 'the board shows sealed payloads only');
    const retry = await root.request('PUT', '/operations/queues/api/queues/dead-letter/retry/failed', undefined, {
      'x-csrf-token': root.csrf,
    });
    assert.equal(retry.status, 405, 'read-only: the board refuses');

    const olga = new HttpBrowser(`http://127.0.0.1:${port}`);
    await olga.signIn(tokens.olga);
    assert.equal((await olga.get('/operations')).status, 403);
    assert.equal((await olga.get('/operations/queues/')).status, 403);
    assert.equal((await olga.get('/operations/queues/api/queues')).status, 403);
    const anonymous = new HttpBrowser(`http://127.0.0.1:${port}`);
    assert.equal((await anonymous.get('/operations/queues/')).status, 303);

    const retried = await root.post('/operations/dead-letters/retry');
    assert.equal(retried.status, 303);
    assert.match(retried.location ?? '', /retried=1&refused=0/);
    const [entry] = await auditOf(w, 'dlq.retry');
    assert.equal(entry?.actor, 'root');
    assert.equal(entry?.details.count, 1);
    assert.equal((await queues['dead-letter'].getJobCounts('waiting')).waiting, 0);
  });

  it('stops on SIGTERM, exit 0', async () => {
    child.kill('SIGTERM');
    const { code } = await exited;
    assert.equal(code, 0, output);
    assert.match(output, /console stopped/);
  });
});
