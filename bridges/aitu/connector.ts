import http from 'node:http';
import type { Logger } from 'winston';
import {
  abortableSleep as sleep,
  backoffDelay,
  type ConnectorHost,
  type ConnectorState,
  type OutgoingAttachment,
  type RelayingConnector,
  type SendLimits,
} from '../../src/core/connector.ts';
import { maskPersonalData } from '../../src/core/mask.ts';
import { AITU_MAX_CONTENT, AituApi, AituUnauthorizedError, type AituPeer, type AituUpdate } from './api.ts';
import { eventOf, mediaTypeOf } from './convert.ts';

export interface AituWebhookOptions {
  /** the public https URL Aitu posts updates to; its path is the one served */
  url: string;
  port: number;
  host?: string;
}

export interface AituConnectorOptions {
  token: string;
  apiRoot: string;
  logger: Logger;
  webhook?: AituWebhookOptions;
  /** posts a second: the bot's, and each group's (defaults: 20 and 1) */
  perBot?: number;
  perGroup?: number;
  /** getMe attempts at start before the connector gives up (state failed) */
  startAttempts?: number;
  backoff?: { baseMs?: number; maxMs?: number };
}

const group = (id: string): AituPeer => ({ type: 'GROUP', id });

/**
 * The agency's Aitu bot: messages written in mapped Aitu groups come in (long polling, or a webhook), and the
 * gateway's relays go out as the bot's posts. The bot's own posts are not bridged back in; Aitu's MessageIdAssigned
 * is handed to the core, which records it against the post's localId.
 *
 * Aitu's contract has no acknowledgement for `GET updates/`: an update is asked for again only after every event of
 * the previous answer is in Redis, and a webhook request is answered 200 only then (500 else, for Aitu to retry).
 */
export class AituConnector implements RelayingConnector {
  readonly platform = 'aitu' as const;
  readonly maxContent = AITU_MAX_CONTENT;
  readonly relayLimits: SendLimits;
  private currentState: ConnectorState = 'connecting';
  private readonly api: AituApi;
  private host: ConnectorHost | null = null;
  private botId = '';
  private readonly abort = new AbortController();
  private polling: Promise<void> | null = null;
  private server: http.Server | null = null;

  constructor(private readonly options: AituConnectorOptions) {
    this.api = new AituApi(options.apiRoot, options.token);
    this.relayLimits = {
      perAccount: { max: options.perBot ?? 20, durationMs: 1000 },
      perChat: { max: options.perGroup ?? 1, durationMs: 1000 },
      isGroup: () => false,
    };
  }

  get state(): ConnectorState {
    return this.currentState;
  }

  private setState(state: ConnectorState, detail?: string): void {
    if (state === this.currentState && !detail) return;
    this.currentState = state;
    this.host?.setState(state, detail);
  }

  async start(host: ConnectorHost): Promise<void> {
    this.host = host;
    this.setState('connecting');
    const me = await this.connect();
    this.botId = me.botId;
    if (this.options.webhook) await this.listen(this.options.webhook);
    else {
      // a webhook left set by an earlier run makes GET updates/ answer 400
      await this.api.deleteWebhook().catch(() => {});
      this.polling = this.poll();
    }
    this.setState('connected');
  }

  /** getMe, retried with backoff; a refused token is `logged-out` at once. */
  private async connect(): Promise<{ botId: string }> {
    const attempts = this.options.startAttempts ?? 6;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.api.getMe();
      } catch (error) {
        if (error instanceof AituUnauthorizedError) {
          this.setState('logged-out', error.message);
          throw error;
        }
        if (attempt + 1 >= attempts) {
          this.setState('failed', maskPersonalData((error as Error).message));
          throw error;
        }
        this.setState('backing-off', maskPersonalData((error as Error).message));
        await sleep(backoffDelay(attempt, this.options.backoff), this.abort.signal);
      }
    }
  }

  private async poll(): Promise<void> {
    let failures = 0;
    while (!this.abort.signal.aborted) {
      try {
        const updates = await this.api.getUpdates(this.abort.signal);
        if (failures > 0) this.setState('connected');
        failures = 0;
        for (const update of updates) await this.handle(update);
      } catch (error) {
        if (this.abort.signal.aborted) break;
        if (error instanceof AituUnauthorizedError) {
          this.setState('logged-out', error.message);
          break;
        }
        this.setState('backing-off', maskPersonalData((error as Error).message));
        await sleep(backoffDelay(failures++, this.options.backoff), this.abort.signal);
      }
    }
  }

  /** One update: an id assignment to the core, a message or edit into the pipeline; resolves once handed over. */
  private async handle(update: AituUpdate): Promise<void> {
    if (update.type === 'MessageIdAssigned') {
      const u = update as Extract<AituUpdate, { type: 'MessageIdAssigned' }>;
      await this.host?.postAssigned?.(u.localId, u.id);
      return;
    }
    const event = eventOf(update, this.botId);
    if (event) await this.host?.emit(event);
  }

  private async listen(webhook: AituWebhookOptions): Promise<void> {
    const path = new URL(webhook.url).pathname;
    this.server = http.createServer((request, response) => {
      if (request.method !== 'POST' || request.url !== path) {
        response.writeHead(404).end();
        return;
      }
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        void this.handleWebhook(Buffer.concat(chunks)).then(
          () => response.writeHead(200).end(),
          () => response.writeHead(500).end(),
        );
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(webhook.port, webhook.host ?? '0.0.0.0', resolve);
    });
    await this.api.setWebhook(webhook.url);
  }

  private async handleWebhook(body: Buffer): Promise<void> {
    const parsed = JSON.parse(body.toString('utf8')) as { updates?: AituUpdate[] };
    for (const update of parsed.updates ?? []) await this.handle(update);
  }

  async post(
    groupId: string,
    localId: string,
    content: string,
    options: { media: readonly OutgoingAttachment[]; replyTo?: string },
  ): Promise<void> {
    const mediaList = await this.upload(options.media);
    await this.api.commands([
      {
        type: 'SendMessage',
        localId,
        content,
        recipient: group(groupId),
        ...(options.replyTo ? { replyToMessageId: options.replyTo } : {}),
        ...(mediaList.length > 0 ? { mediaList } : {}),
      },
    ]);
  }

  async editPost(
    groupId: string,
    postId: string,
    content: string,
    media?: readonly OutgoingAttachment[],
  ): Promise<void> {
    const mediaList = media && media.length > 0 ? await this.upload(media) : [];
    await this.api.commands([
      {
        type: 'EditMessage',
        messageId: postId,
        content,
        recipient: group(groupId),
        ...(mediaList.length > 0 ? { mediaList } : {}),
      },
    ]);
  }

  /** Uploads files for a post; an upload repeated after a lost answer only leaves an unused file in Aitu. */
  private async upload(media: readonly OutgoingAttachment[]) {
    const mediaList = [];
    for (const file of media) {
      const fileId = await this.api.upload(file.path, file.name, file.mime);
      mediaList.push({ fileId, name: file.name, mediaType: mediaTypeOf(file.kind, file.mime ?? null) });
    }
    return mediaList;
  }

  async deletePost(groupId: string, postId: string): Promise<void> {
    await this.api.commands([{ type: 'DeleteMessage', messageId: postId, dialog: group(groupId) }]);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.polling;
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
