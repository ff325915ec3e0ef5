import { createReadStream } from 'node:fs';
import http from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Telegraf, TelegramError } from 'telegraf';
import type { Logger } from 'winston';
import { RateLimitedError, SendOutcomeUnknownError, type SendOptions } from '../../../src/core/bridge.ts';
import {
  abortableSleep as sleep,
  backoffDelay,
  type ConnectorHost,
  type ConnectorState,
  type DeletingConnector,
  type EditingConnector,
  type SendingConnector,
  type SendLimits,
} from '../../../src/core/connector.ts';
import { maskPersonalData } from '../../../src/core/mask.ts';
import { convertUpdate, FORWARDED_UPDATES, type ConvertedUpdate, type TgUpdate } from './convert.ts';

/** Stores a file's bytes in the gateway's attachment store (wired by the CLI: the connector never touches the store). */
export type StoreFile = (bytes: Readable) => Promise<{ sha256: string; size: number }>;

export interface TelegramWebhookOptions {
  /** the public https URL Telegram posts to; its path is the one served */
  url: string;
  /** the local port the webhook server listens on */
  port: number;
  host?: string;
  /** Telegram sends it back in X-Telegram-Bot-Api-Secret-Token; a request without it is refused (403) */
  secretToken: string;
}

export interface TelegramConnectorOptions {
  token: string;
  apiRoot?: string;
  logger: Logger;
  storeFile?: StoreFile;
  /** webhook mode instead of long polling */
  webhook?: TelegramWebhookOptions;
  /** getUpdates' long-poll timeout (Telegram allows up to 50 s) */
  pollTimeoutSeconds?: number;
  /**
   * The shortest time between two getUpdates calls after one that returned less than a full page (default 100 ms).
   * Each call's updates travel as one live batch, whose fixed cost (a job, a transaction, an audit entry) is most of
   * an event's: polling again at once under light traffic made batches of one or two and cost several times the CPU
   * per event. A full page (100 updates) is followed at once.
   */
  minPollIntervalMs?: number;
  /** how long a send may take before its outcome counts as unknown */
  sendTimeoutMs?: number;
  /** getMe attempts at start before the connector gives up (state failed) */
  startAttempts?: number;
  backoff?: { baseMs?: number; maxMs?: number };
}

/** Network failures that happen before a request is written: the message certainly did not leave. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_INVALID_URL',
]);
/** Bot API refusals of getFile that mean the bytes will never come (too big, gone): a missing attachment. */
const FILE_GONE = /file is too big|invalid file_id|wrong file_id|file not found|temporarily unavailable/i;

/**
 * Telegram's documented limits (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
 * about 30 messages a second per bot, one a second per chat, 20 a minute per group. Groups and channels have
 * negative ids in the Bot API.
 */
export const TELEGRAM_SEND_LIMITS: SendLimits = {
  perAccount: { max: 30, durationMs: 1000 },
  perChat: { max: 1, durationMs: 1000 },
  perGroup: { max: 20, durationMs: 60_000 },
  isGroup: (chatId) => chatId.startsWith('-'),
};

/** getUpdates' page: the most updates Telegram returns per call. */
const POLL_PAGE = 100;

/**
 * A Telegram bot, through telegraf: updates of mapped chats in, the agency's outbound messages out.
 *
 * Nothing is lost when the process dies: an update is acknowledged to Telegram (the next getUpdates' offset, or
 * the webhook's 200) only after its event is in Redis (`host.emit` resolved), so Telegram serves again whatever
 * was not; the store's unique source key absorbs the repeats. Long polling is this class's own loop over
 * telegraf's client rather than `launch()`: telegraf's loop retries network errors silently (the state would never
 * show backing-off) and, when a handler throws, confirms the whole batch's offset as it stops. Each update still
 * goes through telegraf's `handleUpdate`, as in webhook mode.
 */
export class TelegramConnector implements SendingConnector, EditingConnector, DeletingConnector {
  readonly platform = 'telegram' as const;
  readonly sendLimits = TELEGRAM_SEND_LIMITS;
  private currentState: ConnectorState = 'connecting';
  private readonly bot: Telegraf;
  private readonly apiRoot: string;
  private host: ConnectorHost | null = null;
  private botId: number | null = null;
  private offset = 0;
  private stopping = false;
  private readonly abort = new AbortController();
  private polling: Promise<void> | null = null;
  private server: http.Server | null = null;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly log: Logger;

  constructor(private readonly options: TelegramConnectorOptions) {
    this.apiRoot = (options.apiRoot ?? 'https://api.telegram.org').replace(/\/+$/, '');
    // no handler timeout: an update is done when its event is in Redis, however long Redis takes
    this.bot = new Telegraf(options.token, {
      telegram: { apiRoot: this.apiRoot, webhookReply: false },
      handlerTimeout: Infinity,
    });
    this.log = options.logger.child({ connector: 'telegram' });
    this.bot.use(async (ctx) => this.onUpdate(ctx.update as unknown as TgUpdate));
    this.bot.catch((error, ctx) => {
      // telegraf's default prints the whole update (personal data); a webhook request answers 500 so Telegram retries
      const response = (ctx.telegram as unknown as { response?: http.ServerResponse }).response;
      if (response && !response.headersSent) {
        response.statusCode = 500;
        return;
      }
      throw error;
    });
  }

  get state(): ConnectorState {
    return this.currentState;
  }

  /** Error text safe for logs: no bot token (telegraf's own redaction misses some messages), no personal data. */
  scrub(text: string): string {
    return maskPersonalData(
      text
        .split(this.options.token)
        .join('[TOKEN]')
        .replace(/(bot|user)\d+:[A-Za-z0-9_-]+/g, '$1[TOKEN]'),
    );
  }

  private setState(state: ConnectorState, detail?: string): void {
    this.currentState = state;
    this.host?.setState(state, detail === undefined ? undefined : this.scrub(detail));
  }

  async start(host: ConnectorHost): Promise<void> {
    this.host = host;
    this.setState('connecting');
    await this.connect();
    if (this.options.webhook) await this.startWebhook(this.options.webhook);
    else {
      await this.bot.telegram.deleteWebhook();
      this.polling = this.pollLoop();
    }
    this.setState('connected');
  }

  /** getMe, retried with backoff on network errors; a refused token fails at once. */
  private async connect(): Promise<void> {
    const attempts = this.options.startAttempts ?? 6;
    for (let attempt = 0; ; attempt++) {
      try {
        const me = await this.bot.telegram.getMe();
        this.botId = me.id;
        this.bot.botInfo = me;
        this.log.info('connected to the Bot API', { botId: me.id });
        return;
      } catch (error) {
        if (error instanceof TelegramError && (error.code === 401 || error.code === 404)) {
          this.setState('logged-out', `the Bot API refused the bot token (${error.code})`);
          // eslint-disable-next-line preserve-caught-error -- the Bot API's error may carry the token; only its code travels
          throw new Error(
            `the Bot API refused the bot token (${error.code}): check TELEGRAM_BOT_TOKEN or the token file`,
          );
        }
        const reason = this.scrub((error as Error).message);
        if (attempt + 1 >= attempts || this.stopping) {
          this.setState('failed', reason);
          // eslint-disable-next-line preserve-caught-error -- the cause may carry the token; its scrubbed message travels instead
          throw new Error(`cannot reach the Bot API at ${this.apiRoot}: ${reason}`);
        }
        this.setState('backing-off', reason);
        await sleep(backoffDelay(attempt, this.options.backoff), this.abort.signal);
      }
    }
  }

  private async startWebhook(webhook: TelegramWebhookOptions): Promise<void> {
    const url = new URL(webhook.url);
    const callback = await this.bot.createWebhook({
      domain: url.host,
      path: url.pathname,
      secret_token: webhook.secretToken,
      allowed_updates: [...FORWARDED_UPDATES],
    });
    this.server = http.createServer((req, res) => {
      const handled = callback(req, res).catch((error: Error) => {
        this.log.warn('a webhook update could not be handled; Telegram will deliver it again', {
          error: this.scrub(error.message),
        });
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
      this.track(handled);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(webhook.port, webhook.host ?? '0.0.0.0', () => resolve());
    });
    this.log.info('webhook listening', { port: webhook.port });
  }

  /**
   * Long polling: each batch is handled (every event in Redis) before the next getUpdates confirms it. A network
   * error backs off and tries again; a refused token stops the loop (logged-out).
   */
  private async pollLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      let updates: TgUpdate[];
      const polledAt = Date.now();
      try {
        updates = (await this.bot.telegram.callApi(
          'getUpdates',
          {
            offset: this.offset,
            timeout: this.options.pollTimeoutSeconds ?? 50,
            limit: POLL_PAGE,
            allowed_updates: [...FORWARDED_UPDATES],
          },
          { signal: this.abort.signal as never },
        )) as unknown as TgUpdate[];
      } catch (error) {
        if (this.stopping) return;
        if (error instanceof TelegramError && (error.code === 401 || error.code === 404)) {
          this.setState('logged-out', `the Bot API refused the bot token (${error.code})`);
          return;
        }
        failures = await this.backOff(failures, error as Error, 'getUpdates failed');
        continue;
      }
      try {
        await this.track(Promise.all(updates.map((update) => this.bot.handleUpdate(update as never))));
      } catch (error) {
        // the batch is not confirmed: the same updates come again (those already emitted are repeats the store absorbs)
        failures = await this.backOff(failures, error as Error, 'an update could not be handed to the pipeline');
        continue;
      }
      const last = updates.at(-1);
      if (last) this.offset = last.update_id + 1;
      if (failures > 0 || this.currentState !== 'connected') this.setState('connected');
      failures = 0;
      if (updates.length > 0 && updates.length < POLL_PAGE)
        await sleep(polledAt + (this.options.minPollIntervalMs ?? 100) - Date.now(), this.abort.signal);
    }
  }

  private async backOff(failures: number, error: Error, what: string): Promise<number> {
    const reason = this.scrub(error.message);
    const delay = backoffDelay(failures, this.options.backoff);
    this.setState('backing-off', `${what}: ${reason}`);
    this.log.warn(`${what}; trying again`, { error: reason, retryInMs: delay });
    await sleep(delay, this.abort.signal);
    return failures + 1;
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise)).catch(() => {});
    return promise;
  }

  /** One update: converted, its files fetched into the attachment store, then handed to the host. */
  private async onUpdate(update: TgUpdate): Promise<void> {
    const converted = convertUpdate(update, this.botId);
    if (!converted || !this.host) return;
    await this.download(converted, update.update_id);
    await this.host.emit(converted.event);
  }

  private async download(converted: ConvertedUpdate, updateId: number): Promise<void> {
    if (converted.downloads.length === 0 || converted.event.type === 'delete') return;
    const attachments = converted.event.message.attachments ?? [];
    for (const { index, fileId } of converted.downloads) {
      const attachment = attachments[index]!;
      const stored = this.options.storeFile ? await this.fetchFile(fileId, updateId) : null;
      if (stored) {
        attachment.sha256 = stored.sha256;
        attachment.size = stored.size;
      } else attachment.missing = true;
    }
  }

  /** The file's bytes stored, or null when Telegram will never give them; a network failure throws (retried). */
  private async fetchFile(fileId: string, updateId: number): Promise<{ sha256: string; size: number } | null> {
    let filePath: string | undefined;
    try {
      filePath = (await this.bot.telegram.getFile(fileId)).file_path;
    } catch (error) {
      if (error instanceof TelegramError && error.code === 400 && FILE_GONE.test(error.description)) {
        this.log.info('a file is not downloadable from the Bot API; recorded as missing', {
          update: updateId,
          reason: this.scrub(error.description),
        });
        return null;
      }
      throw error;
    }
    if (!filePath) return null;
    const response = await fetch(`${this.apiRoot}/file/bot${this.options.token}/${filePath}`, {
      signal: AbortSignal.timeout(120_000),
    });
    if (response.status === 404 || response.status === 400) {
      this.log.info('a file is no longer on the Bot API; recorded as missing', {
        update: updateId,
        status: response.status,
      });
      return null;
    }
    if (!response.ok || !response.body) throw new Error(`file download answered ${response.status}`);
    return this.options.storeFile!(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>));
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.abort.abort();
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    await this.polling;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    // confirm what was handled, so a clean restart starts after it (a failure only means repeats the store absorbs)
    if (!this.options.webhook && this.offset > 0) {
      await this.bot.telegram.callApi('getUpdates', { offset: this.offset, limit: 1, timeout: 0 }).catch(() => {});
    }
  }

  async send(chatId: string, text: string, options: SendOptions = {}): Promise<{ messageId: string }> {
    const reply = options.replyTo
      ? { reply_parameters: { message_id: Number(options.replyTo), allow_sending_without_reply: true } }
      : {};
    const attachment = options.attachment;
    let method: 'sendMessage' | 'sendPhoto' | 'sendDocument' = 'sendMessage';
    let payload: Record<string, unknown> = { chat_id: chatId, text, ...reply };
    if (attachment) {
      method = attachment.kind === 'photo' ? 'sendPhoto' : 'sendDocument';
      const file = { source: createReadStream(attachment.path), filename: attachment.name };
      payload = {
        chat_id: chatId,
        [attachment.kind === 'photo' ? 'photo' : 'document']: file,
        ...(text ? { caption: text } : {}),
        ...reply,
      };
    }
    const result = (await this.call(method, payload)) as { message_id: number };
    return { messageId: String(result.message_id) };
  }

  async editMessage(chatId: string, messageId: string, text: string): Promise<void> {
    await this.call('editMessageText', { chat_id: chatId, message_id: Number(messageId), text });
  }

  async deleteMessage(chatId: string, messageId: string): Promise<void> {
    await this.call('deleteMessage', { chat_id: chatId, message_id: Number(messageId) });
  }

  /**
   * A Bot API call in the OutboundBridge error contract: 429 → RateLimitedError; a refusal (4xx) or a connection
   * that never opened → a plain error (certainly not done); a timeout, a dropped connection or a 5xx after the
   * request went out → SendOutcomeUnknownError. Error texts carry the method and Telegram's reason, never the text.
   */
  private async call(method: string, payload: Record<string, unknown>): Promise<unknown> {
    try {
      return await this.bot.telegram.callApi(method as 'sendMessage', payload as never, {
        signal: AbortSignal.timeout(this.options.sendTimeoutMs ?? 30_000) as never,
      });
    } catch (error) {
      throw this.sendError(method, error as Error & { code?: unknown });
    }
  }

  private sendError(method: string, error: Error & { code?: unknown }): Error {
    if (error instanceof TelegramError) {
      if (error.code === 429) return new RateLimitedError((error.parameters?.retry_after ?? 1) * 1000);
      const reason = `telegram ${method}: ${error.code} ${this.scrub(error.description ?? '')}`;
      if (error.code >= 500) return new SendOutcomeUnknownError(`${reason} (the Bot API may have done it)`);
      return new Error(reason);
    }
    const reason = this.scrub(error.message);
    if (typeof error.code === 'string' && NOT_SENT_CODES.has(error.code))
      return new Error(`telegram ${method}: the connection failed before the request was sent: ${reason}`);
    return new SendOutcomeUnknownError(
      `telegram ${method}: no answer (${error.name}: ${reason}); it may have been sent`,
    );
  }
}
