import { createHash } from 'node:crypto';
import type { BridgeEvent } from '../../../src/core/connector.ts';
import type { CanonicalMessageInput } from '../../../src/core/message.ts';
import type { WaGroupNotification, WaMessage } from './client-surface.ts';

/**
 * whatsapp-web.js events → BridgeEvents. Pure: whatever needs the browser (the quoted message's id, the chat's
 * title, the media's bytes) is looked up by the connector and handed in as `MessageContext`.
 *
 * Ids, as the store keys them (platform 'whatsapp', chat, message):
 * - chatId: the chat's serialized id, `<phone>@c.us` for a personal chat and `<n>@g.us` for a group: the id
 *   `import whatsapp --chat-id` takes, so an export and the live chat can land in the same national chat.
 * - messageId: the message's `id._serialized` (`<fromMe>_<chat>_<id>[_<participant>]`), not its bare `id` part:
 *   the bare part is chosen by the sending device and is unique only together with the chat and, in a group, the
 *   author; the serialized form is unique in the account and is what whatsapp-web.js's own calls take
 *   (`quotedMessageId`, `getMessageById`), so a national reply can quote a bridged message by its stored id.
 * - sender.id: a `…@c.us` member by the digits of their number (as the export importer identifies a sender written
 *   as a number), anyone else (`…@lid`) by the whole id; sender.name: the push name the member chose, else the id.
 */
export interface MessageContext {
  /** the account's own serialized id (`client.info.wid._serialized`): the sender of `fromMe` messages */
  selfId: string;
  selfName?: string | undefined;
  chatTitle?: string | undefined;
  /** the serialized id of the quoted message, when `hasQuotedMsg` and the connector could resolve it */
  quotedId?: string | null | undefined;
  /** the media's bytes as stored (sha256, size), or null when WhatsApp no longer has them; absent: no media */
  media?: StoredMedia | null | undefined;
}

export interface StoredMedia {
  sha256: string;
  size: number;
  mime?: string | undefined;
  /** the file name the sender gave (documents) */
  filename?: string | null | undefined;
}

/** whatsapp-web.js message types that carry a file, and the attachment kind each is (the export importer's kinds). */
const MEDIA_KINDS: Record<string, string> = {
  image: 'photo',
  video: 'video',
  document: 'file',
  ptt: 'voice',
  audio: 'audio',
  sticker: 'sticker',
};

/** Message types that are WhatsApp's notices rather than anyone's words, and the service type each is. */
const SERVICE_TYPES: Record<string, 'encryption_notice' | 'call' | 'other'> = {
  e2e_notification: 'encryption_notice',
  notification_template: 'other',
  gp2: 'other',
  group_notification: 'other',
  call_log: 'call',
  notification: 'other',
  broadcast_notification: 'other',
};

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'video/mp4': 'mp4',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'application/pdf': 'pdf',
};

export function chatIdOf(message: Pick<WaMessage, 'id' | 'from' | 'to' | 'fromMe'>): string {
  const remote = message.id.remote;
  if (typeof remote === 'string' && remote) return remote;
  if (remote && typeof remote === 'object' && remote._serialized) return remote._serialized;
  return message.fromMe ? message.to : message.from;
}

export function isGroupChat(chatId: string): boolean {
  return chatId.endsWith('@g.us');
}

/** A member's id as the store keeps it: a phone-number id by its digits (as the export importer does), else whole. */
export function personId(wid: string): string {
  const match = /^(\d{5,15})(?::\d+)?@c\.us$/.exec(wid);
  return match ? match[1]! : wid;
}

function senderOf(message: WaMessage, context: MessageContext): { id: string; name: string } {
  if (message.fromMe) return { id: personId(context.selfId), name: context.selfName || personId(context.selfId) };
  const chatId = chatIdOf(message);
  const wid = isGroupChat(chatId) ? (message.author ?? message.from) : message.from;
  const id = personId(wid);
  return { id, name: message._data?.notifyName || id };
}

function isoOfSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

function attachmentOf(
  message: WaMessage,
  kind: string,
  media: StoredMedia | null | undefined,
): NonNullable<CanonicalMessageInput['attachments']>[number] {
  const mime = media?.mime ?? message._data?.mimetype;
  const given = media?.filename ?? message._data?.filename;
  const extension = mime ? EXTENSIONS[mime.split(';')[0]!.trim()] : undefined;
  const name = given || `${kind}${extension ? `.${extension}` : ''}`;
  if (!media) return { kind, name, ...(mime ? { mime } : {}), missing: true };
  return {
    kind: message.isGif ? 'animation' : kind,
    name,
    ...(mime ? { mime } : {}),
    size: media.size,
    sha256: media.sha256,
    missing: false,
  };
}

function base(message: WaMessage, context: MessageContext): CanonicalMessageInput {
  return {
    platform: 'whatsapp',
    chatId: chatIdOf(message),
    messageId: message.id._serialized,
    ...(context.chatTitle ? { chatTitle: context.chatTitle } : {}),
    sentAt: isoOfSeconds(message.timestamp),
    editedAt: message.latestEditSenderTimestampMs ? new Date(message.latestEditSenderTimestampMs).toISOString() : null,
    replyTo: message.hasQuotedMsg && context.quotedId ? context.quotedId : null,
    forwardedFrom: message.isForwarded ? { name: 'forwarded' } : null,
  };
}

/** The canonical message of an ordinary, media, location, contact, service or unknown WhatsApp message. */
export function toCanonical(message: WaMessage, context: MessageContext): CanonicalMessageInput {
  const common = base(message, context);
  const sender = senderOf(message, context);
  const mediaKind = MEDIA_KINDS[message.type];
  if (message.type === 'chat') return { ...common, sender, text: message.body };
  if (mediaKind)
    return { ...common, sender, text: message.body, attachments: [attachmentOf(message, mediaKind, context.media)] };
  if (message.type === 'location' && message.location) {
    const { latitude, longitude, name, address } = message.location;
    const location = {
      latitude: Number(latitude),
      longitude: Number(longitude),
      ...(name ? { name } : {}),
      ...(address ? { address } : {}),
    };
    return { ...common, sender, text: message.location.description ?? '', extra: { location } };
  }
  if (message.type === 'vcard' || message.type === 'multi_vcard') {
    // the card itself is the text, so the classifier sees the number it holds
    return {
      ...common,
      sender,
      text: (message.vCards?.length ? message.vCards : [message.body]).join('\n'),
      extra: { contact: true },
    };
  }
  const serviceType = SERVICE_TYPES[message.type];
  if (serviceType)
    return {
      ...common,
      kind: 'service',
      sender: null,
      text: message.body,
      service: { type: serviceType, rawType: message.type },
    };
  return { ...common, kind: 'unknown', sender, text: message.body, extra: { rawType: message.type } };
}

/**
 * A new or fetched message: `message`, or `delete` for one already revoked (type `revoked`). `fromSelf` for the
 * account's own messages, the gateway's sends and the phone owner's alike: the core tells echoes apart.
 */
export function messageEvent(message: WaMessage, context: MessageContext): BridgeEvent {
  // a fetched message revoked before it was fetched: when it was revoked is unknown, its own time stands in
  if (message.type === 'revoked') return revokeEvent(message, null, context, new Date(message.timestamp * 1000));
  const canonical = toCanonical(message, context);
  return { type: 'message', message: canonical, ...(message.fromMe ? { fromSelf: true } : {}) };
}

/** `message_edit(message, newBody)`: the same message id with its new text and the edit's time. */
export function editEvent(
  message: WaMessage,
  newBody: string,
  context: MessageContext,
  now: Date = new Date(),
): BridgeEvent {
  const canonical = toCanonical(message, context);
  const editedAt = message.latestEditSenderTimestampMs
    ? new Date(message.latestEditSenderTimestampMs).toISOString()
    : now.toISOString();
  return {
    type: 'edit',
    message: { ...canonical, text: newBody, editedAt },
    ...(message.fromMe ? { fromSelf: true } : {}),
  };
}

/**
 * `message_revoke_everyone(after, before)`: the message `after` is the revoked one in its new state, keeping the
 * original's id (whatsapp-web.js changes the type of the same message in place); `protocolMessageKey`, when set,
 * names the original too. `at`: when it was revoked (the event's arrival). The actor is whoever revoked it (its author, or an admin in a group).
 */
export function revokeEvent(
  after: WaMessage,
  before: WaMessage | null | undefined,
  context: MessageContext,
  at: Date = new Date(),
): BridgeEvent {
  const target = after.protocolMessageKey?._serialized ?? before?.id._serialized ?? after.id._serialized;
  const actor = senderOf(after, context);
  return {
    type: 'delete',
    platform: 'whatsapp',
    chatId: chatIdOf(after),
    messageId: target,
    at: at.toISOString(),
    actor,
    ...(context.chatTitle ? { chatTitle: context.chatTitle } : {}),
  };
}

const GROUP_SERVICE: Record<string, 'joined' | 'added' | 'left' | 'removed' | 'title_changed'> = {
  invite: 'joined',
  linked_group_join: 'joined',
  add: 'added',
  leave: 'left',
  remove: 'removed',
  subject: 'title_changed',
};

/**
 * `group_join` / `group_leave` / `group_update`'s GroupNotification → a service message. Its id is the
 * notification's own when whatsapp-web.js gives one, else a digest of what it says (type, time, members), so the
 * same notification seen twice is one message.
 */
export function groupEvent(
  notification: WaGroupNotification,
  context: { chatTitle?: string | undefined },
): BridgeEvent {
  const type = GROUP_SERVICE[notification.type] ?? 'other';
  const members = notification.recipientIds.map(personId);
  const ownId = (notification.id as { _serialized?: string })._serialized;
  const messageId =
    ownId ||
    `gn-${createHash('sha256')
      .update(
        JSON.stringify([
          notification.chatId,
          notification.type,
          notification.timestamp,
          notification.recipientIds,
          notification.author ?? '',
        ]),
      )
      .digest('hex')
      .slice(0, 32)}`;
  const actor = notification.author ? personId(notification.author) : undefined;
  const message: CanonicalMessageInput = {
    platform: 'whatsapp',
    chatId: notification.chatId,
    messageId,
    ...(context.chatTitle ? { chatTitle: context.chatTitle } : {}),
    kind: 'service',
    sender: actor ? { id: actor, name: actor } : null,
    sentAt: isoOfSeconds(notification.timestamp),
    text: type === 'title_changed' ? notification.body : '',
    service: {
      type,
      rawType: notification.type,
      ...(actor ? { actor } : {}),
      ...(members.length > 0 ? { members } : {}),
      ...(type === 'title_changed' ? { title: notification.body } : {}),
    },
  };
  return { type: 'service', message };
}
