import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { loadKeyring, requireQueueKey, type Keyring } from '../src/core/keys.ts';
import { submitOutbound } from '../src/outbound/gate.ts';
import { openQueues, type Queues } from '../src/pipeline/queues.ts';
import { DEFAULT_POLICY } from '../src/policy/index.ts';
import { blobPath, putBlob, recordBlobOwner } from '../src/store/attachments.ts';
import { addMapping } from '../src/store/chat-map.ts';
import { cliPath, projectRoot } from './helpers/cli.ts';
import { FakeTelegram } from './helpers/fake-telegram.ts';
import { scan } from './helpers/attachment-fixtures.ts';
import { validIins, xlsx } from './helpers/office-fixtures.ts';
import { createImportWorld, type ImportWorld } from './helpers/import-world.ts';
import { configFor } from './helpers/installation.ts';
import { redisUrl } from './helpers/redis.ts';
import { sleep, waitFor } from './helpers/wait.ts';

const GROUP = { id: -1001987654321, title: 'Поликлиника №3', type: 'supergroup' };
const CHANNEL = { id: -1001122334455, title: 'Новости поликлиники', type: 'channel' };
const UNMAPPED = { id: -1005550001111, title: 'Чужой чат', type: 'supergroup' };
const dana = { id: 111222333, is_bot: false, first_name: 'Dana' };
const IIN = '940101300123';
let date = 1717230000;

const message = (chat: typeof GROUP, messageId: number, fields: Record<string, unknown>) => ({
  message: { message_id: messageId, from: dana, chat, date: ++date, ...fields },
});

/** The bridge as an operator runs it: `aitu-gateway bridge telegram --agency a`, its output kept for the log checks. */
class BridgeProcess {
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  static start(world: ImportWorld, fake: FakeTelegram, extraArgs: string[] = []): BridgeProcess {
    const env = {
      ...process.env,
      ...world.env,
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.apiRoot,
      LOG_LEVEL: 'info',
    };
    return new BridgeProcess(
      spawn(process.execPath, [cliPath, 'bridge', 'telegram', '--agency', 'a', ...extraArgs], {
        cwd: projectRoot,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('bridge telegram: real telegraf against a fake Bot API, real Redis and PostgreSQL', () => {
  let world: ImportWorld;
  let fake: FakeTelegram;
  let bridge: BridgeProcess;
  let queues: Queues;
  let keyring: Keyring;
  const logs: string[] = [];
  /** every text this test sent through the bridge or had it read: none may show in its logs */
  const secrets: string[] = [];

  const stored = async (chat: { id: number }, messageId: number | string) =>
    (
      await world.query<{ id: string; text: string; edited_at: Date | null; kind: string }>(
        `SELECT id, text, edited_at, kind FROM messages WHERE platform = 'telegram' AND source_chat_id = $1 AND source_message_id = $2`,
        [String(chat.id), String(messageId)],
      )
    )[0];
  const waitStored = async (chat: { id: number }, messageId: number | string) => {
    await waitFor(
      async () => (await stored(chat, messageId)) !== undefined,
      `message ${messageId} in the store`,
      20_000,
    );
    return (await stored(chat, messageId))!;
  };
  const attempt = async (id: string) =>
    (
      await world.query<{ status: string; foreign_message_id: string | null }>(
        `SELECT status, foreign_message_id FROM outbound_attempts WHERE id = $1`,
        [id],
      )
    )[0]!;
  const submit = (request: {
    text: string;
    replyTo?: string;
    attachment?: { sha256: string; name: string; mime?: string; kind: 'photo' | 'document' };
  }) =>
    submitOutbound(
      world.db.store,
      queues,
      { agencyId: world.agencies.a!, target: { platform: 'telegram', chatId: String(GROUP.id) }, ...request },
      { policy: DEFAULT_POLICY, hashKey: keyring.hashKey, dataDir: world.dataDir },
    );

  before(async () => {
    world = await createImportWorld(['a']);
    fake = await FakeTelegram.start();
    secrets.push(fake.token, fake.token.split(':')[1]!);
    await addMapping(world.db.store.pool, world.agencies.a!, 'telegram', String(GROUP.id), 'Поликлиника №3');
    await addMapping(world.db.store.pool, world.agencies.a!, 'telegram', String(CHANNEL.id), 'Новости');
    keyring = await loadKeyring(configFor(world.env).keyFile);
    queues = openQueues({ redisUrl, prefix: world.env.AITU_GATEWAY_QUEUE_PREFIX!, queueKey: requireQueueKey(keyring) });
    bridge = BridgeProcess.start(world, fake);
    await waitFor(async () => fake.calls('getUpdates').length > 0, 'the bridge polling', 30_000);
  });
  after(async () => {
    await bridge?.stop('SIGKILL');
    await queues?.close();
    await fake?.close();
    await world?.close();
  });

  it('without a token the command says which variables to set (exit 2), and takes no token as a flag value', async () => {
    const missing = await world.cli(['bridge', 'telegram', '--agency', 'a'], {
      TELEGRAM_BOT_TOKEN: '',
      TELEGRAM_BOT_TOKEN_FILE: '',
    });
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /TELEGRAM_BOT_TOKEN.*TELEGRAM_BOT_TOKEN_FILE.*--bot-token-file/);
    const help = await world.cli(['bridge', 'telegram', '--help']);
    assert.doesNotMatch(help.stdout, /--(bot-)?token </, 'no option carries the token itself');
  });

  it('a text message of a mapped chat reaches the store', async () => {
    const text = 'Приём в 10:00, кабинет 12';
    secrets.push(text);
    fake.push(message(GROUP, 51, { text, reply_to_message: { message_id: 50, chat: GROUP, date } }));
    const row = await waitStored(GROUP, 51);
    assert.equal(row.text, text);
    const [body] = await world.query<{ body: { replyTo?: string } }>(`SELECT body FROM messages WHERE id = $1`, [
      row.id,
    ]);
    assert.equal(body!.body.replyTo, '50');
  });

  it('an edit: the stored message shows the new text and keeps the earlier version', async () => {
    const before = 'Встреча в среду';
    const afterText = 'Встреча в четверг';
    secrets.push(before, afterText);
    fake.push(message(GROUP, 52, { text: before }));
    await waitStored(GROUP, 52);
    fake.push({
      edited_message: {
        message_id: 52,
        from: dana,
        chat: GROUP,
        date: date - 1,
        edit_date: date + 60,
        text: afterText,
      },
    });
    await waitFor(async () => (await stored(GROUP, 52))?.text === afterText, 'the edited text in the store', 15_000);
    const versions = await world.query<{ text: string }>(
      `SELECT v.text FROM message_versions v JOIN messages m ON m.id = v.message_id WHERE m.source_chat_id = $1 AND m.source_message_id = '52'`,
      [String(GROUP.id)],
    );
    assert.deepEqual(
      versions.map((v) => v.text),
      [before],
    );
  });

  it('a photo is downloaded into the attachment store; a file over 20 MB is recorded missing', async () => {
    const bytes = randomBytes(50_000);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    fake.addFile('AgACAgIAAx-photo-1', { bytes });
    fake.addFile('BQACAgIAAx-big', { size: 25 * 1024 * 1024 });
    fake.push(
      message(GROUP, 53, {
        caption: 'Справка',
        photo: [
          { file_id: 'AgACAgIAAx-photo-1', file_unique_id: 'p1', width: 800, height: 600, file_size: bytes.length },
        ],
      }),
    );
    // one whose size Telegram states, one whose size only getFile refuses
    fake.push(
      message(GROUP, 54, {
        video: { file_id: 'BAACAgIAAx-video', file_size: 30 * 1024 * 1024, mime_type: 'video/mp4' },
      }),
    );
    fake.push(
      message(GROUP, 55, {
        document: { file_id: 'BQACAgIAAx-big', file_name: 'scan.pdf', mime_type: 'application/pdf' },
      }),
    );
    const attachments = async (id: number) =>
      world.query<{ sha256: string | null; missing: boolean; name: string }>(
        `SELECT a.sha256, a.missing, a.name FROM message_attachments a JOIN messages m ON m.id = a.message_id WHERE m.source_chat_id = $1 AND m.source_message_id = $2`,
        [String(GROUP.id), String(id)],
      );
    await waitStored(GROUP, 53);
    assert.deepEqual(await attachments(53), [{ sha256, missing: false, name: 'photo_53.jpg' }]);
    assert.ok(existsSync(blobPath(world.dataDir, sha256)), 'the bytes are in the content-addressed store');
    await waitStored(GROUP, 54);
    await waitStored(GROUP, 55);
    assert.deepEqual(await attachments(54), [{ sha256: null, missing: true, name: 'video_54.mp4' }]);
    assert.deepEqual(await attachments(55), [{ sha256: null, missing: true, name: 'scan.pdf' }]);
    assert.equal(
      fake.calls('getFile').filter((c) => c.params.file_id === 'BAACAgIAAx-video').length,
      0,
      'a file known to be too big is not asked for',
    );
  });

  it('a channel post reaches the store', async () => {
    fake.push({
      channel_post: {
        message_id: 9,
        sender_chat: CHANNEL,
        chat: CHANNEL,
        date: ++date,
        text: 'Объявление для пациентов',
      },
    });
    const row = await waitStored(CHANNEL, 9);
    assert.equal(row.text, 'Объявление для пациентов');
  });

  it('an unmapped chat is ignored and logged once', async () => {
    secrets.push('первое сообщение чужого чата', 'второе сообщение чужого чата');
    fake.push(message(UNMAPPED, 1, { text: 'первое сообщение чужого чата' }));
    fake.push(message(UNMAPPED, 2, { text: 'второе сообщение чужого чата' }));
    fake.push(message(GROUP, 56, { text: 'после чужого чата' }));
    await waitStored(GROUP, 56);
    assert.equal(
      (await world.query(`SELECT 1 FROM messages WHERE source_chat_id = $1`, [String(UNMAPPED.id)])).length,
      0,
    );
    const warnings = bridge.output.split('\n').filter((line) => line.includes('unmapped chat'));
    assert.equal(warnings.length, 1, `one warning for the unmapped chat:\n${bridge.output}`);
  });

  it('an allowed national reply is sent exactly once, also after a 429', async () => {
    const text = 'Добрый день, ваша запись подтверждена';
    secrets.push(text);
    fake.rateLimitSends(1, 1);
    const result = await submit({ text });
    assert.equal(result.status, 'queued');
    await waitFor(async () => (await attempt(result.attemptId)).status === 'sent', 'the attempt sent', 20_000);
    await sleep(1500);
    const tries = fake.calls('sendMessage').filter((c) => c.params.text === text);
    assert.equal(tries.length, 2, 'refused once with 429, then sent');
    assert.equal(fake.sent.filter((c) => c.params.text === text).length, 1, 'sent exactly once');
    assert.ok(tries[1]!.at - tries[0]!.at >= 900, 'the retry waited for retry_after');
    assert.match((await attempt(result.attemptId)).foreign_message_id ?? '', /^\d+$/);
  });

  it('a reply carrying a valid IIN never reaches the Bot API and is recorded blocked', async () => {
    const text = `Пациент ИИН ${IIN}, запишите на завтра`;
    secrets.push(text, IIN);
    const result = await submit({ text });
    assert.equal(result.status, 'blocked');
    assert.equal((await attempt(result.attemptId)).status, 'blocked');
    await sleep(1000);
    assert.ok(!JSON.stringify(fake.requests).includes(IIN), 'the IIN never reached the fake Bot API');
  });

  it('a reply to a bridged message, and a photo with its caption, are sent as such', async () => {
    const replyText = 'Отвечаю на ваше сообщение';
    const caption = 'Памятка пациенту';
    secrets.push(replyText, caption);
    const reply = await submit({ text: replyText, replyTo: '51' });
    // a real photo: the gate reads an attachment before sending it, and random bytes are no picture it can read
    const bytes = execFileSync('convert', ['-size', '320x240', 'gradient:skyblue-white', 'jpg:-']);
    const blob = await putBlob(world.dataDir, Readable.from([bytes]));
    await recordBlobOwner(world.db.store.pool, { agencyId: world.agencies.a!, sha256: blob.sha256 });
    const photo = await submit({
      text: caption,
      attachment: { sha256: blob.sha256, name: 'Памятка Иванова.jpg', mime: 'image/jpeg', kind: 'photo' },
    });
    await waitFor(
      async () =>
        (await attempt(reply.attemptId)).status === 'sent' && (await attempt(photo.attemptId)).status === 'sent',
      'both sent',
      20_000,
    );
    const sentReply = fake.sent.find((c) => c.params.text === replyText)!;
    assert.deepEqual((sentReply.params.reply_parameters as { message_id: number }).message_id, 51);
    const sentPhoto = fake.sent.find((c) => c.method === 'sendPhoto' && c.params.caption === caption)!;
    assert.ok(sentPhoto, 'sent with sendPhoto');
    assert.equal(sentPhoto.files.length, 1);
    assert.equal(sentPhoto.files[0]!.sha256, blob.sha256, 'the bytes sent are the stored ones');
    assert.equal(sentPhoto.files[0]!.filename, 'photo.jpg', 'under a neutral name');
  });

  it('attachments are read before they leave: a staff list (XLSX), a scanned certificate, a file nobody can read — blocked', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'agw-outbound-files-'));
    try {
      scan(path.join(dir, 'scan.png'), ['СПРАВКА № 7', `Пациент ИИН ${IIN}`, 'Диагноз: бронхит']);
      writeFileSync(path.join(dir, 'broken.pdf'), '%PDF-1.7\n1 0 obj << /Type /Catalog >> broken\n');
      const send = async (file: string, caption: string) => {
        const blob = await putBlob(world.dataDir, createReadStream(file));
        await recordBlobOwner(world.db.store.pool, { agencyId: world.agencies.a!, sha256: blob.sha256 });
        secrets.push(caption);
        return submit({
          text: caption,
          attachment: { sha256: blob.sha256, name: path.basename(file), kind: 'document' },
        });
      };
      const iins = validIins(1000);
      xlsx(path.join(dir, 'staff.xlsx'), [
        { name: 'Staff', rows: iins.map((iin, k) => [k + 1, `Employee ${k + 1}`, iin]) },
      ]);
      const list = await send(path.join(dir, 'staff.xlsx'), 'Список сотрудников во вложении');
      assert.equal(list.status, 'blocked');
      assert.deepEqual(
        [list.decision.categories, list.decision.rule],
        [['IIN'], 'attachment: outbound.IIN=block (default)'],
      );
      const scanned = await send(path.join(dir, 'scan.png'), 'Справка во вложении');
      const broken = await send(path.join(dir, 'broken.pdf'), 'Документ во вложении');
      assert.equal(scanned.status, 'blocked');
      assert.deepEqual(scanned.decision.categories, ['HEALTH', 'IIN']);
      assert.match(scanned.decision.rule, /^attachment: outbound\.IIN=block/);
      assert.equal(broken.status, 'blocked');
      assert.deepEqual(broken.decision.categories, ['UNINSPECTED']);
      const row = await world.db.store.pool.query<{ status: string; reason: { uninspected?: string } }>(
        `SELECT status, reason FROM outbound_attempts WHERE id = $1`,
        [broken.attemptId],
      );
      assert.deepEqual(row.rows[0], {
        status: 'blocked',
        reason: {
          action: 'block',
          rule: 'attachment: outbound.UNINSPECTED=block (default)',
          categories: ['UNINSPECTED'],
          uninspected: 'an unreadable PDF',
        },
      });
      await sleep(1000);
      for (const caption of ['Список сотрудников во вложении', 'Справка во вложении', 'Документ во вложении'])
        assert.ok(!JSON.stringify(fake.requests).includes(caption), 'never reached the fake Bot API');
      assert.equal(fake.sent.filter((c) => c.method === 'sendDocument').length, 0, 'no file sent');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SIGTERM drains and exits 0; the logs carry no token, message text or IIN', async () => {
    fake.push(message(GROUP, 57, { text: 'последнее перед остановкой' }));
    await waitStored(GROUP, 57);
    const exit = await bridge.stop('SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null }, bridge.output);
    logs.push(bridge.output);
    assert.match(bridge.output, /bridge stopped/);
    for (const secret of secrets)
      assert.ok(!bridge.output.includes(secret), `the bridge's output contains a secret (${secret.length} chars)`);
  });

  it('webhook mode: updates posted with the secret token reach the store; without it they are refused', async () => {
    const port = await freePort();
    const hooked = BridgeProcess.start(world, fake, [
      '--webhook-url',
      'https://gateway.example.kz/telegram/hook',
      '--port',
      String(port),
    ]);
    try {
      await waitFor(
        async () => fake.webhook !== null && /bridge running/.test(hooked.output),
        'the webhook set',
        30_000,
      );
      assert.equal(fake.webhook!.url, 'https://gateway.example.kz/telegram/hook');
      assert.deepEqual(fake.webhook!.allowedUpdates, [
        'message',
        'edited_message',
        'channel_post',
        'edited_channel_post',
      ]);
      const post = (update: unknown, secret: string | undefined) =>
        fetch(`http://127.0.0.1:${port}/telegram/hook`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}),
          },
          body: JSON.stringify(update),
        });
      const forged = await post({ update_id: 1, ...message(GROUP, 60, { text: 'подделка' }) }, 'wrong-secret');
      assert.equal(forged.status, 403);
      const real = await post(
        { update_id: 2, ...message(GROUP, 61, { text: 'через вебхук' }) },
        fake.webhook!.secretToken,
      );
      assert.equal(real.status, 200, 'answered once the event is in Redis');
      assert.equal((await waitStored(GROUP, 61)).text, 'через вебхук');
      assert.equal(await stored(GROUP, 60), undefined);
    } finally {
      const exit = await hooked.stop('SIGTERM');
      assert.deepEqual(exit, { code: 0, signal: null }, hooked.output);
    }
  });

  it('killed mid-stream and started again: nothing lost, nothing twice', async () => {
    const total = 300;
    const first = BridgeProcess.start(world, fake);
    await waitFor(
      async () => fake.calls('getUpdates').length > 0 && /bridge running/.test(first.output),
      'the bridge running',
      30_000,
    );
    let pushed = 0;
    const pushing = (async () => {
      while (pushed < total) {
        for (let i = 0; i < 10 && pushed < total; i++)
          fake.push(message(GROUP, 1000 + pushed++, { text: `поток ${pushed}` }));
        await sleep(15);
      }
    })();
    // killed once the stream is well under way, with updates served and not yet stored
    await waitFor(
      async () =>
        (
          await world.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM messages WHERE source_message_id::int >= 1000`,
          )
        )[0]!.n >= 60,
      'the stream under way',
      30_000,
    );
    await first.stop('SIGKILL');
    await pushing;
    const second = BridgeProcess.start(world, fake);
    try {
      // a batch the killed process was delivering is taken up again once BullMQ finds it stalled (its lock lapses: ~30-60 s)
      await waitFor(
        async () =>
          (
            await world.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM messages WHERE source_chat_id = $1 AND source_message_id::int >= 1000`,
              [String(GROUP.id)],
            )
          )[0]!.n >= total,
        'every update of the stream stored',
        150_000,
      );
      await sleep(1000);
      const rows = await world.query<{ id: string; n: number }>(
        `SELECT source_message_id AS id, count(*)::int AS n FROM messages WHERE source_chat_id = $1 AND source_message_id::int >= 1000 GROUP BY 1`,
        [String(GROUP.id)],
      );
      assert.equal(rows.length, total, 'nothing lost');
      assert.ok(
        rows.every((r) => r.n === 1),
        'nothing twice',
      );
      await waitFor(async () => fake.unconfirmed === 0, 'every update confirmed to Telegram', 10_000);
    } finally {
      const exit = await second.stop('SIGTERM');
      assert.deepEqual(exit, { code: 0, signal: null }, second.output);
    }
  });
});
