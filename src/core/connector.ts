import type { OutboundBridge } from './bridge.ts';
import type { CanonicalMessageInput, Platform } from './message.ts';

/**
 * A live connector: the gateway's link to one foreign messenger account (a Telegram bot, a WhatsApp Web session),
 * shaped like mautrix bridgev2's `NetworkAPI`. It converts the messenger's events into BridgeEvents and hands them
 * to its host; it never classifies, decides or writes to the store. Each optional ability (sending, edits, deletes,
 * backfill) is its own interface below, found by a type guard.
 */
export const CONNECTOR_STATES = ['connecting', 'connected', 'backing-off', 'logged-out', 'failed'] as const;
export type ConnectorState = (typeof CONNECTOR_STATES)[number];

/** What changed in a foreign chat, as bridgev2's remote events: the core decides what each does to the store. */
export type BridgeEvent =
  /** a new message; `fromSelf`: written by the connector's own account (a candidate echo of a gateway send) */
  | { type: 'message'; message: CanonicalMessageInput; fromSelf?: boolean }
  /** a new version of a message (its `editedAt` set): classified and decided again */
  | { type: 'edit'; message: CanonicalMessageInput; fromSelf?: boolean }
  /** a message deleted or revoked for everyone: the stored one is marked withdrawn, its evidence kept */
  | {
      type: 'delete';
      platform: Platform;
      chatId: string;
      messageId: string;
      at: string;
      actor?: { id: string; name: string } | null;
      chatTitle?: string;
    }
  /** joined, left, title changed…: a canonical message of kind `service` */
  | { type: 'service'; message: CanonicalMessageInput };

export interface ConnectorHost {
  /**
   * Hands an event to the pipeline. Resolves once the event is safely in Redis: a connector acknowledges an
   * event to its messenger (Telegram's update offset) only after this.
   */
  emit(event: BridgeEvent): Promise<void>;
  /** Reports a change of connection state (`detail` never holds personal data). */
  setState(state: ConnectorState, detail?: string): void;
  /**
   * The national messenger gave a relayed post its id (Aitu's MessageIdAssigned for the post's `localId`).
   * Resolves once recorded.
   */
  postAssigned?(localId: string, postId: string): Promise<void>;
}

export interface Connector {
  readonly platform: Platform;
  readonly state: ConnectorState;
  /** Connects and starts emitting. Resolves once connected, or rejects (state `failed`/`logged-out`) when it cannot. */
  start(host: ConnectorHost): Promise<void>;
  /** Stops taking events; resolves when every event it emitted has been handed over. */
  stop(): Promise<void>;
}

/** A file to send, from the gateway's content-addressed attachment store. */
export interface OutgoingAttachment {
  path: string;
  name: string;
  mime?: string;
  /** photo: sent as a picture where the messenger distinguishes; anything else as a document */
  kind: 'photo' | 'document';
}

/**
 * Telegram-style sending limits the core enforces before it calls `send` (BullMQ's limiter for the account, a
 * token bucket per chat in Redis): `perChat` for every chat, `perGroup` on top for group chats.
 */
export interface SendLimits {
  perAccount: { max: number; durationMs: number };
  perChat: { max: number; durationMs: number };
  perGroup?: { max: number; durationMs: number };
  isGroup(chatId: string): boolean;
}

/** Sending: text, replies and media (the OutboundBridge contract, see bridge.ts, with its send-once rules). */
export interface SendingConnector extends Connector, OutboundBridge {
  readonly sendLimits: SendLimits;
}

/** Editing a message the gateway sent. */
export interface EditingConnector extends Connector {
  editMessage(chatId: string, messageId: string, text: string): Promise<void>;
}

/** Deleting (revoking for everyone) a message the gateway sent. */
export interface DeletingConnector extends Connector {
  deleteMessage(chatId: string, messageId: string): Promise<void>;
}

/**
 * Posting into the national messenger's groups (Aitu): the gateway's relays of stored messages and its notices. The
 * bot posts as itself. `post` throws RateLimitedError (not posted: later), SendOutcomeUnknownError (the answer was
 * lost: the core waits for `postAssigned` before posting again), any other error when it certainly was not posted.
 */
export interface NationalPoster {
  /** the longest text one post takes */
  readonly maxContent: number;
  /** the bot's rate (perAccount) and each group's (perChat) */
  readonly relayLimits: SendLimits;
  post(
    groupId: string,
    localId: string,
    content: string,
    options: { media: readonly OutgoingAttachment[]; replyTo?: string },
  ): Promise<void>;
  /** replaces the post's text, and its files when `media` is given (a post approved in review gains its files) */
  editPost(groupId: string, postId: string, content: string, media?: readonly OutgoingAttachment[]): Promise<void>;
  deletePost(groupId: string, postId: string): Promise<void>;
}

export interface RelayingConnector extends Connector, NationalPoster {}

/** A page of recent history, newest last, and where the next (older) page starts; `cursor` null when none is left. */
export interface HistoryPage {
  events: BridgeEvent[];
  cursor: string | null;
}

/** Pulling recent history of a chat from the messenger (WhatsApp Web can; a Telegram bot cannot). */
export interface BackfillingConnector extends Connector {
  fetchHistory(chatId: string, options: { limit: number; before: string | null }): Promise<HistoryPage>;
}

export function canSend(connector: Connector): connector is SendingConnector {
  return (
    typeof (connector as Partial<SendingConnector>).send === 'function' &&
    (connector as Partial<SendingConnector>).sendLimits !== undefined
  );
}

export function canEdit(connector: Connector): connector is EditingConnector {
  return typeof (connector as Partial<EditingConnector>).editMessage === 'function';
}

export function canDelete(connector: Connector): connector is DeletingConnector {
  return typeof (connector as Partial<DeletingConnector>).deleteMessage === 'function';
}

export function canRelay(connector: Connector): connector is RelayingConnector {
  return typeof (connector as Partial<RelayingConnector>).editPost === 'function';
}

export function canBackfill(connector: Connector): connector is BackfillingConnector {
  return typeof (connector as Partial<BackfillingConnector>).fetchHistory === 'function';
}

/** Jittered exponential backoff for reconnecting: 1 s, 2 s, 4 s… up to `maxMs`, each ±25 %. */
export function backoffDelay(
  attempt: number,
  options: { baseMs?: number; maxMs?: number; random?: () => number } = {},
): number {
  const base = options.baseMs ?? 1000;
  const max = options.maxMs ?? 60_000;
  const random = options.random ?? Math.random;
  const raw = Math.min(max, base * 2 ** Math.max(0, attempt));
  return Math.round(raw * (0.75 + random() * 0.5));
}

/** Resolves after `ms`, or at once when `signal` aborts; its abort listener goes with it (a poll loop sleeps often). */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
