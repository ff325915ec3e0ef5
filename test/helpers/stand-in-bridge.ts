import type { OutboundBridge } from '../../src/core/bridge.ts';
import type { Platform } from '../../src/core/message.ts';

/** A foreign messenger stand-in behind the real OutboundBridge interface: records sends, can fail on cue. */
export class StandInBridge implements OutboundBridge {
  readonly sent: { chatId: string; text: string; messageId: string }[] = [];
  private failuresLeft = 0;
  private nextId = 5000;

  constructor(readonly platform: Platform) {}

  /** the next `count` sends fail before anything is sent, as a network error would */
  failNext(count: number): void {
    this.failuresLeft = count;
  }

  async send(chatId: string, text: string): Promise<{ messageId: string }> {
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('stand-in bridge: connection reset');
    }
    const messageId = String(this.nextId++);
    this.sent.push({ chatId, text, messageId });
    return { messageId };
  }
}
