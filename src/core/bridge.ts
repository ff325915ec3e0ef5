import type { Platform } from './message.ts';

/**
 * The optional ability of a bridge to send into its foreign messenger. The core calls it only after the
 * outbound gate allowed the message; a bridge never classifies or decides.
 */
export interface OutboundBridge {
  readonly platform: Platform;
  /** sends text to the foreign chat and returns the foreign message id */
  send(chatId: string, text: string): Promise<{ messageId: string }>;
}

export type OutboundBridges = Partial<Record<Platform, OutboundBridge>>;
