import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeTelegramExport } from '../bridges/telegram/export/generate.ts';
import { loadKeyring } from '../src/core/keys.ts';
import { decideReviewItem } from '../src/service/review.ts';
import { addMapping } from '../src/store/chat-map.ts';
import { relayQueueName } from '../src/pipeline/queues.ts';
import { Queue } from 'bullmq';
import { redisUrl } from './helpers/redis.ts';
import { cliPath, projectRoot } from './helpers/cli.ts';
import { FakeAitu } from './helpers/fake-aitu.ts';
import { FakeTelegram } from './helpers/fake-telegram.ts';
import { createImportWorld, type ImportWorld } from './helpers/import-world.ts';
import { configFor } from './helpers/installation.ts';
import { createPeople } from './helpers/people.ts';
import { sleep, waitFor } from './helpers/wait.ts';

const TG_GROUP = { id: -1001987654321, title: 'Поликлиника №3', type: 'supergroup' };
const AITU_GROUP = randomUUID();
/** the bulk import's chat (the generator's export id, as the Bot API writes it) and its Aitu group */
const BULK_CHAT_ID = 1555000111;
const BULK_GROUP = randomUUID();
const PER_GROUP = 400;
const dana = { id: 111222333, is_bot: false, first_name: 'Dana' };
const aigerim = { id: randomUUID(), firstName: 'Айгерим', lastName: 'Сейтова' };
const IIN = '940101300123';
const ASSIGN_WAIT_S = 4;
let date = 1717230000;
let nextTgId = 100;

/** A bridge as an operator runs it: `aitu-gateway bridge <platform> --agency a`, its output kept. */
class Bridge {
  output = '';
  readonly exited: Promise<number | null>;
  readonly child: ChildProcess;
  constructor(world: ImportWorld, args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [cliPath, 'bridge', ...args, '--agency', 'a'], {
      cwd: projectRoot,
      env: { ...process.env, ...world.env, ...env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

describe('bridge aitu: relay into a fake Aitu Bot API and replies out to a fake Telegram, real Redis and PostgreSQL', () => {
  let world: ImportWorld;
  let telegram: FakeTelegram;
  let aitu: FakeAitu;
  let bridges: Bridge[] = [];
  let people: Awaited<ReturnType<typeof createPeople<'root' | 'officer'>>>;

  const tgSay = (text: string, extra: Record<string, unknown> = {}) => {
    const messageId = nextTgId++;
    telegram.push({ message: { message_id: messageId, from: dana, chat: TG_GROUP, date: ++date, text, ...extra } });
    return messageId;
  };
  const postWith = async (content: string, group = AITU_GROUP) => {
    await waitFor(async () => aitu.visible(group).some((p) => p.content === content), `"${content}" in Aitu`, 30_000);
    return aitu.visible(group).find((p) => p.content === content)!;
  };

  before(async () => {
    world = await createImportWorld(['a']);
    telegram = await FakeTelegram.start();
    aitu = await FakeAitu.start();
    const pool = world.db.store.pool;
    people = await createPeople(world.db.store, {
      root: { role: 'admin' },
      officer: { role: 'officer', agencies: ['a'] },
    });
    await addMapping(pool, world.agencies.a!, 'telegram', String(TG_GROUP.id), 'Поликлиника №3');
    await addMapping(pool, world.agencies.a!, 'aitu', AITU_GROUP, 'Поликлиника №3');
    await addMapping(pool, world.agencies.a!, 'telegram', `-100${BULK_CHAT_ID}`, 'Архив штаба');
    await addMapping(pool, world.agencies.a!, 'aitu', BULK_GROUP, 'Архив штаба');
    bridges = [
      new Bridge(world, ['telegram'], { TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.apiRoot }),
      new Bridge(
        world,
        [
          'aitu',
          '--per-group',
          String(PER_GROUP),
          '--per-bot',
          String(PER_GROUP),
          '--assign-wait',
          String(ASSIGN_WAIT_S),
        ],
        {
          AITU_BOT_TOKEN: aitu.token,
          AITU_API_ROOT: aitu.apiRoot,
        },
      ),
    ];
    await waitFor(async () => telegram.calls('getUpdates').length > 0, 'the Telegram bridge polling', 30_000);
    await waitFor(
      async () => /bridge running.*aitu|aitu.*bridge running/.test(bridges[1]!.output),
      'the Aitu bridge running',
      30_000,
    );
  });
  after(async () => {
    for (const bridge of bridges) await bridge.stop();
    await telegram?.close();
    await aitu?.close();
    await world?.close();
  });

  it('a live Telegram message appears once in the mapped Aitu group, as "Name (Telegram): text"', async () => {
    tgSay('Приём в 10:00, кабинет 12');
    const post = await postWith('Dana (Telegram): Приём в 10:00, кабинет 12');
    await sleep(1500);
    assert.equal(aitu.posts.filter((p) => p.content === post.content).length, 1);
    assert.ok(
      !telegram.sent.some((s) => String(s.params.text).includes('(Telegram):')),
      "the bot's own post, seen in its updates, is not bridged back out",
    );
    const [row] = await world.query<{ state: string; aitu_message_id: string }>(
      `SELECT state, aitu_message_id FROM aitu_posts WHERE local_id = $1`,
      [post.localId],
    );
    assert.deepEqual(row, { state: 'assigned', aitu_message_id: post.id }, 'MessageIdAssigned is recorded');
    const status = await world.cli(['status', '--json']);
    assert.equal(status.code, 0, status.stderr);
    const report = JSON.parse(status.stdout) as {
      connectors: { platform: string; state: string }[];
      relay: { workers: number; messagesLastMinute: number };
    };
    assert.equal(report.connectors.find((c) => c.platform === 'aitu')?.state, 'connected');
    assert.equal(report.relay.workers, 1, 'the bridge takes the relay queue');
    assert.ok(report.relay.messagesLastMinute >= 1);
  });

  it('a photo is uploaded first and posted with the message', async () => {
    // a real picture: attachments are read before the message is relayed, and random bytes are none
    const bytes = execFileSync('convert', ['-size', '640x480', 'gradient:navy-white', 'jpg:-']);
    telegram.addFile('AgAC-aitu-photo', { bytes });
    tgSay('', {
      text: undefined,
      caption: 'Схема проезда',
      photo: [{ file_id: 'AgAC-aitu-photo', file_unique_id: 'ap1', width: 640, height: 480, file_size: bytes.length }],
    });
    const post = await postWith('Dana (Telegram): Схема проезда');
    assert.equal(post.media.length, 1);
    assert.equal(post.media[0]!.mediaType, 'IMAGE');
    assert.equal(post.media[0]!.sha256, createHash('sha256').update(bytes).digest('hex'), 'the bytes Aitu got');
  });

  it('an edit on Telegram edits the Aitu post', async () => {
    const id = tgSay('Совещание в среду');
    const post = await postWith('Dana (Telegram): Совещание в среду');
    telegram.push({
      edited_message: {
        message_id: id,
        from: dana,
        chat: TG_GROUP,
        date,
        edit_date: date + 60,
        text: 'Совещание в четверг',
      },
    });
    await waitFor(async () => post.content === 'Dana (Telegram): Совещание в четверг', 'the edited post', 30_000);
    assert.deepEqual(post.edits, ['Dana (Telegram): Совещание в среду']);
    assert.equal(aitu.visible(AITU_GROUP).filter((p) => p.content.includes('Совещание')).length, 1);
  });

  it('stored by Aitu but answered 500: the gateway waits for MessageIdAssigned and does not post twice', async () => {
    aitu.storeThenFail = 1;
    // later than the job's first retry, sooner than the wait after which it would be sent again
    aitu.lateAssignMs = 2500;
    tgSay('Отчёт до пятницы');
    const post = await postWith('Dana (Telegram): Отчёт до пятницы');
    await waitFor(
      async () =>
        (await world.query(`SELECT 1 FROM aitu_posts WHERE local_id = $1 AND state = 'assigned'`, [post.localId]))
          .length === 1,
      'the late assignment recorded',
      15_000,
    );
    // past the wait after which an unanswered post would be sent again
    await sleep((ASSIGN_WAIT_S + 2) * 1000);
    const sends = aitu.commands.filter((c) => c.command.type === 'SendMessage' && c.command.localId === post.localId);
    assert.deepEqual(
      sends.map((c) => c.status),
      [500],
      'one SendMessage: no retry while the assignment was due',
    );
    assert.equal(aitu.posts.filter((p) => p.content === post.content).length, 1);
  });

  it('answered 500 and never stored: sent again with the same localId after the wait, once', async () => {
    aitu.failWithoutStoring = 1;
    tgSay('План на неделю');
    const post = await postWith('Dana (Telegram): План на неделю');
    const sends = aitu.commands.filter((c) => c.command.type === 'SendMessage' && c.command.localId === post.localId);
    assert.deepEqual(
      sends.map((c) => c.status),
      [500, 200],
    );
    assert.ok(sends[1]!.at - sends[0]!.at >= ASSIGN_WAIT_S * 1000, 'not before the wait for its assignment');
    assert.equal(aitu.posts.filter((p) => p.content === post.content).length, 1);
  });

  it('a post whose id never came is not edited, nor posted again; the bridge says so and goes on', async () => {
    aitu.loseAssignments = 1;
    const id = tgSay('Сбор в 9:00');
    const post = await postWith('Dana (Telegram): Сбор в 9:00');
    telegram.push({
      edited_message: { message_id: id, from: dana, chat: TG_GROUP, date, edit_date: date + 60, text: 'Сбор в 10:00' },
    });
    await waitFor(async () => /its id never came/.test(bridges[1]!.output), 'the bridge saying so', 30_000);
    assert.equal(post.content, 'Dana (Telegram): Сбор в 9:00', 'no edit without the post’s id');
    assert.equal(aitu.posts.filter((p) => p.content.includes('Сбор в')).length, 1, 'not posted again');
    const rows = await world.query<{ state: string }>(`SELECT state FROM aitu_posts WHERE local_id = $1`, [
      post.localId,
    ]);
    assert.deepEqual(rows, [{ state: 'sent' }]);
    tgSay('Сбор отменён');
    await postWith('Dana (Telegram): Сбор отменён');
  });

  it('a message written in the Aitu group reaches the Telegram chat through the gate', async () => {
    aitu.say(AITU_GROUP, aigerim, 'Принято, спасибо');
    await waitFor(
      async () => telegram.sent.some((s) => s.params.text === 'Айгерим Сейтова: Принято, спасибо'),
      'the reply at Telegram',
      30_000,
    );
    const sent = telegram.sent.find((s) => s.params.text === 'Айгерим Сейтова: Принято, спасибо')!;
    assert.equal(String(sent.params.chat_id), String(TG_GROUP.id));
    // and it is a national-side message in the store, from platform aitu: stored through the pipeline while it is
    // sent out (src/live/ingest.ts does both at once), so the row may follow the send by a moment
    await waitFor(
      async () =>
        (await world.query(`SELECT 1 FROM messages WHERE platform = 'aitu' AND source_chat_id = $1`, [AITU_GROUP]))
          .length >= 1,
      'the Aitu message in the store',
      30_000,
    );
  });

  it('an Aitu reply to a relayed post replies to the relayed Telegram message', async () => {
    const id = tgSay('Кто дежурит в субботу?');
    const post = await postWith('Dana (Telegram): Кто дежурит в субботу?');
    aitu.say(AITU_GROUP, aigerim, 'Я дежурю', post.id);
    await waitFor(
      async () => telegram.sent.some((s) => s.params.text === 'Айгерим Сейтова: Я дежурю'),
      'the reply',
      30_000,
    );
    const sent = telegram.sent.find((s) => s.params.text === 'Айгерим Сейтова: Я дежурю')!;
    const replyTo =
      (sent.params.reply_parameters as { message_id?: number } | undefined)?.message_id ??
      sent.params.reply_to_message_id;
    assert.equal(String(replyTo), String(id));
  });

  it('a reply carrying an IIN does not reach Telegram; the bot answers its author in the agency language', async () => {
    const set = await world.cli(['agency', 'set-language', 'a', 'ru'], { AITU_GATEWAY_TOKEN: people.tokens.root });
    assert.equal(set.code, 0, set.stderr);
    const refused = await world.cli(['agency', 'set-language', 'a', 'ru'], {
      AITU_GATEWAY_TOKEN: people.tokens.officer,
    });
    assert.notEqual(refused.code, 0, 'an officer cannot change the agency');
    const audits = await world.query<{ actor: string; details: { from: string; to: string; userId: string } }>(
      `SELECT actor, details FROM audit_log WHERE action = 'agency.set-language'`,
    );
    assert.equal(audits.length, 1, 'the change, audited once');
    assert.deepEqual([audits[0]!.details.from, audits[0]!.details.to], ['kk', 'ru']);
    assert.equal(audits[0]!.details.userId, people.actors.root.id, 'by the admin who made it');
    const before = telegram.sent.length;
    const messageId = aitu.say(AITU_GROUP, aigerim, `ИИН заявителя ${IIN}, прошу проверить`);
    await waitFor(
      async () => aitu.visible(AITU_GROUP).some((p) => p.replyTo === messageId),
      'the bot notice in Aitu',
      30_000,
    );
    const notice = aitu.visible(AITU_GROUP).find((p) => p.replyTo === messageId)!;
    assert.match(notice.content, /^не переслано: содержит ИИН/);
    assert.ok(!notice.content.includes(IIN), 'the value is never repeated');
    await sleep(1500);
    assert.ok(
      telegram.sent.slice(before).every((s) => !String(s.params.text).includes(IIN)),
      'nothing with the IIN reached Telegram',
    );
    const blocked = await world.query<{ status: string }>(
      `SELECT status FROM outbound_attempts WHERE author = 'relay:aitu' AND status = 'blocked'`,
    );
    assert.equal(blocked.length, 1, 'the blocked attempt is recorded');
  });

  it('a quarantined message is relayed redacted; approving edits the post to the original, rejecting deletes it', async () => {
    const store = world.db.store;
    const { actors } = people;
    const keyring = () => loadKeyring(configFor(world.env).keyFile);
    const scan = randomBytes(30_000);
    telegram.addFile('AgAC-quarantined-scan', { bytes: scan });
    tgSay('', {
      text: undefined,
      caption: `Пациент ИИН ${IIN} записан на приём`,
      photo: [
        { file_id: 'AgAC-quarantined-scan', file_unique_id: 'qs1', width: 640, height: 480, file_size: scan.length },
      ],
    });
    tgSay(`Справка для ИИН ${IIN} готова`);
    await waitFor(
      async () => aitu.visible(AITU_GROUP).filter((p) => p.content.includes('[IIN]')).length === 2,
      'two redacted posts',
      30_000,
    );
    const redacted = aitu.visible(AITU_GROUP).filter((p) => p.content.includes('[IIN]'));
    assert.ok(
      redacted.every((p) => p.media.length === 0),
      'a quarantined message is posted without its files',
    );
    assert.ok(redacted.every((p) => !p.content.includes(IIN)));
    const items = await world.query<{ id: string; text: string }>(
      `SELECT r.id, m.text FROM review_items r JOIN messages m ON m.id = r.message_id WHERE m.platform = 'telegram' ORDER BY m.id`,
    );
    const approve = items.find((i) => i.text.startsWith('Пациент'))!;
    const reject = items.find((i) => i.text.startsWith('Справка'))!;
    await decideReviewItem(store, actors.officer, keyring, approve.id, 'approve');
    await decideReviewItem(store, actors.officer, keyring, reject.id, 'reject');
    const approvedPost = redacted.find((p) => p.content.includes('Пациент'))!;
    const rejectedPost = redacted.find((p) => p.content.includes('Справка'))!;
    await waitFor(
      async () => approvedPost.content === `Dana (Telegram): Пациент ИИН ${IIN} записан на приём`,
      'the approved original',
      30_000,
    );
    await waitFor(async () => rejectedPost.deleted, 'the rejected post deleted', 30_000);
    assert.deepEqual(
      approvedPost.media.map((m) => m.sha256),
      [createHash('sha256').update(scan).digest('hex')],
      'the file is shown only once approved',
    );
    assert.equal(approvedPost.edits.length, 1);
  });

  it('a text longer than Aitu takes is split into posts in order', async () => {
    const long = Array.from({ length: 900 }, (_, i) => `слово${i}`).join(' ');
    tgSay(long);
    await waitFor(
      async () =>
        aitu
          .visible(AITU_GROUP)
          .filter((p) => p.content.startsWith('Dana (Telegram): слово0 ') || p.content.includes('слово899')).length >=
        2,
      'the parts',
      30_000,
    );
    const first = aitu.visible(AITU_GROUP).findIndex((p) => p.content.startsWith('Dana (Telegram): слово0 '));
    const parts = aitu
      .visible(AITU_GROUP)
      .slice(first, first + 3)
      .filter((p) => /слово\d/.test(p.content));
    assert.ok(parts.every((p) => p.content.length <= 4096));
    assert.equal(parts.map((p) => p.content).join(' '), `Dana (Telegram): ${long}`);
  });

  it('history is not relayed without --relay', async () => {
    const file = path.join(world.dir, 'small.json');
    await writeTelegramExport(file, { messages: 50, chatId: BULK_CHAT_ID, chatName: 'Архив штаба', seed: 7 });
    const { code, summary } = await world.importJson(['import', 'telegram', file, '--agency', 'a']);
    assert.equal(code, 0);
    assert.ok(summary!.delivered > 0);
    await sleep(3000);
    assert.equal(aitu.posts.filter((p) => p.groupId === BULK_GROUP).length, 0);
  });

  it('a relayed import of 10,000 messages keeps to the limiter and loses nothing when Aitu answers 429 one time in ten', async () => {
    const file = path.join(world.dir, 'bulk.json');
    await writeTelegramExport(file, { messages: 10_000, chatId: BULK_CHAT_ID, chatName: 'Архив штаба', seed: 8 });
    aitu.rateLimitEvery = 10;
    const { code, summary } = await world.importJson(['import', 'telegram', file, '--agency', 'a', '--relay']);
    assert.equal(code, 0);
    const [{ n }] = (await world.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM messages m JOIN import_runs r ON r.id = m.import_run_id
        WHERE r.id = $1 AND m.kind = 'message'`,
      [summary!.runId],
    )) as [{ n: number }];
    assert.ok(n > 9_000, `messages of the run: ${n}`);
    // one relay job at a time keeps a group's order; on a loaded machine a job takes a few milliseconds more
    await waitFor(
      async () => aitu.posts.filter((p) => p.groupId === BULK_GROUP).length >= n,
      `${n} posts in Aitu`,
      480_000,
    );
    await sleep(2000);
    aitu.rateLimitEvery = 0;
    const posts = aitu.posts.filter((p) => p.groupId === BULK_GROUP);
    assert.equal(posts.length, n, 'each message posted once');
    assert.equal(new Set(posts.map((p) => p.localId)).size, n, 'no localId twice');
    const refused = aitu.commands.filter((c) => c.status === 429).length;
    assert.ok(refused >= n / 10 - 1, `429 answered ${refused} times`);
    // the token bucket's bound: a burst of PER_GROUP, then PER_GROUP a second
    const times = posts.map((p) => p.at).sort((a, b) => a - b);
    let start = 0;
    for (let end = 0; end < times.length; end++) {
      while (times[end]! - times[start]! >= 1000) start++;
      assert.ok(end - start + 1 <= 2 * PER_GROUP, `${end - start + 1} posts within one second`);
    }
    const seconds = (times.at(-1)! - times[0]!) / 1000;
    assert.ok(n <= PER_GROUP * (seconds + 1), `${n} posts in ${seconds.toFixed(1)} s`);
  });

  it('SIGTERM drains and the bridge exits 0; its logs hold neither the token nor message text', async () => {
    const aituBridge = bridges[1]!;
    assert.equal(await aituBridge.stop(), 0, aituBridge.output.slice(-2000));
    assert.ok(!aituBridge.output.includes(aitu.token));
    assert.ok(!aituBridge.output.includes(IIN));
    assert.ok(!aituBridge.output.includes('Принято, спасибо'));
  });

  it('relay jobs lost with Redis: the next bridge aitu relays the live messages left without a post', async () => {
    // written now: the bridge looks back a day, and only since the chat was mapped to its Aitu group
    const id = tgSay('Пока бот Aitu остановлен', { date: Math.floor(Date.now() / 1000) });
    await waitFor(
      async () =>
        (
          await world.query(`SELECT 1 FROM messages WHERE platform = 'telegram' AND source_message_id = $1`, [
            String(id),
          ])
        ).length === 1,
      'the message stored',
      30_000,
    );
    // Redis restarted without persistence: the agency's relay queue is gone
    const queue = new Queue(relayQueueName(world.agencies.a!), {
      connection: { url: redisUrl },
      prefix: world.env.AITU_GATEWAY_QUEUE_PREFIX!,
    });
    await queue.obliterate({ force: true });
    await queue.close();
    const restarted = new Bridge(world, ['aitu'], { AITU_BOT_TOKEN: aitu.token, AITU_API_ROOT: aitu.apiRoot });
    bridges.push(restarted);
    await postWith('Dana (Telegram): Пока бот Aitu остановлен');
    await sleep(1500);
    assert.equal(aitu.posts.filter((p) => p.content === 'Dana (Telegram): Пока бот Aitu остановлен').length, 1);
    assert.equal(await restarted.stop(), 0, restarted.output.slice(-2000));
  });

  it('by webhook: the bridge sets its URL with Aitu and takes updates posted to it', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const hook = new Bridge(
      world,
      ['aitu', '--webhook-url', 'https://gateway.example.kz/aitu/hook', '--port', String(port)],
      { AITU_BOT_TOKEN: aitu.token, AITU_API_ROOT: aitu.apiRoot },
    );
    bridges.push(hook);
    await waitFor(async () => aitu.webhook === 'https://gateway.example.kz/aitu/hook', 'the webhook set', 30_000);
    const update = {
      type: 'Message',
      updateId: randomUUID(),
      messageId: randomUUID(),
      sentAt: new Date().toISOString(),
      author: { type: 'USER', ...aigerim },
      dialog: { type: 'GROUP', id: AITU_GROUP, name: 'Group' },
      content: 'Через вебхук',
    };
    const response = await fetch(`http://127.0.0.1:${port}/aitu/hook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ updates: [update] }),
    });
    assert.equal(response.status, 200);
    await waitFor(
      async () => telegram.sent.some((s) => s.params.text === 'Айгерим Сейтова: Через вебхук'),
      'the webhook message at Telegram',
      30_000,
    );
    assert.equal(await hook.stop(), 0, hook.output.slice(-2000));
  });
});
