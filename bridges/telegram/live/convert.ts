import type { BridgeEvent } from '../../../src/core/connector.ts';
import type { CanonicalMessageInput, SERVICE_EVENT_TYPES } from '../../../src/core/message.ts';

/**
 * Pure conversion of one Telegram Bot API Update (as getUpdates or a webhook delivers it, JSON-parsed) into a
 * BridgeEvent. No I/O: a file the message carries is listed in `downloads` for the connector to fetch with getFile;
 * its attachment is complete but for `sha256` (or already `missing`, when it is over the Bot API's download limit).
 *
 * Ids are written as the export importer writes them (bridges/telegram/export/convert.ts), so a person or chat that
 * reached the store through both lands on one identity: chats as the Bot API gives them (-100… for supergroups and
 * channels), senders `user<id>`, channels `channel<bare id>`.
 */

/** The Bot API refuses getFile for files over this (https://core.telegram.org/bots/api#getfile). */
export const BOT_API_DOWNLOAD_LIMIT = 20 * 1024 * 1024;

/** The update kinds the bridge forwards: what the connector asks getUpdates and setWebhook for. */
export const FORWARDED_UPDATES = ['message', 'edited_message', 'channel_post', 'edited_channel_post'] as const;

export interface TgUser {
  id: number;
  is_bot?: boolean;
  first_name?: string;
  last_name?: string;
  username?: string;
}

export interface TgChat {
  id: number;
  type: string;
  title?: string;
  first_name?: string;
  last_name?: string;
  username?: string;
}

interface TgFile {
  file_id: string;
  file_unique_id?: string;
  file_size?: number;
  file_name?: string;
  mime_type?: string;
}

interface TgEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  user?: TgUser;
  language?: string;
}

export interface TgMessage {
  message_id: number;
  date: number;
  chat: TgChat;
  from?: TgUser;
  sender_chat?: TgChat;
  author_signature?: string;
  edit_date?: number;
  text?: string;
  entities?: TgEntity[];
  caption?: string;
  caption_entities?: TgEntity[];
  reply_to_message?: { message_id: number };
  forward_origin?: {
    type: string;
    sender_user?: TgUser;
    sender_user_name?: string;
    sender_chat?: TgChat;
    chat?: TgChat;
    message_id?: number;
    date?: number;
  };
  forward_from?: TgUser;
  forward_from_chat?: TgChat;
  forward_sender_name?: string;
  photo?: TgFile[];
  document?: TgFile;
  video?: TgFile;
  voice?: TgFile;
  audio?: TgFile & { title?: string; performer?: string };
  animation?: TgFile;
  video_note?: TgFile;
  sticker?: TgFile & { emoji?: string; is_animated?: boolean; is_video?: boolean };
  new_chat_members?: TgUser[];
  left_chat_member?: TgUser;
  new_chat_title?: string;
  new_chat_photo?: TgFile[];
  delete_chat_photo?: true;
  group_chat_created?: true;
  supergroup_chat_created?: true;
  channel_chat_created?: true;
  migrate_to_chat_id?: number;
  migrate_from_chat_id?: number;
  pinned_message?: { message_id: number };
  contact?: Record<string, unknown>;
  location?: Record<string, unknown>;
  venue?: Record<string, unknown>;
  poll?: Record<string, unknown>;
  [other: string]: unknown;
}

export interface TgUpdate {
  update_id: number;
  message?: TgMessage;
  edited_message?: TgMessage;
  channel_post?: TgMessage;
  edited_channel_post?: TgMessage;
  [other: string]: unknown;
}

/** A file of the message to fetch with getFile: its bytes become `attachments[index]`'s sha256. */
export interface PendingDownload {
  index: number;
  fileId: string;
}

export interface ConvertedUpdate {
  event: BridgeEvent;
  downloads: PendingDownload[];
}

type ServiceType = (typeof SERVICE_EVENT_TYPES)[number];
type AttachmentInput = NonNullable<CanonicalMessageInput['attachments']>[number];
type Entity = NonNullable<CanonicalMessageInput['entities']>[number];

const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();

/** The keys of a message that carry no content of their own (addressing, metadata). */
const ENVELOPE_KEYS = new Set([
  'message_id',
  'message_thread_id',
  'date',
  'chat',
  'from',
  'sender_chat',
  'sender_boost_count',
  'author_signature',
  'edit_date',
  'reply_to_message',
  'external_reply',
  'quote',
  'forward_origin',
  'forward_from',
  'forward_from_chat',
  'forward_from_message_id',
  'forward_signature',
  'forward_sender_name',
  'forward_date',
  'is_automatic_forward',
  'is_topic_message',
  'has_protected_content',
  'media_group_id',
  'via_bot',
  'reply_markup',
  'link_preview_options',
  'entities',
  'caption_entities',
  'has_media_spoiler',
  'show_caption_above_media',
  'effect_id',
  'is_from_offline',
  'business_connection_id',
  'sender_business_bot',
  // legacy duplicates of new_chat_members / left_chat_member the Bot API still sends
  'new_chat_member',
  'new_chat_participant',
  'left_chat_participant',
]);
/** Content the converter represents (text, media, structured payloads, service events). */
const KNOWN_CONTENT = new Set([
  'text',
  'caption',
  'photo',
  'document',
  'video',
  'voice',
  'audio',
  'animation',
  'video_note',
  'sticker',
  'contact',
  'location',
  'venue',
  'poll',
  'new_chat_members',
  'left_chat_member',
  'new_chat_title',
  'new_chat_photo',
  'delete_chat_photo',
  'group_chat_created',
  'supergroup_chat_created',
  'channel_chat_created',
  'migrate_to_chat_id',
  'migrate_from_chat_id',
  'pinned_message',
]);

/**
 * The event an update carries, or null for an update kind the bridge does not forward (it asks only for
 * FORWARDED_UPDATES; anything else is not a chat's message). `botId`: the bot's own user id, whose messages are
 * `fromSelf` (candidate echoes of a gateway send).
 */
export function convertUpdate(update: TgUpdate, botId: number | null): ConvertedUpdate | null {
  const edited = update.edited_message ?? update.edited_channel_post;
  const raw = update.message ?? update.channel_post ?? edited;
  if (!raw || typeof raw !== 'object' || typeof raw.message_id !== 'number' || !raw.chat) return null;
  const fromSelf = botId !== null && raw.from?.id === botId;
  const service = serviceEvent(raw);
  const { message, downloads } = convertMessage(raw, service);
  if (service) return { event: { type: 'service', message }, downloads };
  if (edited) return { event: { type: 'edit', message, ...(fromSelf ? { fromSelf } : {}) }, downloads };
  return { event: { type: 'message', message, ...(fromSelf ? { fromSelf } : {}) }, downloads };
}

function convertMessage(
  raw: TgMessage,
  service: CanonicalMessageInput['service'],
): { message: CanonicalMessageInput; downloads: PendingDownload[] } {
  const { text, entities } = readText(raw);
  const { attachments, downloads } = readMedia(raw);
  const extra: Record<string, unknown> = {};
  const unknownKeys = Object.keys(raw).filter((k) => !ENVELOPE_KEYS.has(k) && !KNOWN_CONTENT.has(k));
  const known = Object.keys(raw).some((k) => KNOWN_CONTENT.has(k));
  if (unknownKeys.length > 0) extra['rawType'] = unknownKeys.sort().join(',');
  for (const key of unknownKeys) extra[key] = raw[key];
  for (const key of ['contact', 'location', 'venue', 'poll'] as const)
    if (raw[key] !== undefined) extra[key] = raw[key];
  if (raw.author_signature !== undefined) extra['author'] = raw.author_signature;
  if (raw.chat.type === 'channel') extra['channelPost'] = true;
  if (raw.media_group_id !== undefined) extra['mediaGroupId'] = raw.media_group_id;
  const message: CanonicalMessageInput = {
    platform: 'telegram',
    chatId: String(raw.chat.id),
    messageId: String(raw.message_id),
    chatTitle: chatTitle(raw.chat),
    kind: service ? 'service' : !known && unknownKeys.length > 0 ? 'unknown' : 'message',
    sender: sender(raw),
    sentAt: iso(raw.date),
    editedAt: typeof raw.edit_date === 'number' ? iso(raw.edit_date) : null,
    text,
    entities,
    replyTo: raw.reply_to_message ? String(raw.reply_to_message.message_id) : null,
    forwardedFrom: forwardedFrom(raw),
    attachments,
    service,
    extra,
  };
  return { message, downloads };
}

function fullName(person: { first_name?: string; last_name?: string; title?: string; username?: string }): string {
  const name = person.title ?? [person.first_name, person.last_name].filter(Boolean).join(' ');
  return name || person.username || 'Telegram user';
}

function chatTitle(chat: TgChat): string {
  return fullName(chat);
}

/** A channel's id without the Bot API's -100, as Telegram Desktop exports write it (`channel123`). */
function channelRef(chat: TgChat): string {
  const id = String(chat.id);
  return `channel${id.startsWith('-100') ? id.slice(4) : id.replace(/^-/, '')}`;
}

const userRef = (user: TgUser) => `user${user.id}`;

function sender(raw: TgMessage): CanonicalMessageInput['sender'] {
  // a post on behalf of a chat (a channel, an anonymous admin): the chat is the sender
  if (raw.sender_chat) return { id: channelRef(raw.sender_chat), name: fullName(raw.sender_chat) };
  if (raw.from) return { id: userRef(raw.from), name: fullName(raw.from) };
  return null;
}

function forwardedFrom(raw: TgMessage): CanonicalMessageInput['forwardedFrom'] {
  const origin = raw.forward_origin;
  if (origin) {
    if (origin.sender_user) return { name: fullName(origin.sender_user), id: userRef(origin.sender_user) };
    const chat = origin.chat ?? origin.sender_chat;
    if (chat) return { name: fullName(chat), id: channelRef(chat) };
    return { name: origin.sender_user_name ?? 'Hidden user' };
  }
  if (raw.forward_from) return { name: fullName(raw.forward_from), id: userRef(raw.forward_from) };
  if (raw.forward_from_chat) return { name: fullName(raw.forward_from_chat), id: channelRef(raw.forward_from_chat) };
  if (raw.forward_sender_name !== undefined) return { name: raw.forward_sender_name };
  return null;
}

function readText(raw: TgMessage): { text: string; entities: Entity[] } {
  const text = raw.text ?? raw.caption ?? '';
  const source = raw.text !== undefined ? raw.entities : raw.caption_entities;
  const entities = (source ?? []).map((e) => {
    const entity: Entity = { type: e.type, offset: e.offset, length: e.length };
    if (e.url !== undefined) entity.url = e.url;
    if (e.user !== undefined) entity.userId = userRef(e.user);
    if (e.language !== undefined) entity.language = e.language;
    return entity;
  });
  return { text, entities };
}

const STICKER_EXT = (s: NonNullable<TgMessage['sticker']>) => (s.is_animated ? 'tgs' : s.is_video ? 'webm' : 'webp');

/** Each file of the message: its canonical kind, a name when Telegram gives none, and its default type. */
function mediaOf(raw: TgMessage): { file: TgFile; kind: string; name: string; mime?: string }[] {
  const id = raw.message_id;
  const found: { file: TgFile; kind: string; name: string; mime?: string }[] = [];
  const largestPhoto = raw.photo?.at(-1);
  if (largestPhoto) found.push({ file: largestPhoto, kind: 'photo', name: `photo_${id}.jpg`, mime: 'image/jpeg' });
  // an animation also arrives as a document (for old clients): it is one file
  if (raw.animation)
    found.push({
      file: raw.animation,
      kind: 'animation',
      name: raw.animation.file_name ?? `animation_${id}.mp4`,
      mime: 'video/mp4',
    });
  else if (raw.document)
    found.push({ file: raw.document, kind: 'file', name: raw.document.file_name ?? `document_${id}` });
  if (raw.video)
    found.push({ file: raw.video, kind: 'video', name: raw.video.file_name ?? `video_${id}.mp4`, mime: 'video/mp4' });
  if (raw.voice) found.push({ file: raw.voice, kind: 'voice', name: `voice_${id}.ogg`, mime: 'audio/ogg' });
  if (raw.audio)
    found.push({ file: raw.audio, kind: 'audio', name: raw.audio.file_name ?? `audio_${id}.mp3`, mime: 'audio/mpeg' });
  if (raw.video_note)
    found.push({ file: raw.video_note, kind: 'video_message', name: `video_message_${id}.mp4`, mime: 'video/mp4' });
  if (raw.sticker)
    found.push({ file: raw.sticker, kind: 'sticker', name: `sticker_${id}.${STICKER_EXT(raw.sticker)}` });
  const newPhoto = raw.new_chat_photo?.at(-1);
  if (newPhoto) found.push({ file: newPhoto, kind: 'photo', name: `chat_photo_${id}.jpg`, mime: 'image/jpeg' });
  return found;
}

function readMedia(raw: TgMessage): { attachments: AttachmentInput[]; downloads: PendingDownload[] } {
  const attachments: AttachmentInput[] = [];
  const downloads: PendingDownload[] = [];
  for (const { file, kind, name, mime } of mediaOf(raw)) {
    const tooBig = typeof file.file_size === 'number' && file.file_size > BOT_API_DOWNLOAD_LIMIT;
    const attachment: AttachmentInput = { kind, name, missing: tooBig };
    const type = file.mime_type ?? mime;
    if (type !== undefined) attachment.mime = type;
    if (typeof file.file_size === 'number') attachment.size = file.file_size;
    if (!tooBig) downloads.push({ index: attachments.length, fileId: file.file_id });
    attachments.push(attachment);
  }
  return { attachments, downloads };
}

function serviceEvent(raw: TgMessage): CanonicalMessageInput['service'] {
  const actor = raw.from ? fullName(raw.from) : undefined;
  const event = (type: ServiceType, rawType: string, more: Record<string, unknown> = {}) => ({
    type,
    rawType,
    ...(actor !== undefined ? { actor } : {}),
    ...more,
  });
  if (raw.new_chat_members) {
    const members = raw.new_chat_members.map(fullName);
    const self = raw.new_chat_members.length === 1 && raw.new_chat_members[0]!.id === raw.from?.id;
    return event(self ? 'joined' : 'added', 'new_chat_members', { members });
  }
  if (raw.left_chat_member) {
    const self = raw.left_chat_member.id === raw.from?.id;
    return event(self ? 'left' : 'removed', 'left_chat_member', { members: [fullName(raw.left_chat_member)] });
  }
  if (raw.new_chat_title !== undefined) return event('title_changed', 'new_chat_title', { title: raw.new_chat_title });
  if (raw.new_chat_photo) return event('photo_changed', 'new_chat_photo');
  if (raw.delete_chat_photo) return event('photo_changed', 'delete_chat_photo');
  for (const created of ['group_chat_created', 'supergroup_chat_created', 'channel_chat_created'] as const) {
    if (raw[created]) return event('created', created);
  }
  if (raw.migrate_to_chat_id !== undefined)
    return event('migrated', 'migrate_to_chat_id', { details: { chatId: String(raw.migrate_to_chat_id) } });
  if (raw.migrate_from_chat_id !== undefined)
    return event('migrated', 'migrate_from_chat_id', { details: { chatId: String(raw.migrate_from_chat_id) } });
  if (raw.pinned_message)
    return event('pinned', 'pinned_message', { targetMessageId: String(raw.pinned_message.message_id) });
  return null;
}
