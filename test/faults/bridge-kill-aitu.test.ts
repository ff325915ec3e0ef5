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

  /**
   * The posts without their Aitu id: `lost`, whose MessageIdAssigned Aitu handed out before the kill (to the killed
   * process), and `late`, any other (not yet handed out, or handed to the restarted bridge and not recorded).
   */
  async function unassigned(setup: Relaying, killedAt: number) {
    const rows = await setup.world.query<{ local_id: string; state: string }>(
      `SELECT local_id, state FROM aitu_posts WHERE aitu_message_id IS NULL ORDER BY local_id`,
    );
    const lost = rows.filter((row) => handedOutBefore(setup, row.local_id, killedAt));
    return { lost, late: rows.filter((row) => !lost.includes(row)) };
  }

  function handedOutBefore(setup: Relaying, localId: string, killedAt: number): boolean {
    return (setup.aitu.assignmentsHandedOut.get(localId) ?? Infinity) <= killedAt;
  }

  /** Nothing on its way: every id handed out since recorded, and no lost post still `sending` (to be sent again). */
  const settled = ({ lost, late }: Awaited<ReturnType<typeof unassigned>>) =>
    late.length === 0 && lost.every((post) => post.state === 'sent');

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
    const killedAt = Date.now();
    const postedAtKill = setup.aitu.posts.length;
    assert.ok(postedAtKill < TOTAL, 'killed while posts were still to go');
    await pushing;
    await assertStreamComplete(setup.world, TOTAL, 60_000, () => telegramBridge.alive);
    await sleep(500);
    assert.ok(setup.aitu.posts.length - postedAtKill <= 1, 'nothing posted while the Aitu bridge was down');

    const second = await startAitu(setup);
    // a relay job the killed process held is taken up again once BullMQ finds it stalled (its lock lapses); a post's
    // id comes with a later update (MessageIdAssigned), so the last ones may still be on their way
    await waitFor(async () => setup.aitu.posts.length >= TOTAL, `${TOTAL} posts in Aitu`, 100_000);
    await waitFor(async () => settled(await unassigned(setup, killedAt)), 'every post settled', 100_000).catch(
      () => {},
    );
    await sleep((ASSIGN_WAIT_S + 2) * 1000);
    const { lost, late } = await unassigned(setup, killedAt);
    assert.deepEqual(late, [], 'every id Aitu handed to the restarted bridge recorded');
    // Aitu's updates have no acknowledgement: ids handed to the killed process and not yet recorded are gone with it
    assert.ok(lost.length <= 100, 'at most one answer of updates lost with the killed process');
    for (const post of lost) assert.equal(post.state, 'sent', 'a post whose id was lost stays posted, once');
    const states = await setup.world.query<{ state: string; n: number }>(
      `SELECT state, count(*)::int AS n FROM aitu_posts WHERE aitu_message_id IS NOT NULL GROUP BY 1`,
    );
    assert.deepEqual(states, [{ state: 'assigned', n: TOTAL - lost.length }], 'every other post recorded with its id');

    const expected = await reference;
    const firstPosts = new Map<string, string>();
    for (const post of setup.aitu.posts) {
      if (!firstPosts.has(post.localId!)) firstPosts.set(post.localId!, post.content);
      // the one gap the contract leaves (docs/bridges.md): killed after Aitu took a post and before its answer was
      // recorded, with the id handed to the killed process, the post is sent again under its localId after the wait
      else assert.ok(handedOutBefore(setup, post.localId!, killedAt), 'a localId sent twice only in the gap');
    }
    assert.ok(setup.aitu.posts.length - firstPosts.size <= 1, 'at most the one post in flight at the kill sent again');
    assert.equal(firstPosts.size, TOTAL, 'every message posted');
    assert.deepEqual([...firstPosts.values()].sort(), expected.posts, 'the posts of the uninterrupted run');
    assert.equal(await streamStored(setup.world), TOTAL);
    assert.deepEqual(
      await faultSnapshot(setup.world.db.store.pool),
      await faultSnapshot(expected.setup.world.db.store.pool),
    );
    assert.equal((await second.stop()).code, 0, second.output.slice(-2000));
  });
});
