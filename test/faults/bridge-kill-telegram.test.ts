import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BridgeProcess } from '../helpers/bridge-process.ts';
import { faultSnapshot } from '../helpers/fault-snapshot.ts';
import { FakeTelegram } from '../helpers/fake-telegram.ts';
import { createImportWorld, type ImportWorld } from '../helpers/import-world.ts';
import {
  activeDeliveries,
  assertStreamComplete,
  mapStreamGroup,
  pushStream,
  startTelegramBridge,
  streamStored,
  streamUninterrupted,
  waitForDeliveryInFlight,
} from '../helpers/live-stream.ts';
import { waitFor } from '../helpers/wait.ts';

const TOTAL = 300;

/**
 * `aitu-gateway bridge telegram` SIGKILLed while updates stream in and a delivery transaction is open, then started
 * again; compared with the same updates through a bridge left alone.
 */
describe('the Telegram bridge killed mid-stream and started again', () => {
  let reference: ImportWorld;
  let world: ImportWorld;
  let fake: FakeTelegram;
  const bridges: BridgeProcess[] = [];

  before(async () => {
    [reference, world] = await Promise.all([createImportWorld(['a']), createImportWorld(['a'])]);
    for (const w of [reference, world]) await mapStreamGroup(w);
    await streamUninterrupted(reference, TOTAL);
    fake = await FakeTelegram.start();
  });
  after(async () => {
    for (const bridge of bridges) await bridge.stop('SIGKILL');
    await fake?.close();
    await reference?.close();
    await world?.close();
  });

  it('nothing lost, nothing twice: the store is the uninterrupted bridge’s', async () => {
    // each delivery transaction is held open a while, so that the kill lands inside one
    const first = await startTelegramBridge(world, fake, { AITU_GATEWAY_FAULT_DELIVER_DELAY_MS: '100' });
    bridges.push(first);
    const pushing = pushStream(fake, 0, TOTAL, 5, 50);
    await waitFor(async () => (await streamStored(world)) >= 60, 'the stream under way', 30_000);
    await waitForDeliveryInFlight(world);
    await first.stop('SIGKILL');
    const served = fake.servedCount;
    assert.ok((await activeDeliveries(world)) > 0, 'killed while delivering: its job is left held');
    // nothing delivers now: what the killed bridge stored is all it will have stored
    assert.ok(served > (await streamStored(world)), 'killed with updates served to it and not stored');
    await pushing;
    assert.ok((await streamStored(world)) < TOTAL, 'the stream was cut short by the kill');

    const second = await startTelegramBridge(world, fake);
    bridges.push(second);
    // the batch the killed process was writing is taken up again once BullMQ finds it stalled (its lock lapses)
    await assertStreamComplete(world, TOTAL, 100_000, () => second.alive);
    await waitFor(async () => fake.unconfirmed === 0, 'every update confirmed to Telegram', 10_000);
    assert.deepEqual(await faultSnapshot(world.db.store.pool), await faultSnapshot(reference.db.store.pool));
    assert.deepEqual(await second.stop(), { code: 0, signal: null }, second.output.slice(-3000));
  });
});
