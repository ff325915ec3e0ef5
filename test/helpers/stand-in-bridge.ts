import type { OutboundBridge, SendOptions } from '../../src/core/bridge.ts';
import type { SendLimits } from '../../src/core/connector.ts';
import type { Platform } from '../../src/core/message.ts';

/** A foreign messenger stand-in behind the real OutboundBridge interface: records sends, can fail on cue. */
export class StandInBridge implements OutboundBridge {
  readonly sent: { chatId: string; text: string; messageId: string; idempotencyKey: string | null }[] = [];
  /** generous limits: tests of the gate are not tests of pacing */
  readonly sendLimits: SendLimits = {
    perAccount: { max: 1000, durationMs: 1000 },
    perChat: { max: 1000, durationMs: 1000 },
    isGroup: () => false,
  };
  private failuresLeft = 0;
  private nextId = 5000;

  constructor(readonly platform: Platform) {}

  /** the next `count` sends fail before anything is sent, as a network error would */
  failNext(count: number): void {
    this.failuresLeft = count;
  }

  async send(chatId: string, text: string, options?: SendOptions): Promise<{ messageId: string }> {
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('stand-in bridge: connection reset');
    }
    const messageId = String(this.nextId++);
    this.sent.push({ chatId, text, messageId, idempotencyKey: options?.idempotencyKey ?? null });
    return { messageId };
  }
}

/**
 * A stand-in for a platform that takes an idempotency key (as Aitu takes `localId`): a send repeated with a key it
 * has seen returns the first send's message id and sends nothing new.
 */
export class IdempotentStandInBridge extends StandInBridge {
  readonly honoursIdempotencyKey = true as const;
  private readonly byKey = new Map<string, string>();

  override async send(chatId: string, text: string, options?: SendOptions): Promise<{ messageId: string }> {
    const key = options?.idempotencyKey;
    const known = key ? this.byKey.get(key) : undefined;
    if (known) return { messageId: known };
    const result = await super.send(chatId, text, options);
    if (key) this.byKey.set(key, result.messageId);
    return result;
  }

  /** what the platform already holds from an earlier process (a send that reached it before a crash) */
  remember(key: string, messageId: string): void {
    this.byKey.set(key, messageId);
  }
}
