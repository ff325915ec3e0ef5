import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeTelegramExport } from '../bridges/telegram/export/generate.ts';
import { defaultWorkerProcesses } from '../cli/worker-processes.ts';
import { BATCH_SIZE } from '../src/pipeline/queues.ts';
import { addAgency } from '../src/store/agencies.ts';
import { runCli } from './helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { assertBalanced, spawnCli, storeSnapshot, type Summary } from './helpers/import.ts';
import { initTestInstallation } from './helpers/installation.ts';
import { removePrefix, testPrefix } from './helpers/redis.ts';

/**
 * `import` starts its own deliver worker processes when none are running (`--workers`, default cores − 1) and stops
 * them at the end. The processes are found the way an operator would, in /proc: children of the import running
 * `aitu-gateway worker --stages deliver`.
 */

// three batches and a part: several deliver jobs, and a last one that is not full
const MESSAGES = 3 * BATCH_SIZE + 700;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The pids of the running deliver worker processes whose parent is `parent`. */
function workerChildren(parent: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent) continue;
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.includes('worker') && args.includes('deliver')) found.push(Number(entry));
    } catch {
      // gone between the listing and the read
    }
  }
  return found;
}

/** Whether a process runs (a zombie no longer does: its parent has not reaped it yet). */
function alive(pid: number): boolean {
  if (!existsSync(`/proc/${pid}`)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntil(what: string, ok: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  for (const started = Date.now(); !(await ok()); await sleep(20))
    if (Date.now() - started > ms) assert.fail(`${what}: not within ${ms / 1000} s`);
}

describe('import with its own deliver worker processes', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aitu-import-workers-'));
  const file = path.join(dir, 'result.json');
  const dbs: TestDatabase[] = [];
  const prefixes: string[] = [];

  before(async () => {
    await writeTelegramExport(file, { messages: MESSAGES, seed: 7, personalDataRate: 0.2 });
  });
  after(async () => {
    await Promise.all(prefixes.map(removePrefix));
    await Promise.all(dbs.map((db) => db.drop()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh installation: its own database, queue prefix and data directory, with the agency `mvd`. */
  async function installation(extra: NodeJS.ProcessEnv = {}) {
    const db = await createTestDatabase();
    const prefix = testPrefix();
    dbs.push(db);
    prefixes.push(prefix);
    await addAgency(db.store.prisma, { slug: 'mvd', name: 'MVD' });
    const env: NodeJS.ProcessEnv = {
      DATABASE_URL: db.url,
      AITU_GATEWAY_QUEUE_PREFIX: prefix,
      AITU_GATEWAY_DATA_DIR: path.join(dir, prefix),
      LOG_LEVEL: 'warn',
      ...extra,
    };
    await initTestInstallation(env);
    const count = async (sql: string) => Number((await db.store.pool.query(sql)).rows[0]?.n ?? 0);
    return { db, env, count };
  }

  /** Runs the import, noting every deliver worker process it has as a child while it runs. */
  async function importWatched(env: NodeJS.ProcessEnv, extraArgs: string[] = []) {
    const { child, done } = spawnCli(
      ['import', 'telegram', file, '--agency', 'mvd', '--json', '--no-progress', ...extraArgs],
      env,
    );
    const seen = new Set<number>();
    let most = 0;
    let finished = false;
    const watching = (async () => {
      while (!finished) {
        const now = workerChildren(child.pid!);
        for (const pid of now) seen.add(pid);
        most = Math.max(most, now.length);
        await sleep(20);
      }
    })();
    const result = await done;
    finished = true;
    await watching;
    return { result, seen: [...seen], most };
  }

  /** What the store holds beyond storeSnapshot: each message's decision and review item. */
  async function decisions(db: TestDatabase) {
    return (
      await db.store.pool.query(
        `SELECT m.source_message_id, d.action, d.categories, r.status AS review
           FROM messages m JOIN decisions d ON d.id = m.decision_id LEFT JOIN review_items r ON r.message_id = m.id
          ORDER BY m.source_message_id`,
      )
    ).rows;
  }

  const withoutRun = (s: Summary) => ({ ...s, runId: null });

  let reference: Awaited<ReturnType<typeof installation>>;
  let referenceSummary: Summary;

  it('--workers 0 delivers in the import process: no worker process is started', async () => {
    reference = await installation();
    const { result, seen } = await importWatched(reference.env, ['--workers', '0']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(seen, []);
    referenceSummary = JSON.parse(result.stdout) as Summary;
    assertBalanced(referenceSummary);
    assert.equal(referenceSummary.read, MESSAGES);
    assert.ok(referenceSummary.delivered > 0);
  });

  it('by default starts cores − 1 deliver worker processes (at least one), stops them, and stores the same', async () => {
    const mine = await installation();
    const { result, seen, most } = await importWatched(mine.env);
    assert.equal(result.code, 0, result.stderr);
    // on this project's 2-core machine: one
    assert.equal(most, defaultWorkerProcesses(), `worker processes at once: ${most}`);
    assert.equal(seen.length, defaultWorkerProcesses(), 'no process was started twice');
    for (const pid of seen) assert.equal(alive(pid), false, `worker process ${pid} outlived the import`);

    const status = await runCli(['status', '--json'], { env: mine.env });
    assert.equal(status.code, 0, status.stderr);
    const report = JSON.parse(status.stdout) as Record<string, { workers: number; waitingBatches: number }>;
    assert.equal(report.deliver!.workers, 0, 'status shows no deliver workers after the import');
    assert.equal(report.deliver!.waitingBatches, 0);

    const summary = JSON.parse(result.stdout) as Summary;
    assert.deepEqual(withoutRun(summary), withoutRun(referenceSummary));
    assert.deepEqual(await storeSnapshot(mine.db.store.pool), await storeSnapshot(reference.db.store.pool));
    assert.deepEqual(await decisions(mine.db), await decisions(reference.db));
    // each batch delivered once, by the worker process
    assert.equal(await mine.count(`SELECT count(*) AS n FROM import_batches`), Math.ceil(MESSAGES / BATCH_SIZE));
  });

  it('--workers 2 starts two; running workers are used instead of starting more', async () => {
    const mine = await installation();
    const { result, most } = await importWatched(mine.env, ['--workers', '2']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(most, 2);

    // an operator's worker already runs: the import starts none and leaves delivery to it
    const other = await installation();
    const operator = spawnCli(['worker', '--stages', 'deliver'], other.env);
    try {
      await waitUntil('the operator’s worker registers', async () => {
        const status = await runCli(['status', '--json'], { env: other.env });
        return (JSON.parse(status.stdout) as Record<string, { workers: number }>).deliver!.workers === 1;
      });
      const run = await importWatched(other.env);
      assert.equal(run.result.code, 0, run.result.stderr);
      assert.deepEqual(run.seen, []);
      assert.equal((JSON.parse(run.result.stdout) as Summary).delivered, referenceSummary.delivered);
    } finally {
      operator.child.kill('SIGTERM');
      assert.equal((await operator.done).code, 0);
    }
  });

  it('when the workers it relied on go away during the import, it starts its own and finishes', async () => {
    const mine = await installation({ AITU_GATEWAY_FAULT_DELIVER_DELAY_MS: '300' });
    // one batch at a time: when it stops, batches are still waiting in the queue
    const operator = spawnCli(['worker', '--stages', 'deliver', '--concurrency', '1'], mine.env);
    await waitUntil('the operator’s worker registers', async () => {
      const status = await runCli(['status', '--json'], { env: mine.env });
      return (JSON.parse(status.stdout) as Record<string, { workers: number }>).deliver!.workers === 1;
    });
    const { child, done } = spawnCli(
      ['import', 'telegram', file, '--agency', 'mvd', '--json', '--no-progress'],
      mine.env,
    );
    await waitUntil('the operator’s worker delivers a batch', async () => {
      if (child.exitCode !== null) assert.fail(`the import ended first: ${(await done).stderr}`);
      return (await mine.count(`SELECT count(*) AS n FROM import_batches`)) > 0;
    });
    assert.deepEqual(workerChildren(child.pid!), [], 'none of its own while the operator’s runs');
    operator.child.kill('SIGTERM');
    assert.equal((await operator.done).code, 0);
    let own: number[] = [];
    await waitUntil('the import starts a worker process of its own', () => {
      own = workerChildren(child.pid!);
      return own.length > 0 || child.exitCode !== null;
    });
    const result = await done;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(own.length, defaultWorkerProcesses());
    assert.deepEqual(await storeSnapshot(mine.db.store.pool), await storeSnapshot(reference.db.store.pool));
    for (const pid of own) assert.equal(alive(pid), false);
  });

  it('a worker process that dies fails the import with a clear error; the same command then finishes the job', async () => {
    // slow deliveries, so the import is still running when its worker process is killed
    const mine = await installation({ AITU_GATEWAY_FAULT_DELIVER_DELAY_MS: '300' });
    const { child, done } = spawnCli(
      ['import', 'telegram', file, '--agency', 'mvd', '--json', '--no-progress'],
      mine.env,
    );
    let victim = 0;
    await waitUntil('a batch is delivered by the worker process', async () => {
      if (child.exitCode !== null) assert.fail(`the import ended first: ${(await done).stderr}`);
      victim = workerChildren(child.pid!)[0] ?? 0;
      return victim > 0 && (await mine.count(`SELECT count(*) AS n FROM import_batches`)) > 0;
    });
    process.kill(victim, 'SIGKILL');
    const failed = await done;
    assert.equal(failed.code, 1, failed.stderr);
    const summary = JSON.parse(failed.stdout) as Summary;
    assert.equal(summary.status, 'failed');
    assert.match(
      summary.error!,
      /deliver worker process .*\(pid \d+\) exited with signal SIGKILL; run the same command again/,
    );
    assert.match(failed.stderr, /aitu-gateway: a deliver worker process this import started/);

    const again = await spawnCli(['import', 'telegram', file, '--agency', 'mvd', '--json', '--no-progress'], {
      ...mine.env,
      AITU_GATEWAY_FAULT_DELIVER_DELAY_MS: '0',
    }).done;
    assert.equal(again.code, 0, again.stderr);
    assert.ok((JSON.parse(again.stdout) as Summary).resumedFrom);
    assert.deepEqual(await storeSnapshot(mine.db.store.pool), await storeSnapshot(reference.db.store.pool));
    assert.deepEqual(await decisions(mine.db), await decisions(reference.db));
  });

  it('the worker processes of a SIGKILLed import drain and exit by themselves', async () => {
    const mine = await installation({ AITU_GATEWAY_FAULT_DELIVER_DELAY_MS: '300' });
    const { child, done } = spawnCli(
      ['import', 'telegram', file, '--agency', 'mvd', '--json', '--no-progress'],
      mine.env,
    );
    let workers: number[] = [];
    await waitUntil('the worker process takes a batch', async () => {
      if (child.exitCode !== null) assert.fail(`the import ended first: ${(await done).stderr}`);
      workers = workerChildren(child.pid!);
      return workers.length > 0 && (await mine.count(`SELECT count(*) AS n FROM import_batches`)) > 0;
    });
    child.kill('SIGKILL');
    await done;
    await waitUntil('the orphaned worker processes exit', () => workers.every((pid) => !alive(pid)), 20_000);
    const status = await runCli(['status', '--json'], { env: mine.env });
    assert.equal((JSON.parse(status.stdout) as Record<string, { workers: number }>).deliver!.workers, 0);
  });
});
