import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BATCH_SIZE } from '../../src/pipeline/queues.ts';
import { assertSameAsReference, createFaultStore, type FaultStore } from '../helpers/fault-store.ts';
import { assertBalanced, spawnCli, type Summary } from '../helpers/import.ts';
import { makeMessages, writeJsonl } from '../helpers/messages.ts';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.ts';
import { sleep } from '../helpers/wait.ts';

const BATCHES = 10;
const TOTAL = BATCHES * BATCH_SIZE;

/**
 * Redis restarted while `import jsonl` runs, against a private redis-server each: once with an append-only file
 * fsynced on every write (the queues come back as they were), once with no persistence (they come back empty, and
 * the import must notice and send its lost batches again by itself).
 */
describe('Redis restarted in the middle of an import', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aitu-fault-redis-'));
  const file = path.join(dir, 'history.jsonl');
  const redises: PrivateRedis[] = [];
  const stores: FaultStore[] = [];
  let reference: FaultStore;

  const privateRedis = async (persistence: boolean) => {
    const redis = await startPrivateRedis({ persistence });
    redises.push(redis);
    return redis;
  };
  const faultStore = async (redis: PrivateRedis, name: string) => {
    const store = await createFaultStore({ redisUrl: redis.url, dataDir: path.join(dir, name), slug: 'mvd' });
    stores.push(store);
    return store;
  };
  const importArgs = ['import', 'jsonl', file, '--agency', 'mvd', '--json', '--no-progress'];

  before(async () => {
    writeJsonl(file, makeMessages(TOTAL, { chats: 4 }));
    reference = await faultStore(await privateRedis(false), 'reference');
    const straight = await spawnCli(importArgs, reference.env).done;
    assert.equal(straight.code, 0, straight.stderr);
    const summary = JSON.parse(straight.stdout) as Summary;
    assert.equal(summary.delivered, TOTAL);
  });
  after(async () => {
    await Promise.all(stores.map((store) => store.drop()));
    await Promise.all(redises.map((redis) => redis.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Runs the import (one delivery at a time, each held open a little, so batches wait in Redis) and restarts
   * `redis` once a few batches have committed; returns the import's outcome and how far it had got.
   */
  async function importThroughRestart(store: FaultStore, redis: PrivateRedis, how: 'shutdown' | 'sigkill') {
    const { child, done } = spawnCli([...importArgs, '--concurrency', '1'], {
      ...store.env,
      AITU_GATEWAY_FAULT_DELIVER_DELAY_MS: '150',
    });
    let committedAtRestart: number;
    for (;;) {
      if (child.exitCode !== null) assert.fail(`the import finished before the restart: ${(await done).stderr}`);
      committedAtRestart = await store.count(`SELECT count(*) AS n FROM import_batches`);
      if (committedAtRestart >= 2) break;
      await sleep(20);
    }
    // a key of the test's own says what the restarted server kept (the import's own keys come back as it reconnects)
    assert.equal(await redis.send('SET fault-marker 1'), '+OK');
    assert.ok((await redis.dbsize()) > 1, 'the import has its queues in this Redis');
    await redis.restart(how, 300);
    const kept = (await redis.send('EXISTS fault-marker')) === ':1';
    const result = await done;
    return { result, committedAtRestart, kept };
  }

  it('with persistence: the queues come back as they were and the import finishes as if nothing happened', async () => {
    const redis = await privateRedis(true);
    const store = await faultStore(redis, 'persistent');
    const { result, committedAtRestart, kept } = await importThroughRestart(store, redis, 'sigkill');
    assert.ok(committedAtRestart < BATCHES - 2, `restarted mid-run (${committedAtRestart} batches committed)`);
    assert.ok(kept, 'the killed Redis came back with what it held');

    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as Summary;
    assertBalanced(summary);
    assert.equal(summary.status, 'completed');
    assert.equal(summary.redeliveries, 0, 'nothing was lost, so nothing was sent again');
    assert.equal(summary.delivered, TOTAL);
    await assertSameAsReference(store, reference);
  });

  it('without persistence: the import notices its lost batches and sends them again from its checkpoint, by itself', async () => {
    const redis = await privateRedis(false);
    const store = await faultStore(redis, 'volatile');
    const { result, committedAtRestart, kept } = await importThroughRestart(store, redis, 'shutdown');
    assert.ok(committedAtRestart < BATCHES - 2, `restarted mid-run (${committedAtRestart} batches committed)`);
    assert.ok(!kept, 'the restarted Redis came back empty');

    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as Summary;
    assertBalanced(summary);
    assert.equal(summary.status, 'completed');
    assert.equal(summary.resumedFrom, null, 'finished by the same command, without a second run');
    assert.ok(summary.redeliveries >= 1, 'the lost batches were sent again');
    assert.match(result.stderr, /were lost in the pipeline; sending them again from the last committed checkpoint/);
    assert.equal(summary.read, TOTAL, 'entries read again are counted once');
    assert.equal(summary.delivered, TOTAL);
    assert.equal(await store.count(`SELECT count(*) AS n FROM import_runs`), 1);
    await assertSameAsReference(store, reference);
  });
});
