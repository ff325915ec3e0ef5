import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { addMapping } from '../../src/store/chat-map.ts';
import { BridgeProcess } from '../helpers/bridge-process.ts';
import { FakeAitu } from '../helpers/fake-aitu.ts';
import { faultSnapshot } from '../helpers/fault-snapshot.ts';
import { FakeTelegram } from '../helpers/fake-telegram.ts';
import { createImportWorld, type ImportWorld } from '../helpers/import-world.ts';
import {
  assertStreamComplete,
  mapStreamGroup,
  pushStream,
  startTelegramBridge,
  streamStored,
} from '../helpers/live-stream.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

const TOTAL = 150;
/** the Aitu group of the national chat, the same in both runs (each has its own fake Aitu) */
const AITU_GROUP = randomUUID();
const ASSIGN_WAIT_S = 3;

/** One world's Telegram group mapped, with an Aitu group, to one national chat; both bridges and both fakes. */
interface Relaying {
  world: ImportWorld;
  group: string;
  telegram: FakeTelegram;
  aitu: FakeAitu;
  bridges: BridgeProcess[];
}

/**
 * Telegram messages relayed into a mapped Aitu group by `bridge aitu`, which is SIGKILLed while it posts and then
 * started again; the Telegram bridge runs throughout. Compared with the same stream relayed by bridges left alone.
 */
describe('the Aitu bridge killed while relaying and started again', () => {
  const all: Relaying[] = [];

  async function relaying(): Promise<Relaying> {
    const world = await createImportWorld(['a']);
    const group = AITU_GROUP;
    await mapStreamGroup(world);
    await addMapping(world.db.store.pool, world.agencies.a!, 'aitu', group, 'Приёмная');
    const setup: Relaying = {
      world,
      group,
      telegram: await FakeTelegram.start(),
      aitu: await FakeAitu.start(),
      bridges: [],
    };
    all.push(setup);
    setup.bridges.push(await startTelegramBridge(world, setup.telegram));
    await startAitu(setup);
    return setup;
  }

  async function startAitu(setup: Relaying): Promise<BridgeProcess> {
    const bridge = new BridgeProcess(
      setup.world,
      ['aitu', '--agency', 'a', '--per-group', '20', '--per-bot', '20', '--assign-wait', String(ASSIGN_WAIT_S)],
      { AITU_BOT_TOKEN: setup.aitu.token, AITU_API_ROOT: setup.aitu.apiRoot },
    );
    setup.bridges.push(bridge);
    await bridge.running();
    return bridge;
  }

  /** Every message of the stream posted, and nothing more for a while after (a repeat would come by then). */
  async function allPosted(setup: Relaying, ms: number): Promise<string[]> {
    await waitFor(async () => setup.aitu.posts.length >= TOTAL, `${TOTAL} posts in Aitu`, ms);
    await sleep((ASSIGN_WAIT_S + 2) * 1000);
    return setup.aitu.posts.map((p) => p.content).sort();
  }

  /** The stream relayed by bridges left alone: the posts an interrupted run is compared with. */
  async function uninterrupted(): Promise<{ setup: Relaying; posts: string[] }> {
    const setup = await relaying();
    await pushStream(setup.telegram, 0, TOTAL);
    await assertStreamComplete(setup.world, TOTAL, 60_000);
    const posts = await allPosted(setup, 60_000);
    assert.equal(posts.length, TOTAL, 'one post for each message');
    for (const bridge of setup.bridges) assert.equal((await bridge.stop()).code, 0, bridge.output.slice(-2000));
    return { setup, posts };
  }

  after(async () => {
    for (const setup of all) {
      for (const bridge of setup.bridges) await bridge.stop('SIGKILL');
      await setup.telegram.close();
      await setup.aitu.close();
      await setup.world.close();
    }
  });

  it('each message posted once, none missing: the posts and the store are the uninterrupted run’s', async () => {
    // run alongside: most of this test is the wait for BullMQ to find the killed process's job stalled
    const reference = uninterrupted();
    reference.catch(() => {});
    const setup = await relaying();
    const [telegramBridge, first] = setup.bridges as [BridgeProcess, BridgeProcess];
    const pushing = pushStream(setup.telegram, 0, TOTAL);
    await waitFor(async () => setup.aitu.posts.length >= 30, 'the relay under way', 30_000);
    await first.stop('SIGKILL');
    const postedAtKill = setup.aitu.posts.length;
    assert.ok(postedAtKill < TOTAL, 'killed while posts were still to go');
    await pushing;
    await assertStreamComplete(setup.world, TOTAL, 60_000, () => telegramBridge.alive);
    await sleep(500);
    assert.ok(setup.aitu.posts.length - postedAtKill <= 1, 'nothing posted while the Aitu bridge was down');

    const second = await startAitu(setup);
    // a relay job the killed process held is taken up again once BullMQ finds it stalled (its lock lapses)
    const posts = await allPosted(setup, 100_000);
    assert.equal(posts.length, TOTAL, 'each message posted once');
    const expected = await reference;
    assert.deepEqual(posts, expected.posts, 'the posts of the uninterrupted run');
    assert.equal(new Set(setup.aitu.posts.map((p) => p.localId)).size, TOTAL, 'no localId sent twice');
    // a post's Aitu id arrives with a later update (MessageIdAssigned): the last one may still be on its way
    const postStates = () =>
      setup.world.query<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM aitu_posts GROUP BY 1`);
    await waitFor(
      async () => JSON.stringify(await postStates()) === JSON.stringify([{ state: 'assigned', n: TOTAL }]),
      'every post assigned',
      30_000,
    ).catch(() => {});
    assert.deepEqual(await postStates(), [{ state: 'assigned', n: TOTAL }], 'every post recorded with its Aitu id');
    assert.equal(await streamStored(setup.world), TOTAL);
    assert.deepEqual(
      await faultSnapshot(setup.world.db.store.pool),
      await faultSnapshot(expected.setup.world.db.store.pool),
    );
    assert.equal((await second.stop()).code, 0, second.output.slice(-2000));
  });
});
