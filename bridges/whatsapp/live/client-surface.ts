import type { EventEmitter } from 'node:events';

/**
 * The part of whatsapp-web.js the connector uses, typed structurally: production passes the real `Client`,
 * tests a stand-in with the same surface (an EventEmitter with these methods and message objects of this shape).
 * Field meanings are whatsapp-web.js 1.34's (node_modules/whatsapp-web.js/index.d.ts).
 */
export interface WaMessageId {
  fromMe: boolean;
  /** the chat's serialized id (…@c.us, …@g.us) */
  remote: string | { _serialized: string };
  /** the id the sending device chose; unique only together with the chat (and the author in a group) */
  id: string;
  /** `<fromMe>_<remote>_<id>[_<participant>]`: what whatsapp-web.js's own calls (quotedMessageId, getMessageById) take */
  _serialized: string;
}

export interface WaMedia {
  mimetype: string;
  /** base64 */
  data: string;
  filename?: string | null;
  filesize?: number | null;
}

export interface WaChat {
  id: { _serialized: string };
  name?: string;
  isGroup?: boolean;
  fetchMessages(options: { limit?: number; fromMe?: boolean }): Promise<WaMessage[]>;
}

export interface WaMessage {
  id: WaMessageId;
  /** the chat, except for the account's own messages: then the account */
  from: string;
  /** the account, except for the account's own messages: then the chat */
  to: string;
  /** in a group, the member who wrote it */
  author?: string | undefined;
  fromMe: boolean;
  body: string;
  /** seconds since the epoch */
  timestamp: number;
  type: string;
  hasMedia: boolean;
  hasQuotedMsg: boolean;
  isForwarded?: boolean;
  isGif?: boolean;
  latestEditSenderTimestampMs?: number | undefined;
  location?:
    | { latitude: number | string; longitude: number | string; description?: string; name?: string; address?: string }
    | undefined;
  vCards?: string[] | undefined;
  /** on a revoked message: the key of the original */
  protocolMessageKey?: { _serialized: string } | undefined;
  /** whatsapp-web.js keeps the sender's push name here */
  _data?: { notifyName?: string; filename?: string; size?: number; mimetype?: string } | undefined;
  downloadMedia(): Promise<WaMedia | null | undefined>;
  getQuotedMessage(): Promise<WaMessage | null | undefined>;
  getChat(): Promise<WaChat>;
}

export interface WaGroupNotification {
  id: { _serialized?: string; id?: string } | object;
  /** the member who caused it (an admin who added someone) */
  author?: string;
  body: string;
  chatId: string;
  recipientIds: string[];
  timestamp: number;
  type: string;
}

/** A whatsapp-web.js `Client`, as far as the connector uses it. */
export interface WaClient extends Pick<EventEmitter, 'on' | 'off' | 'removeAllListeners'> {
  info?: { wid?: { _serialized: string; user: string }; pushname?: string } | undefined;
  initialize(): Promise<void>;
  destroy(): Promise<void>;
  sendMessage(
    chatId: string,
    content: string | WaMedia,
    options?: { quotedMessageId?: string; caption?: string; sendMediaAsDocument?: boolean },
  ): Promise<WaMessage>;
  getChatById(chatId: string): Promise<WaChat>;
  getMessageById?(messageId: string): Promise<WaMessage | null | undefined>;
}
