import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'winston';
import type { BridgeEvent, ConnectorHost, ConnectorState } from '../core/connector.ts';
import { maskPersonalData } from '../core/mask.ts';
import { observer, type ConnectorObserver } from '../metrics/observer.ts';
import { claimEcho } from '../outbound/echo.ts';
import { PipelineFeed, type FeedContext } from '../pipeline/feed.ts';
import { isTransientDatabaseError } from '../store/postgres-errors.ts';
import { addMapping } from '../store/chat-map.ts';
import { writeAudit } from '../audit/log.ts';
import { machineActor } from '../core/machine-actor.ts';
import { auditableSource } from '../audit/fields.ts';
import type { CanonicalMessageInput, Platform } from '../core/message.ts';
import type { ConnectorStatusReporter } from './connector-status.ts';
import { eventChat, eventMessage } from './events.ts';
import { recordAssignment } from './national-relay.ts';
import { Relay } from './relay.ts';

export interface LiveIngestOptions {
  agencyId: string;
  platform: Platform;
  /** an unmapped chat gets a national chat named after it (else it is logged once and ignored) */
  autoMap?: boolean;
  /** how long a batch waits for more events after its first (live batches are small: an event or a burst) */
  windowMs?: number;
  /** a batch goes as soon as it holds this many */
  maxBatch?: number;
  /** live batches in the pipeline before emit waits (backpressure reaches the connector) */
  maxInFlight?: number;
  enqueueOnly?: boolean;
  concurrency?: number;
}

/** How long which chats are mapped is trusted: `map add` reaches a running bridge within this. */
const MAPPING_TTL_MS = 5000;

/**
 * The live path into the pipeline, the same one imports take (PipelineFeed): a connector's events become canonical
 * messages, are batched for a few milliseconds, classified, decided and delivered with `runId` null. The core
 * decides here what a connector only reports: whether the chat is mapped, and whether a message of the connector's
 * own account is the copy of a gateway send (an echo, never bridged back in).
 */
export class LiveIngest implements ConnectorHost {
  private seq = 0;
  private sent = 0;
  private timer: NodeJS.Timeout | null = null;
  private waiting: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private readonly flushing = new Set<Promise<void>>();
  /** source → its national chat and whether it relays (see Relay) */
  private mapped = new Map<string, { nationalChatId: string; relay: boolean }>();
  private readonly relay: Relay;
  private mappedAt = 0;
  private readonly ignoredChats = new Set<string>();
  /** the last re-read of the mappings failed: those read before are in use */
  private mappingsStale = false;
  /** the state the connector last reported (what `status` and the tests read through the host) */
  state: ConnectorState = 'connecting';
  /** events the connector handed over */
  events = 0;
  /** events dropped as echoes of the gateway's own sends */
  echoes = 0;
  /** events from chats that are not mapped */
  unmapped = 0;
  private status: ConnectorStatusReporter | null = null;
  /** bound once: the metrics' per-event calls stay a counter increment */
  private readonly observed: ConnectorObserver;

  private constructor(
    private readonly feed: PipelineFeed,
    private readonly context: FeedContext,
    private readonly options: LiveIngestOptions,
    private readonly jobPrefix: string,
  ) {
    this.relay = new Relay(context.store, feed.queues, options.agencyId, feed.keyring.hashKey, feed.keyring.index);
    this.observed = observer().connector(options.platform, options.agencyId);
  }

  static async open(context: FeedContext, options: LiveIngestOptions): Promise<LiveIngest> {
    const jobPrefix = `live-${randomUUID()}-`;
    const feed = await PipelineFeed.open(context, {
      agencyId: options.agencyId,
      jobPrefix,
      enqueueOnly: options.enqueueOnly,
      concurrency: options.concurrency,
    });
    return new LiveIngest(feed, context, options, jobPrefix);
  }

  /** Reports state and event counts where `status` reads them (see connector-status.ts). */
  withStatus(status: ConnectorStatusReporter): this {
    this.status = status;
    return this;
  }

  get log(): Logger {
    return this.context.logger;
  }

  /** Called once when the connector reports it has given up (`failed`, `logged-out`): the bridge then stops. */
  onGiveUp: ((state: ConnectorState, detail: string | undefined) => void) | null = null;

  setState(state: ConnectorState, detail?: string): void {
    this.state = state;
    if (state === 'failed' || state === 'logged-out') {
      this.onGiveUp?.(state, detail);
      this.onGiveUp = null;
    }
    this.status?.setState(state, detail);
    this.observed.state(state);
    this.log.info('connector state', {
      platform: this.options.platform,
      state,
      ...(detail ? { detail: maskPersonalData(detail) } : {}),
    });
  }

  /** Resolves once the event is in Redis (or is certainly not to be bridged: unmapped chat, echo). */
  async emit(event: BridgeEvent): Promise<void> {
    this.events++;
    this.status?.recordEvents(1);
    const chat = eventChat(event);
    const mapping = await this.mappingOf(chat);
    if (!mapping) {
      this.unmapped++;
      this.observed.event('unmapped');
      return;
    }
    const message = eventMessage(event);
    if ((event.type === 'message' || event.type === 'edit') && event.fromSelf) {
      const echo = await claimEcho(this.context.store.pool, this.options.agencyId, {
        platform: chat.platform,
        chatId: chat.chatId,
        messageId: String(message.messageId),
        text: String(message.text ?? ''),
      });
      if (echo) {
        this.echoes++;
        this.observed.event('echo');
        return;
      }
    }
    this.observed.event('bridged');
    const done = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.feed.add(message);
    if (this.feed.pending >= (this.options.maxBatch ?? 500)) this.flushNow();
    else this.timer ??= setTimeout(() => this.flushNow(), this.options.windowMs ?? 5);
    if (event.type === 'message') {
      if (chat.platform === 'aitu') await this.fromNational(mapping.nationalChatId, message);
      else if (mapping.relay) await this.relay.forward(mapping.nationalChatId, message);
    }
    return done;
  }

  /** An Aitu message goes out to the chat's foreign sources; when policy blocks it, the bot tells its author why. */
  private async fromNational(nationalChatId: string, message: CanonicalMessageInput): Promise<void> {
    const categories = await this.relay.fromNational(nationalChatId, message);
    if (categories.length === 0) return;
    const payload = {
      agencyId: this.options.agencyId,
      kind: 'notice' as const,
      groupId: String(message.chatId),
      replyTo: String(message.messageId),
      categories,
    };
    await this.feed.queues.relayFor(this.options.agencyId).addSealed(payload, {
      jobId: `notice-${createHash('sha256').update(payload.replyTo).digest('hex').slice(0, 32)}`,
    });
  }

  /** Aitu's id for one of the bot's posts (MessageIdAssigned): recorded against the post's localId. */
  async postAssigned(localId: string, postId: string): Promise<void> {
    await recordAssignment(this.context.store.pool, this.options.agencyId, localId, postId);
  }

  private flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const waiting = this.waiting;
    this.waiting = [];
    const flushed = this.flush().then(
      () => waiting.forEach((w) => w.resolve()),
      (error: Error) => waiting.forEach((w) => w.reject(error)),
    );
    this.flushing.add(flushed);
    void flushed.finally(() => this.flushing.delete(flushed));
  }

  private async flush(): Promise<void> {
    if (this.feed.pending === 0) return;
    const jobId = `${this.jobPrefix}${this.seq++}`;
    const origin = { agencyId: this.options.agencyId, runId: null, seq: null, checkpoint: null };
    await this.feed.flush(origin, jobId);
    this.sent++;
    // backpressure: the connector's emit waits while too many live batches are undelivered
    while (this.sent - this.feed.completed > (this.options.maxInFlight ?? 32)) await this.feed.nextCompletion(100);
  }

  /** The chat's mapping (re-read every few seconds), created by --auto-map when asked; null: not bridged. */
  private async mappingOf(chat: {
    platform: string;
    chatId: string;
    title?: string | undefined;
  }): Promise<{ nationalChatId: string; relay: boolean } | null> {
    const k = `${chat.platform}\u0000${chat.chatId}`;
    if (Date.now() - this.mappedAt > MAPPING_TTL_MS) await this.readMappings();
    const known = this.mapped.get(k);
    if (known) return known;
    if (this.options.autoMap) return this.autoMap(chat, k);
    if (!this.ignoredChats.has(k)) {
      this.ignoredChats.add(k);
      this.log.warn(
        'a message from an unmapped chat was ignored (map it with: aitu-gateway map add, or run the bridge with --auto-map)',
        {
          source: auditableSource(chat.platform, chat.chatId),
        },
      );
    }
    return null;
  }

  /**
   * Re-reads the agency's mappings of this platform. While PostgreSQL is briefly away (restarted, failed over) the
   * mappings read last stay in use, so events of mapped chats still reach Redis and their deliveries wait in the
   * queue; only a bridge that has never read them fails the event (its connector tries again).
   */
  private async readMappings(): Promise<void> {
    let rows: { platform: string; source_chat_id: string; chat_id: string; relay: boolean }[];
    try {
      rows = (
        await this.context.store.pool.query<{
          platform: string;
          source_chat_id: string;
          chat_id: string;
          relay: boolean;
        }>(`SELECT platform, source_chat_id, chat_id, relay FROM chat_sources WHERE agency_id = $1 AND platform = $2`, [
          this.options.agencyId,
          this.options.platform,
        ])
      ).rows;
    } catch (error) {
      if (this.mappedAt === 0 || !isTransientDatabaseError(error)) throw error;
      if (!this.mappingsStale)
        this.log.warn('cannot read the chat mappings; using those read last until the store answers', {
          error: (error as Error).message,
        });
      this.mappingsStale = true;
      // tried again after the same interval, not on every event: an unreachable host costs a connect timeout
      this.mappedAt = Date.now();
      return;
    }
    if (this.mappingsStale) this.log.info('chat mappings read again');
    this.mappingsStale = false;
    this.mapped = new Map(
      rows.map((r) => [`${r.platform}\u0000${r.source_chat_id}`, { nationalChatId: r.chat_id, relay: r.relay }]),
    );
    this.mappedAt = Date.now();
  }

  private async autoMap(
    chat: { platform: string; chatId: string; title?: string | undefined },
    k: string,
  ): Promise<{ nationalChatId: string; relay: boolean }> {
    const source = auditableSource(chat.platform, chat.chatId);
    // a chat without a title is named by a digest of its id, never by a phone number
    const title =
      chat.title?.trim() ||
      `${chat.platform} chat ${createHash('sha256').update(chat.chatId).digest('hex').slice(0, 10)}`;
    const result = await addMapping(
      this.context.store.pool,
      this.options.agencyId,
      chat.platform as Platform,
      chat.chatId,
      title,
    );
    await writeAudit(this.context.store.pool, {
      actor: machineActor(),
      action: 'map.auto',
      agencyId: this.options.agencyId,
      subject: source,
      details: { source, created: result.created },
    });
    const mapping = { nationalChatId: result.nationalChatId, relay: false };
    this.mapped.set(k, mapping);
    return mapping;
  }

  /** Every event emitted so far is in Redis. */
  async drain(): Promise<void> {
    if (this.waiting.length > 0) this.flushNow();
    while (this.flushing.size > 0) await Promise.allSettled([...this.flushing]);
  }

  /** Waits until every live batch handed over so far has been delivered (tests, the bench, a clean stop). */
  async settled(timeoutMs = 30_000): Promise<void> {
    await this.drain();
    const until = Date.now() + timeoutMs;
    while (this.sent > this.feed.completed && Date.now() < until) await this.feed.nextCompletion(100);
  }

  /**
   * What this bridge did since it started, as an import's summary counts it: events read; of those bridged, the
   * batches' delivered, edited, duplicates, blocked and failed (the same sum rule once every batch is delivered).
   */
  summary(): Record<string, number> {
    const {
      delivered = 0,
      edited = 0,
      duplicates = 0,
      blocked = 0,
      failed = 0,
      quarantined = 0,
      redacted = 0,
    } = this.feed.totals;
    return {
      read: this.events,
      unmapped: this.unmapped,
      echoes: this.echoes,
      delivered,
      edited,
      duplicates,
      blocked,
      failed,
      quarantined,
      redacted,
    };
  }

  get queues(): PipelineFeed['queues'] {
    return this.feed.queues;
  }

  get keyring(): PipelineFeed['keyring'] {
    return this.feed.keyring;
  }

  /** The connector stopped (its state for `status` and the metrics). */
  stopped(): void {
    this.status?.stop();
    this.observed.state('stopped');
  }

  async close(): Promise<void> {
    await this.drain();
    await this.feed.close();
  }
}
