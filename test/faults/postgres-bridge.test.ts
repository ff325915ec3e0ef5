import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BridgeProcess } from '../helpers/bridge-process.ts';
import { faultSnapshot } from '../helpers/fault-snapshot.ts';
import { FakeTelegram } from '../helpers/fake-telegram.ts';
import { createImportWorld, type ImportWorld } from '../helpers/import-world.ts';
import {
  assertStreamComplete,
  mapStreamGroup,
  pushStream,
  startTelegramBridge,
  streamStored,
  streamUninterrupted,
  waitForDeliveryInFlight,
} from '../helpers/live-stream.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.ts';
import { waitFor } from '../helpers/wait.ts';

/** Updates in the stream: pushed 25 a second, so that it goes on through a 10 s outage. */
const TOTAL = 400;

/**
 * `aitu-gateway bridge telegram` against a fake Bot API, its store on a private PostgreSQL cluster that is restarted,
 * or stopped for 10 s, while updates stream in; compared with the same updates through a bridge left alone.
 */
describe('PostgreSQL away in the middle of a live Telegram bridge stream', () => {
  let cluster: PrivatePostgres;
  let reference: ImportWorld;
  const worlds: ImportWorld[] = [];
  const fakes: FakeTelegram[] = [];
  const bridges: BridgeProcess[] = [];

  before(async () => {
    cluster = await startPrivatePostgres();
    reference = await createImportWorld(['a']);
    worlds.push(reference);
    await mapStreamGroup(reference);
    await streamUninterrupted(reference, TOTAL);
  });
  after(async () => {
    for (const bridge of bridges) await bridge.stop('SIGKILL');
    for (const fake of fakes) await fake.close();
    for (const world of worlds) await world.close().catch(() => {});
    await cluster?.teardown();
  });

  /** Streams the updates into a world on the private cluster, applies the fault once a delivery transaction is open. */
  async function streamThrough(fault: () => Promise<void>): Promise<BridgeProcess> {
    const world = await createImportWorld(['a'], () => cluster.createDatabase());
    worlds.push(world);
    await mapStreamGroup(world);
    const fake = await FakeTelegram.start();
    fakes.push(fake);
    // each delivery transaction is held open a while, so that the fault cuts one
    const bridge = await startTelegramBridge(world, fake, { AITU_GATEWAY_FAULT_DELIVER_DELAY_MS: '100' });
    bridges.push(bridge);
    const pushing = pushStream(fake, 0, TOTAL, 5, 200);
    await waitFor(async () => (await streamStored(world)) >= 40, 'the stream under way', 30_000);
    await waitForDeliveryInFlight(world);
    await fault();
    await pushing;
    await assertStreamComplete(world, TOTAL, 90_000, () => bridge.alive);
    await waitFor(async () => fake.unconfirmed === 0, 'every update confirmed to Telegram', 10_000);
    assert.deepEqual(await faultSnapshot(world.db.store.pool), await faultSnapshot(reference.db.store.pool));
    const exit = await bridge.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, bridge.output.slice(-3000));
    // a poll loop that sleeps often must not pile listeners on its abort signal
    assert.doesNotMatch(bridge.output, /MaxListenersExceededWarning/);
    return bridge;
  }

  it('restarted while a delivery transaction is open: every update stored once, as without the restart', async () => {
    const bridge = await streamThrough(() => cluster.restart());
    assert.match(bridge.output, /deliver job will be retried/, 'the cut delivery was retried');
  });

  it('stopped for 10 s: the bridge keeps its mappings and waits; every update stored once', async () => {
    const bridge = await streamThrough(() => cluster.unreachableFor(10_000));
    assert.match(bridge.output, /cannot read the chat mappings; using those read last/);
    assert.doesNotMatch(bridge.output, /"state":"backing-off"/, 'the connector did not have to back off');
  });
});
