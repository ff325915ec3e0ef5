import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Actor } from '../src/auth/roles.ts';
import { requireQueueKey, loadKeyring } from '../src/core/keys.ts';
import { createLogger } from '../src/core/logger.ts';
import { runConnector, type RunningConnector } from '../src/live/run.ts';
import { openQueues, type Queues } from '../src/pipeline/queues.ts';
import { requestBackfill } from '../src/service/backfill.ts';
import { sendAs } from '../src/service/outbound.ts';
import { blobPath, putBlob, recordBlobOwner } from '../src/store/attachments.ts';
import { addMapping } from '../src/store/chat-map.ts';
import type { WaChat, WaClient, WaMedia, WaMessage } from '../bridges/whatsapp/live/client-surface.ts';
import { WhatsAppConnector } from '../bridges/whatsapp/live/connector.ts';
import { createImportWorld, type ImportWorld } from './helpers/import-world.ts';
import { configFor } from './helpers/installation.ts';
import { sleep, waitFor } from './helpers/wait.ts';

/**
 * The production WhatsApp connector and the live pipeline (runConnector: LiveIngest, the outbound consumer, the
 * backfill consumer) against real Redis and PostgreSQL, with a stand-in for whatsapp-web.js's Client: an
 * EventEmitter with its methods, firing its events with message objects of its shape.
 */
const SELF = '77010000001@c.us';
const CHAT = '77011234567@c.us';
const PHONE_DIGITS = '77011234567';

let seq = 0;
function waMessage(
  fields: Partial<WaMessage> & { chat?: string; media?: () => Promise<WaMedia | null | undefined> },
): WaMessage {
  const chat = fields.chat ?? CHAT;
  const fromMe = fields.fromMe ?? false;
  const bare = `3EB0${(++seq).toString(16).padStart(8, '0').toUpperCase()}`;
  const serialized = `${fromMe}_${chat}_${bare}`;
  const { media, ...rest } = fields;
  return {
    id: { fromMe, remote: chat, id: bare, _serialized: serialized },
    from: fromMe ? SELF : chat,
    to: fromMe ? chat : SELF,
    fromMe,
    body: '',
    timestamp: Math.floor(Date.now() / 1000),
    type: 'chat',
    hasMedia: false,
    hasQuotedMsg: false,
    _data: { notifyName: 'Aliya' },
    downloadMedia: media ?? (async () => null),
    getQuotedMessage: async () => null,
    getChat: async () => stand.chat(chat),
    ...rest,
  };
}

/** whatsapp-web.js's Client surface; `sendMessage` fires `message_create` for its own copy before it resolves, as WhatsApp Web does. */
class StandInClient extends EventEmitter implements WaClient {
  info = { wid: { _serialized: SELF, user: '77010000001' }, pushname: 'Clinic desk' };
  readonly sent: { chatId: string; content: string | WaMedia; options: unknown }[] = [];
  history = new Map<string, WaMessage[]>();
  destroyed = 0;

  initialized = 0;

  async initialize(): Promise<void> {
    this.initialized++;
    setImmediate(() => this.emit('ready'));
  }

  async destroy(): Promise<void> {
    this.destroyed++;
  }

  chat(chatId: string): WaChat {
    return {
      id: { _serialized: chatId },
      name: chatId === CHAT ? 'Aliya' : 'Ward 3',
      isGroup: chatId.endsWith('@g.us'),
      fetchMessages: async ({ limit }) => {
        const all = this.history.get(chatId) ?? [];
        return limit === undefined ? [...all] : all.slice(Math.max(0, all.length - limit));
      },
    };
  }

  async getChatById(chatId: string): Promise<WaChat> {
    return this.chat(chatId);
  }

  async sendMessage(chatId: string, content: string | WaMedia, options?: unknown): Promise<WaMessage> {
    this.sent.push({ chatId, content, options });
    const body = typeof content === 'string' ? content : String((options as { caption?: string })?.caption ?? '');
    const copy = waMessage({ chat: chatId, fromMe: true, body });
    // the copy comes back before the send resolves, and the bridge has time to see it
    this.emit('message_create', copy);
    await sleep(300);
    return copy;
  }
}

let stand: StandInClient;
let w: ImportWorld;
let running: RunningConnector;
let queues: Queues;
let agencyId: string;
const logged = new PassThrough();
let logText = '';
logged.on('data', (chunk: Buffer) => (logText += chunk.toString('utf8')));
const admin: Actor = { id: randomUUID(), name: 'test-admin', role: 'admin', agencyIds: [] };

async function stored(
  messageId: string,
): Promise<{ text: string; edited_at: Date | null; withdrawn: boolean; kind: string } | undefined> {
  const rows = await w.query<{ text: string; edited_at: Date | null; withdrawn: boolean; kind: string }>(
    `SELECT text, edited_at, withdrawn, kind FROM messages WHERE platform = 'whatsapp' AND source_message_id = $1`,
    [messageId],
  );
  return rows[0];
}

describe('the WhatsApp bridge, through a stand-in whatsapp-web.js Client, into the store', () => {
  before(async () => {
    w = await createImportWorld(['clinic']);
    agencyId = w.agencies.clinic!;
    const cfg = configFor(w.env);
    await addMapping(w.db.store.pool, agencyId, 'whatsapp', CHAT, 'Aliya (WhatsApp)');
    stand = new StandInClient();
    const log = createLogger({ level: 'debug', json: true, stream: logged });
    const connector = new WhatsAppConnector({
      client: stand,
      storeFile: async (bytes) => {
        const blob = await putBlob(cfg.dataDir, Readable.from([bytes]));
        await recordBlobOwner(w.db.store.pool, { agencyId, sha256: blob.sha256 });
        return blob;
      },
      makeMedia: (mimetype, data, filename) => ({ mimetype, data, filename }),
      showQr: () => assert.fail('no QR code: the stand-in session is logged in'),
      log,
    });
    running = await runConnector({
      redisUrl: cfg.redisUrl,
      prefix: cfg.queuePrefix,
      store: w.db.store,
      keyFile: cfg.keyFile,
      dataDir: cfg.dataDir,
      logger: log,
      agencyId,
      connector,
    });
    queues = openQueues({
      redisUrl: cfg.redisUrl,
      prefix: cfg.queuePrefix,
      queueKey: requireQueueKey(await loadKeyring(cfg.keyFile)),
    });
  });

  after(async () => {
    await running?.stop();
    await queues?.close();
    await w?.close();
  });

  it('a message reaches the store under its chat and serialized id; an unmapped chat is ignored', async () => {
    const message = waMessage({ body: 'Добрый день, запись на четверг' });
    const unmapped = waMessage({ chat: '77019998877@c.us', body: 'not mapped' });
    stand.emit('message', message);
    stand.emit('message', unmapped);
    await waitFor(async () => (await stored(message.id._serialized)) !== undefined, 'the message in the store');
    const row = (
      await w.query<{ source_chat_id: string; sender_id: string; sender_name: string; text: string }>(
        `SELECT source_chat_id, sender_id, sender_name, text FROM messages WHERE source_message_id = $1`,
        [message.id._serialized],
      )
    )[0]!;
    assert.deepEqual(row, {
      source_chat_id: CHAT,
      sender_id: PHONE_DIGITS,
      sender_name: 'Aliya',
      text: 'Добрый день, запись на четверг',
    });
    await running.ingest.settled();
    assert.equal(await stored(unmapped.id._serialized), undefined);
  });

  it('an edit shows the new text', async () => {
    const message = waMessage({ body: 'Приём в 10:00' });
    stand.emit('message', message);
    await waitFor(async () => (await stored(message.id._serialized)) !== undefined, 'the original');
    const edited = { ...message, body: 'Приём в 11:00', latestEditSenderTimestampMs: Date.now() };
    stand.emit('message_edit', edited, 'Приём в 11:00', 'Приём в 10:00');
    await waitFor(
      async () => (await stored(message.id._serialized))?.text === 'Приём в 11:00',
      'the stored message to show its new text',
    );
    assert.ok((await stored(message.id._serialized))?.edited_at);
  });

  it('a revoke for everyone is kept as evidence and withdraws the message', async () => {
    const message = waMessage({ body: 'Сообщение, которое отзовут' });
    stand.emit('message', message);
    await waitFor(async () => (await stored(message.id._serialized)) !== undefined, 'the message');
    const after = { ...message, type: 'revoked', body: '' };
    stand.emit('message_revoke_everyone', after, message);
    await waitFor(
      async () => (await stored(`${message.id._serialized}#deleted`)) !== undefined,
      'the withdrawal evidence',
    );
    assert.equal((await stored(`${message.id._serialized}#deleted`))?.kind, 'service');
    await waitFor(
      async () => (await stored(message.id._serialized))?.withdrawn === true,
      'the message marked withdrawn',
    );
  });

  it('media goes into the attachment store; media WhatsApp no longer has is a missing attachment', async () => {
    const bytes = Buffer.from('a small jpeg, for the test');
    const photo = waMessage({
      type: 'image',
      hasMedia: true,
      body: 'снимок',
      media: async () => ({ mimetype: 'image/jpeg', data: bytes.toString('base64') }),
    });
    const gone = waMessage({
      type: 'document',
      hasMedia: true,
      _data: { filename: 'old.pdf', mimetype: 'application/pdf' },
      media: async () => null,
    });
    const failing = waMessage({
      type: 'video',
      hasMedia: true,
      media: async () => Promise.reject(new Error('Media is no longer available')),
    });
    for (const m of [photo, gone, failing]) stand.emit('message', m);
    const ids = [photo.id._serialized, gone.id._serialized, failing.id._serialized];
    const read = () =>
      w.query<{ source_message_id: string; name: string; sha256: string | null; missing: boolean }>(
        `SELECT m.source_message_id, a.name, a.sha256, a.missing FROM message_attachments a JOIN messages m ON m.id = a.message_id WHERE m.source_message_id = ANY($1)`,
        [ids],
      );
    await waitFor(async () => (await read()).length === 3, 'the three media messages with their attachments');
    const byMessage = new Map((await read()).map((row) => [row.source_message_id, row]));
    const [p, g, f] = ids.map((id) => byMessage.get(id));
    assert.equal(p!.missing, false);
    assert.ok(
      p!.sha256 && existsSync(blobPath(configFor(w.env).dataDir, p!.sha256)),
      'the photo bytes are in the attachment store',
    );
    assert.deepEqual([g!.name, g!.missing, g!.sha256], ['old.pdf', true, null]);
    assert.deepEqual([f!.missing, f!.sha256], [true, null]);
  });

  it("a gateway send's own copy (message_create before sendMessage resolves) is dropped; the phone owner's own message is kept", async () => {
    const text = 'Ответ из клиники: ждём вас в четверг';
    const result = await sendAs(
      w.db.store,
      queues,
      admin,
      { agency: 'clinic', target: { platform: 'whatsapp', chatId: CHAT }, text },
      configFor(w.env).keyFile,
    );
    assert.equal(result.status, 'queued');
    await waitFor(
      async () =>
        (await w.query<{ status: string }>(`SELECT status FROM outbound_attempts WHERE id = $1`, [result.attemptId]))[0]
          ?.status === 'sent',
      'the send',
    );
    assert.equal(stand.sent.filter((s) => s.content === text).length, 1, 'sent exactly once');
    const attempt = (
      await w.query<{ foreign_message_id: string; echo_message_id: string }>(
        `SELECT foreign_message_id, echo_message_id FROM outbound_attempts WHERE id = $1`,
        [result.attemptId],
      )
    )[0]!;
    assert.equal(attempt.echo_message_id, attempt.foreign_message_id, 'the copy was claimed as the echo of this send');
    await running.ingest.settled();
    assert.equal(await stored(attempt.foreign_message_id), undefined, 'the echo never came back in');

    const fromPhone = waMessage({ fromMe: true, body: 'Написано с телефона' });
    stand.emit('message_create', fromPhone);
    await waitFor(async () => (await stored(fromPhone.id._serialized)) !== undefined, "the phone owner's message");
    const sender = (
      await w.query<{ sender_id: string }>(`SELECT sender_id FROM messages WHERE source_message_id = $1`, [
        fromPhone.id._serialized,
      ])
    )[0];
    assert.equal(sender?.sender_id, '77010000001');
  });

  it('a reply the policy blocks (a valid IIN) never reaches sendMessage', async () => {
    const before = stand.sent.length;
    const result = await sendAs(
      w.db.store,
      queues,
      admin,
      { agency: 'clinic', target: { platform: 'whatsapp', chatId: CHAT }, text: 'ИИН пациента 940101300123' },
      configFor(w.env).keyFile,
    );
    assert.equal(result.status, 'blocked');
    await sleep(1000);
    assert.equal(stand.sent.length, before);
    assert.ok(!stand.sent.some((s) => String(s.content).includes('940101300123')));
  });

  it('a backfill through the running bridge adds history, leaves out what an imported export holds, and resumes from its cursor', async () => {
    // the export of the same chat, imported into the same national chat (times in UTC, minutes only)
    const base = new Date(Date.UTC(2024, 10, 13, 8, 10));
    const at = (minutes: number) => new Date(base.getTime() + minutes * 60_000 + 17_000);
    const exportFile = path.join(w.dir, 'WhatsApp Chat with Aliya.txt');
    writeFileSync(
      exportFile,
      [
        '13.11.2024, 08:10 - Aliya: Здравствуйте',
        '13.11.2024, 08:11 - Aliya: Ок',
        '13.11.2024, 08:11 - Aliya: Ок',
        '',
      ].join('\n'),
    );
    const imported = await w.importJson([
      'import',
      'whatsapp',
      exportFile,
      '--agency',
      'clinic',
      '--chat-id',
      CHAT,
      '--timezone',
      'UTC',
      '--date-format',
      'DMY',
    ]);
    assert.equal(imported.code, 0, imported.stderr);
    const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
    stand.history.set(CHAT, [
      waMessage({ body: 'Здравствуйте', timestamp: seconds(at(0)) }),
      waMessage({ body: 'Ок', timestamp: seconds(at(1)) }),
      waMessage({ body: 'Ок', timestamp: seconds(at(1)) }),
      waMessage({ body: 'Ок', timestamp: seconds(at(1)) }),
      waMessage({ body: 'Спасибо', timestamp: seconds(at(2)) }),
      waMessage({ fromMe: true, body: 'Пожалуйста', timestamp: seconds(at(3)) }),
    ]);
    const history = stand.history.get(CHAT)!;

    const first = await requestBackfill(w.db.store, queues, admin, {
      agency: 'clinic',
      platform: 'whatsapp',
      chatId: CHAT,
      limit: 2,
      timeoutMs: 30_000,
    });
    assert.deepEqual(first, { fetched: 2, emitted: 2, matchedImport: 0, exhausted: false });
    const second = await requestBackfill(w.db.store, queues, admin, {
      agency: 'clinic',
      platform: 'whatsapp',
      chatId: CHAT,
      limit: 50,
      timeoutMs: 30_000,
    });
    // the export holds "Здравствуйте" and two "Ок" of 08:11: the third "Ок" is new
    assert.deepEqual(second, { fetched: 4, emitted: 1, matchedImport: 3, exhausted: true });
    await running.ingest.settled();
    const live = await w.query<{ source_message_id: string }>(
      `SELECT source_message_id FROM messages WHERE source_message_id = ANY($1)`,
      [history.map((m) => m.id._serialized)],
    );
    assert.deepEqual(
      new Set(live.map((r) => r.source_message_id)),
      new Set([history[3]!, history[4]!, history[5]!].map((m) => m.id._serialized)),
    );
    const inChat = await w.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM messages m JOIN chat_sources s ON s.chat_id = m.chat_id AND s.source_chat_id = $1 WHERE m.sent_at BETWEEN $2 AND $3`,
      [CHAT, base, new Date(base.getTime() + 10 * 60_000)],
    );
    assert.equal(inChat[0]!.n, 6, 'three from the export, three from the backfill: no message twice');
    const again = await requestBackfill(w.db.store, queues, admin, {
      agency: 'clinic',
      platform: 'whatsapp',
      chatId: CHAT,
      limit: 50,
      timeoutMs: 30_000,
    });
    assert.deepEqual(again, { fetched: 0, emitted: 0, matchedImport: 0, exhausted: true });
    const audit = await w.query<{ actor: string; details: { source: string } }>(
      `SELECT actor, details FROM audit_log WHERE action = 'bridge.backfill'`,
    );
    assert.equal(audit.length, 3);
    assert.equal(audit[0]!.details.source, 'whatsapp:[personal chat]');
  });

  it('a lost connection backs off and reconnects; a logout says logged-out until the device is linked again', async () => {
    const connector = running.ingest as unknown as { state: string };
    const initializedBefore = stand.initialized;
    stand.emit('disconnected', 'NAVIGATION');
    assert.equal(connector.state, 'backing-off');
    await waitFor(async () => connector.state === 'connected', 'the reconnect', 10_000);
    assert.equal(stand.initialized, initializedBefore + 1, 'the client was initialized again');
    assert.ok(stand.destroyed >= 1, 'the old browser was closed first');
    stand.emit('disconnected', 'LOGOUT');
    assert.equal(connector.state, 'logged-out');
    const status = await queues.connection.hgetall(`${configFor(w.env).queuePrefix}:connector:whatsapp:${agencyId}`);
    assert.equal(status.state, 'logged-out');
    assert.match(status.detail ?? '', /scan the new QR code/);
    // whatsapp-web.js shows a new QR code; once scanned, it is ready again
    stand.emit('ready');
    assert.equal(connector.state, 'connected');
  });

  it('no phone number and no message text in the logs', async () => {
    await running.ingest.settled();
    assert.ok(logText.includes('connector state'), 'the bridge logged');
    for (const secret of [
      PHONE_DIGITS,
      '77010000001',
      'Добрый день',
      'Ответ из клиники',
      '940101300123',
      'Здравствуйте',
      'снимок',
    ]) {
      assert.ok(!logText.includes(secret), `the logs hold "${secret}"`);
    }
  });
});
