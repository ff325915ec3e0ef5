import type { OutgoingAttachment } from './connector.ts';
import type { Platform } from './message.ts';

export interface SendOptions {
  /**
   * The same for every try of one outbound attempt. A platform that de-duplicates sends by such a key (Aitu's
   * `localId`) makes a repeated send harmless; a bridge whose platform has none ignores it.
   */
  idempotencyKey?: string;
  /** the foreign id of the message this one replies to (in the same chat) */
  replyTo?: string;
  /** a file sent with the text as its caption */
  attachment?: OutgoingAttachment;
}

/** A send refused by the platform's rate limit: certainly not sent; try again after `retryAfterMs`. */
export class RateLimitedError extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`rate limited by the platform: retry after ${Math.ceil(retryAfterMs / 1000)} s`);
    this.name = 'RateLimitedError';
  }
}

/**
 * The optional ability of a bridge to send into its foreign messenger. The core calls it only after the
 * outbound gate allowed the message; a bridge never classifies or decides.
 *
 * `send` returns the foreign message id once the platform has the message. It throws a plain error only when the
 * message certainly did not reach the platform (refused, or the connection failed before the request was written):
 * the gate then tries again. When the outcome is unknown (a timeout after the request went out) it throws
 * SendOutcomeUnknownError: the gate never resends blindly on a platform without idempotency keys.
 */
export interface OutboundBridge {
  readonly platform: Platform;
  send(chatId: string, text: string, options?: SendOptions): Promise<{ messageId: string }>;
}

/** A bridge whose platform de-duplicates sends by their idempotency key, so resending an attempt cannot duplicate it. */
export interface IdempotentOutboundBridge extends OutboundBridge {
  readonly honoursIdempotencyKey: true;
}

export function honoursIdempotencyKey(bridge: OutboundBridge): bridge is IdempotentOutboundBridge {
  return (bridge as Partial<IdempotentOutboundBridge>).honoursIdempotencyKey === true;
}

/** The request may or may not have reached the platform. */
export class SendOutcomeUnknownError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SendOutcomeUnknownError';
  }
}

export type OutboundBridges = Partial<Record<Platform, OutboundBridge>>;
