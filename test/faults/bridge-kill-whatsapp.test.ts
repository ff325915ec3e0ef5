import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { addMapping } from '../../src/store/chat-map.ts';
import { BridgeProcess } from '../helpers/bridge-process.ts';
import { projectRoot } from '../helpers/cli.ts';
import { faultSnapshot } from '../helpers/fault-snapshot.ts';
import { createImportWorld, type ImportWorld } from '../helpers/import-world.ts';
import { sleep, waitFor } from '../helpers/wait.ts';
import type { WireWaMessage } from '../helpers/whatsapp-bridge-child.ts';

const CHAT = '77011234567@c.us';
const TOTAL = 200;
const lines = [
  'Добрый день, запись на четверг.',
  'ИИН ребёнка 940101300123, нужна справка.',
  'Диагноз: туберкулез легких, нужен больничный.',
  'Мой номер +7 701 234 56 78, перезвоните.',
  'Рахмет, келісемін.',
];

/** The i-th message the stand-in WhatsApp receives: the same in every run. */
function waMessage(i: number): WireWaMessage {
  return {
    id: `3EB0${i.toString(16).padStart(8, '0').toUpperCase()}`,
    chat: CHAT,
    chatName: 'Aliya',
    from: CHAT,
    notifyName: 'Aliya',
    body: `${lines[i % lines.length]} №${i}`,
    timestamp: 1733300000 + i,
  };
}

/**
 * The stand-in WhatsApp (the parent) and the bridge processes it serves, one at a time: a message arriving while a
 * bridge takes messages is sent to it; one arriving while none does is only added to the chat's history, which a
 * bridge starting later is given (as a restored WhatsApp Web session syncs it, without emitting it).
 */
class WhatsApp {
  readonly history: WireWaMessage[] = [];
  current: BridgeProcess | null = null;
  readonly bridges: BridgeProcess[] = [];

  constructor(readonly world: ImportWorld) {}

  async startBridge(): Promise<BridgeProcess> {
    const file = path.join(this.world.dir, `history-${this.bridges.length}.json`);
    writeFileSync(file, JSON.stringify(this.history));
    let given = this.history.length;
    const bridge = new BridgeProcess(
      this.world,
      ['a'],
      { WA_HISTORY_FILE: file },
      { command: ['--import', 'tsx', path.join(projectRoot, 'test/helpers/whatsapp-bridge-child.ts')], ipc: true },
    );
    this.bridges.push(bridge);
    await new Promise<void>((resolve, reject) => {
      bridge.child.once('message', () => resolve());
      bridge.child.once('exit', () => reject(new Error(`the bridge exited: ${bridge.output.slice(-2000)}`)));
    });
    // what arrived since its history was written
    for (; given < this.history.length; given++) bridge.child.send({ type: 'message', message: this.history[given] });
    this.current = bridge;
    await bridge.running();
    return bridge;
  }

  receive(message: WireWaMessage): void {
    this.history.push(message);
    if (this.current?.alive) this.current.child.send({ type: 'message', message });
  }

  async kill(): Promise<void> {
    const bridge = this.current!;
    this.current = null;
    await bridge.stop('SIGKILL');
  }
}

async function mappedWorld(): Promise<ImportWorld> {
  const world = await createImportWorld(['a']);
  await addMapping(world.db.store.pool, world.agencies.a!, 'whatsapp', CHAT, 'Aliya (WhatsApp)');
  return world;
}

async function stored(world: ImportWorld): Promise<number> {
  const [row] = await world.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM messages WHERE platform = 'whatsapp' AND source_chat_id = $1`,
    [CHAT],
  );
  return row!.n;
}

/** Messages [from, to) arriving one every `everyMs`. */
async function stream(whatsapp: WhatsApp, from: number, to: number, everyMs = 15): Promise<void> {
  for (let i = from; i < to; i++) {
    whatsapp.receive(waMessage(i));
    await sleep(everyMs);
  }
}

async function allStored(world: ImportWorld, alive: () => boolean, ms: number): Promise<void> {
  await waitFor(
    async () => {
      assert.ok(alive(), 'the bridge exited');
      return (await stored(world)) >= TOTAL;
    },
    `${TOTAL} messages stored`,
    ms,
  );
  await sleep(1000);
  assert.equal(await stored(world), TOTAL);
}

/**
 * The WhatsApp bridge SIGKILLed while messages stream in and started again. whatsapp-web.js only runs in a browser
 * logged in to a phone, so the bridge process runs the command's code with a stand-in Client
 * (test/helpers/whatsapp-bridge-child.ts); it is a process of its own, killed for real. Compared with the same
 * messages through a bridge left alone.
 */
describe('the WhatsApp bridge killed mid-stream and started again', () => {
  const worlds: ImportWorld[] = [];
  const whatsapps: WhatsApp[] = [];

  after(async () => {
    for (const whatsapp of whatsapps) for (const bridge of whatsapp.bridges) await bridge.stop('SIGKILL');
    for (const world of worlds) await world.close();
  });

  async function uninterrupted(): Promise<ImportWorld> {
    const world = await mappedWorld();
    worlds.push(world);
    const whatsapp = new WhatsApp(world);
    whatsapps.push(whatsapp);
    const bridge = await whatsapp.startBridge();
    await stream(whatsapp, 0, TOTAL);
    await allStored(world, () => bridge.alive, 60_000);
    assert.deepEqual(await bridge.stop(), { code: 0, signal: null }, bridge.output.slice(-2000));
    return world;
  }

  it('messages in flight and those written while it was down are caught up: nothing lost, nothing twice', async () => {
    const reference = uninterrupted();
    reference.catch(() => {});
    const world = await mappedWorld();
    worlds.push(world);
    const whatsapp = new WhatsApp(world);
    whatsapps.push(whatsapp);
    await whatsapp.startBridge();
    const streaming = stream(whatsapp, 0, TOTAL);
    await waitFor(async () => (await stored(world)) >= 50, 'the stream under way', 30_000);
    await whatsapp.kill();
    const killedAt = whatsapp.history.length;
    // written while no bridge runs: WhatsApp will not emit them to the next one
    await waitFor(async () => whatsapp.history.length >= killedAt + 30, 'messages written while it is down', 30_000);
    const second = await whatsapp.startBridge();
    await streaming;
    // a batch the killed process was delivering is taken up again once BullMQ finds it stalled (its lock lapses)
    await allStored(world, () => second.alive, 100_000);
    const caughtUp = second.output
      .split('\n')
      .filter((line) => line.includes('caught up with history written while the bridge was away'))
      .map((line) => JSON.parse(line) as { emitted: number });
    assert.equal(caughtUp.length, 1, second.output.slice(-2000));
    assert.ok(
      caughtUp[0]!.emitted >= 30,
      `the messages written while it was down were read back (${caughtUp[0]!.emitted})`,
    );
    assert.deepEqual(await faultSnapshot(world.db.store.pool), await faultSnapshot((await reference).db.store.pool));
    assert.deepEqual(await second.stop(), { code: 0, signal: null }, second.output.slice(-2000));
  });
});
