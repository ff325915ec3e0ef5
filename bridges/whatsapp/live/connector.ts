import { readFile } from 'node:fs/promises';
import type { Logger } from 'winston';
import { SendOutcomeUnknownError, type SendOptions } from '../../../src/core/bridge.ts';
import {
  backoffDelay,
  type BackfillingConnector,
  type BridgeEvent,
  type ConnectorHost,
  type ConnectorState,
  type DeletingConnector,
  type EditingConnector,
  type HistoryPage,
  type SendingConnector,
  type SendLimits,
} from '../../../src/core/connector.ts';
import type { WaClient, WaGroupNotification, WaMedia, WaMessage } from './client-surface.ts';
import {
  chatIdOf,
  editEvent,
  groupEvent,
  isGroupChat,
  messageEvent,
  revokeEvent,
  type MessageContext,
  type StoredMedia,
} from './convert.ts';

export interface WhatsAppConnectorOptions {
  client: WaClient;
  /** puts downloaded media into the attachment store (and records the agency as its owner); the CLI wires it */
  storeFile(bytes: Buffer): Promise<{ sha256: string; size: number }>;
  /** makes whatsapp-web.js's `MessageMedia` (its sendMessage recognises media by that class) */
  makeMedia(mime: string, base64: string, filename: string): WaMedia;
  /** shows the login QR code (the CLI prints it with qrcode-terminal to standard error, never to the log) */
  showQr(qr: string): void;
  log: Logger;
  /** until WhatsApp Web has loaded and shown a QR code or restored the session (default 45 s) */
  startTimeoutMs?: number;
  /** from the first QR code until someone scanned it (default 5 minutes) */
  loginTimeoutMs?: number;
  /** from the session restored until the account is ready (its chats synced; default 2 minutes) */
  readyTimeoutMs?: number;
  /** a send not answered within this has an unknown outcome (default 60 s) */
  sendTimeoutMs?: number;
  /** reconnect delays (default: backoffDelay's jittered 1 s, 2 s, 4 s… up to a minute) */
  reconnectDelay?(attempt: number): number;
}

/**
 * Conservative sending limits. WhatsApp publishes none for WhatsApp Web accounts and bans those that send like
 * machines, so the gateway sends at most like a fast person: 10 messages a second across the account, one a
 * second per chat, and 20 a minute into a group (sends into a busy group are what gets accounts reported).
 */
export const WHATSAPP_SEND_LIMITS: SendLimits = {
  perAccount: { max: 10, durationMs: 1000 },
  perChat: { max: 1, durationMs: 1000 },
  perGroup: { max: 20, durationMs: 60_000 },
  isGroup: isGroupChat,
};

/** Message types that carry a file the connector downloads. */
const MEDIA_TYPES = new Set(['image', 'video', 'document', 'ptt', 'audio', 'sticker']);

const MEDIA_TIMEOUT_MS = 120_000;

/** How much history one fetch may load to find where the previous page ended (fetchMessages has no `before`). */
const MAX_HISTORY_WINDOW = 20_000;

interface HistoryCursor {
  /** the oldest message handed over so far */
  id: string;
  t: number;
  /** its place counted from the newest message when it was fetched */
  depth: number;
}

/**
 * One WhatsApp account through whatsapp-web.js (a WhatsApp Web session in Debian's chromium). Converts the
 * client's events into BridgeEvents and hands them to the host in the order they arrived; never classifies,
 * decides or stores. Sends at most once: WhatsApp takes no idempotency key, so a send whose answer is lost is
 * reported as of unknown outcome (the gate marks it `uncertain`), never repeated.
 */
export class WhatsAppConnector implements SendingConnector, BackfillingConnector, EditingConnector, DeletingConnector {
  readonly platform = 'whatsapp' as const;
  readonly sendLimits = WHATSAPP_SEND_LIMITS;
  state: ConnectorState = 'connecting';
  private host: ConnectorHost | null = null;
  private stopping = false;
  /** the events in flight, emitted one after another in arrival order */
  private chain: Promise<void> = Promise.resolve();
  private readonly chatTitles = new Map<string, string>();
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectAttempt = 0;
  private phase: { resolve(): void; reject(error: Error): void; timer: NodeJS.Timeout | null } | null = null;
  private qrShown = false;

  constructor(private readonly options: WhatsAppConnectorOptions) {}

  private get client(): WaClient {
    return this.options.client;
  }

  private get log(): Logger {
    return this.options.log;
  }

  private setState(state: ConnectorState, detail?: string): void {
    this.state = state;
    this.host?.setState(state, detail);
  }

  async start(host: ConnectorHost): Promise<void> {
    this.host = host;
    this.listen();
    this.setState('connecting');
    try {
      await this.connect();
    } catch (error) {
      // runConnector reports it with the state (`the whatsapp connector could not start (state: failed): …`), exit 3
      if (this.state !== 'logged-out') this.setState('failed', (error as Error).message);
      throw error;
    }
  }

  /**
   * Initializes the client and waits for `ready`, each phase bounded: a browser that cannot load WhatsApp Web (no
   * network) fails within startTimeoutMs and the browser is closed, never a hang.
   */
  private async connect(): Promise<void> {
    this.qrShown = false;
    const ready = new Promise<void>((resolve, reject) => (this.phase = { resolve, reject, timer: null }));
    this.arm(this.options.startTimeoutMs ?? 45_000, 'WhatsApp Web did not load');
    const initialized = this.client.initialize().catch((error: Error) => {
      throw new Error(
        `could not open WhatsApp Web in chromium: ${firstLine(error.message)}; check that this machine reaches web.whatsapp.com`,
        { cause: error },
      );
    });
    try {
      await Promise.race([initialized.then(() => ready), ready]);
    } catch (error) {
      this.disarm();
      initialized.catch(() => {});
      await this.destroyClient();
      throw error;
    }
  }

  /** (Re)sets the current phase's deadline; `what` says what did not happen in time. */
  private arm(ms: number, what: string): void {
    const phase = this.phase;
    if (!phase) return;
    if (phase.timer) clearTimeout(phase.timer);
    phase.timer = setTimeout(() => {
      const hint = this.qrShown
        ? 'scan the QR code with the phone (WhatsApp → Linked devices) in time'
        : 'check the network and that chromium runs (AITU_GATEWAY_CHROMIUM)';
      phase.reject(new Error(`${what} within ${Math.round(ms / 1000)} s: ${hint}`));
    }, ms);
  }

  private disarm(): void {
    if (this.phase?.timer) clearTimeout(this.phase.timer);
    this.phase = null;
  }

  private async destroyClient(): Promise<void> {
    await Promise.race([
      this.client.destroy().catch(() => {}),
      new Promise((resolve) => setTimeout(resolve, 10_000).unref()),
    ]);
  }

  private listen(): void {
    const c = this.client;
    c.on('qr', (qr: string) => {
      if (!this.qrShown) this.arm(this.options.loginTimeoutMs ?? 5 * 60_000, 'nobody logged in');
      this.qrShown = true;
      this.log.warn(
        'WhatsApp login needed: scan the QR code printed on standard error with the phone (WhatsApp → Linked devices)',
      );
      this.options.showQr(qr);
    });
    c.on('authenticated', () => {
      this.arm(this.options.readyTimeoutMs ?? 120_000, 'the WhatsApp session did not become ready');
      this.log.info('WhatsApp session authenticated');
    });
    c.on('ready', () => {
      this.reconnectAttempt = 0;
      this.setState('connected');
      const phase = this.phase;
      this.disarm();
      phase?.resolve();
    });
    c.on('auth_failure', () => {
      this.setState('logged-out', 'WhatsApp refused the saved session: run the bridge again and scan the new QR code');
      this.phase?.reject(
        new Error('WhatsApp refused the saved session (auth_failure): run the bridge again and scan the new QR code'),
      );
      this.disarm();
    });
    c.on('disconnected', (reason: string) => this.onDisconnected(String(reason)));
    c.on('message', (m: WaMessage) => this.enqueue(async () => messageEvent(m, await this.contextOf(m))));
    // `message` covers everyone else's messages; `message_create` adds the account's own (gateway sends and the phone's)
    c.on('message_create', (m: WaMessage) => {
      if (m.fromMe) this.enqueue(async () => messageEvent(m, await this.contextOf(m)));
    });
    c.on('message_edit', (m: WaMessage, newBody: unknown) =>
      this.enqueue(async () => editEvent(m, String(newBody ?? m.body), await this.contextOf(m, { media: false }))),
    );
    c.on('message_revoke_everyone', (after: WaMessage, before?: WaMessage | null) =>
      this.enqueue(async () => revokeEvent(after, before, await this.contextOf(after, { media: false }))),
    );
    c.on('group_join', (n: WaGroupNotification) =>
      this.enqueue(async () => groupEvent(n, { chatTitle: await this.titleOf(n.chatId, null) })),
    );
    c.on('group_leave', (n: WaGroupNotification) =>
      this.enqueue(async () => groupEvent(n, { chatTitle: await this.titleOf(n.chatId, null) })),
    );
    c.on('group_update', (n: WaGroupNotification) => {
      if (n.type === 'subject') this.chatTitles.set(n.chatId, n.body);
      if (n.type === 'subject') this.enqueue(async () => groupEvent(n, { chatTitle: n.body }));
    });
  }

  /** LOGOUT: the phone unlinked this device (whatsapp-web.js shows a new QR code); anything else: reconnect. */
  private onDisconnected(reason: string): void {
    if (this.stopping) return;
    if (reason === 'LOGOUT') {
      this.setState('logged-out', 'the phone unlinked this device: scan the new QR code to link it again');
      return;
    }
    this.scheduleReconnect(`disconnected (${reason.replace(/[^A-Z_]/g, '').slice(0, 40) || 'unknown'})`);
  }

  private scheduleReconnect(why: string): void {
    if (this.stopping || this.reconnectTimer) return;
    const delay = (this.options.reconnectDelay ?? backoffDelay)(this.reconnectAttempt++);
    this.setState('backing-off', `${why}; reconnecting in ${Math.ceil(delay / 1000)} s`);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.reconnect();
    }, delay);
  }

  private async reconnect(): Promise<void> {
    if (this.stopping) return;
    await this.destroyClient();
    this.setState('connecting');
    try {
      await this.connect();
    } catch (error) {
      if (this.state === 'logged-out') return;
      this.scheduleReconnect(`reconnect failed: ${firstLine((error as Error).message)}`);
    }
  }

  /** Runs event conversions one after another, so the host sees them in arrival order. */
  private enqueue(make: () => Promise<BridgeEvent>): void {
    if (this.stopping || !this.host) return;
    const host = this.host;
    this.chain = this.chain.then(async () => {
      try {
        await host.emit(await make());
      } catch (error) {
        // never the event itself: it holds personal data
        this.log.error('a WhatsApp event could not be handed to the pipeline', { error: (error as Error).message });
      }
    });
  }

  private async titleOf(chatId: string, message: WaMessage | null): Promise<string | undefined> {
    const known = this.chatTitles.get(chatId);
    if (known !== undefined) return known || undefined;
    try {
      const chat = message ? await message.getChat() : await this.client.getChatById(chatId);
      this.chatTitles.set(chatId, chat.name ?? '');
      return chat.name || undefined;
    } catch {
      return undefined;
    }
  }

  /** What converting a message needs from the browser: the chat's title, the quoted message's id, the media. */
  private async contextOf(message: WaMessage, want: { media?: boolean } = {}): Promise<MessageContext> {
    const self = this.client.info?.wid;
    const context: MessageContext = {
      selfId: self?._serialized ?? '',
      selfName: this.client.info?.pushname,
      chatTitle: await this.titleOf(chatIdOf(message), message),
    };
    if (message.hasQuotedMsg)
      context.quotedId = await message.getQuotedMessage().then(
        (q) => q?.id._serialized ?? null,
        () => null,
      );
    if (want.media !== false && MEDIA_TYPES.has(message.type)) context.media = await this.fetchMedia(message);
    return context;
  }

  /** The media's bytes into the attachment store; null when WhatsApp no longer has them (a missing attachment). */
  private async fetchMedia(message: WaMessage): Promise<StoredMedia | null> {
    if (!message.hasMedia) return null;
    let media: WaMedia | null | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      // events are handed over in order: a download that never answers must not hold up the chat
      media = await Promise.race([
        message.downloadMedia(),
        new Promise<never>(
          (_, reject) => (timer = setTimeout(() => reject(new Error('no answer within 120 s')), MEDIA_TIMEOUT_MS)),
        ),
      ]);
    } catch (error) {
      this.log.warn('WhatsApp media could not be downloaded: recorded as missing', {
        error: firstLine((error as Error).message),
      });
      return null;
    } finally {
      clearTimeout(timer);
    }
    if (!media?.data) return null;
    const stored = await this.options.storeFile(Buffer.from(media.data, 'base64'));
    return { ...stored, mime: media.mimetype, filename: media.filename ?? null };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.phase?.reject(new Error('stopped before WhatsApp was ready'));
    this.disarm();
    await this.chain;
    this.client.removeAllListeners();
    await this.destroyClient();
  }

  async send(chatId: string, text: string, options: SendOptions = {}): Promise<{ messageId: string }> {
    if (this.state !== 'connected') throw new Error(`the WhatsApp connector is ${this.state}: not sent`);
    let content: string | WaMedia = text;
    const sendOptions: { quotedMessageId?: string; caption?: string; sendMediaAsDocument?: boolean } = {};
    if (options.replyTo) sendOptions.quotedMessageId = options.replyTo;
    if (options.attachment) {
      const { path, name, mime, kind } = options.attachment;
      content = this.options.makeMedia(
        mime ?? 'application/octet-stream',
        (await readFile(path)).toString('base64'),
        name,
      );
      if (text) sendOptions.caption = text;
      if (kind === 'document') sendOptions.sendMediaAsDocument = true;
    }
    // from here the browser may have sent it: any failure is an unknown outcome, never a resend
    const timeoutMs = this.options.sendTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const sent = await Promise.race([
        this.client.sendMessage(chatId, content, sendOptions),
        new Promise<never>(
          (_, reject) =>
            (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs)),
        ),
      ]);
      return { messageId: sent.id._serialized };
    } catch (error) {
      throw new SendOutcomeUnknownError(`WhatsApp send: ${firstLine((error as Error).message)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  async editMessage(_chatId: string, messageId: string, text: string): Promise<void> {
    const message = await this.client.getMessageById?.(messageId);
    const editable = message as (WaMessage & { edit?(text: string): Promise<unknown> }) | null | undefined;
    if (!editable?.edit) throw new Error('the WhatsApp message to edit was not found');
    await editable.edit(text);
  }

  async deleteMessage(_chatId: string, messageId: string): Promise<void> {
    const message = await this.client.getMessageById?.(messageId);
    const deletable = message as (WaMessage & { delete?(everyone: boolean): Promise<unknown> }) | null | undefined;
    if (!deletable?.delete) throw new Error('the WhatsApp message to delete was not found');
    await deletable.delete(true);
  }

  /**
   * A page of the chat's history older than `before` (a cursor this method returned), newest last, converted like
   * live messages (media downloaded). whatsapp-web.js's fetchMessages only loads the latest N messages, so the
   * cursor records the oldest message handed over and its depth: the next page loads depth + limit and takes the
   * `limit` before it, loading more when newer messages have pushed it deeper.
   */
  async fetchHistory(chatId: string, options: { limit: number; before: string | null }): Promise<HistoryPage> {
    const chat = await this.client.getChatById(chatId);
    if (chat.name) this.chatTitles.set(chatId, chat.name);
    const cursor = parseCursor(options.before);
    let window = (cursor?.depth ?? 0) + options.limit;
    let messages = await chat.fetchMessages({ limit: window });
    let end = cursor ? messages.findIndex((m) => m.id._serialized === cursor.id) : messages.length;
    while (cursor && end < 0 && messages.length >= window && window < MAX_HISTORY_WINDOW) {
      window = Math.min(MAX_HISTORY_WINDOW, window * 2);
      messages = await chat.fetchMessages({ limit: window });
      end = messages.findIndex((m) => m.id._serialized === cursor.id);
    }
    // the cursor's message is gone (deleted for me): everything older than its time
    if (cursor && end < 0) end = messages.filter((m) => m.timestamp < cursor.t).length;
    const start = Math.max(0, end - options.limit);
    const page = messages.slice(start, end);
    const events: BridgeEvent[] = [];
    for (const message of page) events.push(messageEvent(message, await this.contextOf(message)));
    const oldest = page[0];
    const exhausted = start === 0 && messages.length < window;
    const next =
      oldest && !exhausted
        ? JSON.stringify({
            id: oldest.id._serialized,
            t: oldest.timestamp,
            depth: messages.length - start,
          } satisfies HistoryCursor)
        : null;
    return { events, cursor: next };
  }
}

function parseCursor(cursor: string | null): HistoryCursor | null {
  if (!cursor) return null;
  try {
    const parsed = JSON.parse(cursor) as Partial<HistoryCursor>;
    if (typeof parsed.id === 'string' && typeof parsed.t === 'number' && typeof parsed.depth === 'number')
      return parsed as HistoryCursor;
  } catch {
    // not one of this connector's cursors: start from the newest
  }
  return null;
}

/** Puppeteer's errors run to call logs and stack lines; the first line says what happened. */
function firstLine(text: string): string {
  return (text.split('\n', 1)[0] ?? '').slice(0, 300);
}
