import type { CanonicalMessageInput, SERVICE_EVENT_TYPES } from '../../../src/core/message.ts';
import { isoTime } from '../../../src/core/iso-time.ts';

/**
 * Pure conversion of one message object of a Telegram Desktop "Export chat history" JSON file
 * (already JSON.parsed) into the canonical message. No I/O: whether an attachment's bytes exist on disk is the
 * reader's and the importer's business (`openAttachment`), so a referenced path is kept as `sourcePath` here.
 */

export interface TelegramChatContext {
  /** the chat id in Bot API form (see normalizeTelegramChatId) */
  chatId: string;
  chatTitle: string;
}

/** A message the converter cannot represent at all (no id, no date). The text names fields, never values. */
export class TelegramMessageError extends Error {
  override name = 'TelegramMessageError';
}

type Json = Record<string, unknown>;
type ServiceType = (typeof SERVICE_EVENT_TYPES)[number];
type Entity = NonNullable<CanonicalMessageInput['entities']>[number];
type AttachmentInput = NonNullable<CanonicalMessageInput['attachments']>[number];
type ReactionInput = NonNullable<CanonicalMessageInput['reactions']>[number];

// Telegram Desktop shows a deleted account under this name; the export writes null.
const DELETED_ACCOUNT = 'Deleted Account';

/** Keys every converter branch reads; whatever else a message holds is kept (extra.otherFields / service.details). */
const COMMON_KEYS = ['id', 'type', 'date', 'date_unixtime', 'edited', 'edited_unixtime', 'text', 'text_entities'];
const MESSAGE_KEYS = new Set([
  ...COMMON_KEYS,
  'from',
  'from_id',
  'author',
  'forwarded_from',
  'forwarded_from_id',
  'saved_from',
  'reply_to_message_id',
  'reply_to_peer_id',
  'via_bot',
  'photo',
  'photo_file_size',
  'width',
  'height',
  'file',
  'file_name',
  'file_size',
  'mime_type',
  'thumbnail',
  'thumbnail_file_size',
  'media_type',
  'sticker_emoji',
  'performer',
  'title',
  'duration_seconds',
  'contact_information',
  'contact_vcard',
  'location_information',
  'place_name',
  'address',
  'live_location_period_seconds',
  'poll',
  'reactions',
  'self_destruct_period_seconds',
  'inline_bot_buttons',
]);
const SERVICE_KEYS = new Set([
  ...COMMON_KEYS,
  'actor',
  'actor_id',
  'action',
  'title',
  'members',
  'message_id',
  'photo',
  'photo_file_size',
  'width',
  'height',
]);

const ACTION_TYPES: Record<string, ServiceType> = {
  create_group: 'created',
  create_channel: 'created',
  invite_members: 'added',
  remove_members: 'removed',
  join_group_by_link: 'joined',
  join_group_by_request: 'joined',
  edit_group_title: 'title_changed',
  edit_group_photo: 'photo_changed',
  delete_group_photo: 'photo_changed',
  pin_message: 'pinned',
  migrate_to_supergroup: 'migrated',
  migrate_from_group: 'migrated',
  clear_history: 'history_cleared',
  phone_call: 'call',
  group_call: 'call',
};

const MEDIA_KINDS: Record<string, string> = {
  sticker: 'sticker',
  video_message: 'video_message',
  voice_message: 'voice',
  animation: 'animation',
  video_file: 'video',
  audio_file: 'audio',
};

const IMAGE_MIME: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
};

export function convertTelegramMessage(raw: unknown, chat: TelegramChatContext): CanonicalMessageInput {
  if (!isObject(raw)) throw new TelegramMessageError('a message is not a JSON object');
  const id = raw['id'];
  if (!(typeof id === 'number' && Number.isFinite(id)) && !(typeof id === 'string' && id !== '')) {
    throw new TelegramMessageError('a message has no id');
  }
  const messageId = String(id);
  const rawType = typeof raw['type'] === 'string' ? raw['type'] : '';
  const notes: string[] = [];
  const sentAt = readTime(raw, 'date_unixtime', 'date');
  if (sentAt === null) throw new TelegramMessageError(`message id ${messageId} has neither date_unixtime nor date`);
  if (sentAt.fromLocal) notes.push('sentAt: date_unixtime absent, the zone-less date was taken as UTC');
  const edited = readTime(raw, 'edited_unixtime', 'edited');
  if (edited?.fromLocal) notes.push('editedAt: edited_unixtime absent, the zone-less date was taken as UTC');
  const { text, entities } = readText(raw);

  if (rawType === 'service')
    return convertService(raw, chat, messageId, sentAt.iso, edited?.iso ?? null, text, entities, notes);

  const extra: Json = {};
  if (rawType !== 'message') extra['rawType'] = rawType === '' ? '(none)' : rawType;
  const sender = person(raw['from_id'], raw['from']);
  if (typeof raw['author'] === 'string') extra['author'] = raw['author'];
  if (typeof raw['from_id'] === 'string' && raw['from_id'].startsWith('channel')) extra['channelPost'] = true;
  if (raw['saved_from'] !== undefined) extra['savedFrom'] = raw['saved_from'];
  if (raw['via_bot'] !== undefined) extra['viaBot'] = raw['via_bot'];
  if (raw['reply_to_peer_id'] !== undefined) extra['replyToPeerId'] = raw['reply_to_peer_id'];
  const media = readMedia(raw, false);
  if (Object.keys(media.info).length > 0) extra['media'] = media.info;
  const poll = raw['poll'];
  if (poll !== undefined) extra['poll'] = poll;
  const contact = readContact(raw);
  if (contact) extra['contact'] = contact;
  const location = readLocation(raw);
  if (location) extra['location'] = location;
  if (raw['self_destruct_period_seconds'] !== undefined)
    extra['selfDestructPeriodSeconds'] = raw['self_destruct_period_seconds'];
  if (raw['inline_bot_buttons'] !== undefined) extra['inlineBotButtons'] = raw['inline_bot_buttons'];
  const other = leftovers(raw, MESSAGE_KEYS);
  if (other) extra['otherFields'] = other;
  if (notes.length > 0) extra['notes'] = notes;

  const forwarded = raw['forwarded_from'];
  const forwardedId = raw['forwarded_from_id'];
  let forwardedFrom: CanonicalMessageInput['forwardedFrom'] = null;
  if (forwarded !== undefined || forwardedId !== undefined) {
    forwardedFrom = { name: typeof forwarded === 'string' ? forwarded : DELETED_ACCOUNT };
    if (typeof forwardedId === 'string' || typeof forwardedId === 'number') forwardedFrom.id = String(forwardedId);
  }
  // One literal with every field, in one order: a single object shape keeps this hot path fast.
  return {
    platform: 'telegram',
    chatId: chat.chatId,
    messageId,
    chatTitle: chat.chatTitle,
    kind: rawType === 'message' ? 'message' : 'unknown',
    sender,
    sentAt: sentAt.iso,
    editedAt: edited?.iso ?? null,
    text,
    entities,
    replyTo: idString(raw['reply_to_message_id']),
    forwardedFrom,
    attachments: media.attachments,
    service: null,
    reactions: readReactions(raw['reactions']),
    extra,
  };
}

function convertService(
  raw: Json,
  chat: TelegramChatContext,
  messageId: string,
  sentAt: string,
  editedAt: string | null,
  text: string,
  entities: Entity[],
  notes: string[],
): CanonicalMessageInput {
  const action = typeof raw['action'] === 'string' ? raw['action'] : '(none)';
  const sender = person(raw['actor_id'], raw['actor']);
  const members = Array.isArray(raw['members'])
    ? raw['members'].map((member) =>
        typeof member === 'string' ? member : member === null ? DELETED_ACCOUNT : String(member),
      )
    : undefined;
  const details = leftovers(raw, SERVICE_KEYS) ?? {};
  let targetMessageId: string | null = null;
  if (action === 'pin_message') targetMessageId = idString(raw['message_id']);
  else if (raw['message_id'] !== undefined) details['message_id'] = raw['message_id'];
  let type: ServiceType = ACTION_TYPES[action] ?? 'other';
  // Telegram records leaving a group as the member removing themselves.
  if (type === 'removed' && sender && members?.length === 1 && members[0] === sender.name) type = 'left';
  const media = readMedia(raw, true);
  return {
    platform: 'telegram',
    chatId: chat.chatId,
    messageId,
    chatTitle: chat.chatTitle,
    kind: 'service',
    sender,
    sentAt,
    editedAt,
    text,
    entities,
    replyTo: null,
    forwardedFrom: null,
    attachments: media.attachments,
    service: {
      type,
      rawType: action,
      ...(sender ? { actor: sender.name } : {}),
      ...(members ? { members } : {}),
      ...(typeof raw['title'] === 'string' ? { title: raw['title'] } : {}),
      ...(targetMessageId !== null ? { targetMessageId } : {}),
      ...(Object.keys(details).length > 0 ? { details } : {}),
    },
    extra: {
      ...(Object.keys(media.info).length > 0 ? { media: media.info } : {}),
      ...(notes.length > 0 ? { notes } : {}),
    },
    reactions: [],
  };
}

function readTime(raw: Json, unixKey: string, localKey: string): { iso: string; fromLocal: boolean } | null {
  const unix = raw[unixKey];
  if ((typeof unix === 'string' && /^\d+$/.test(unix)) || (typeof unix === 'number' && Number.isInteger(unix))) {
    const iso = isoTime(Number(unix) * 1000);
    if (iso !== null) return { iso, fromLocal: false };
  }
  const local = raw[localKey];
  if (typeof local === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(local)) {
    const date = new Date(`${local}Z`);
    if (!Number.isNaN(date.getTime())) return { iso: date.toISOString(), fromLocal: true };
  }
  return null;
}

/**
 * `text_entities` is preferred: it is always an array, while `text` collapses to a bare string when the message is
 * one plain part. Offsets count UTF-16 code units, which is what String#length counts.
 */
function readText(raw: Json): { text: string; entities: Entity[] } {
  const parts = Array.isArray(raw['text_entities']) ? raw['text_entities'] : raw['text'];
  if (typeof parts === 'string') return { text: parts, entities: [] };
  if (!Array.isArray(parts)) return { text: '', entities: [] };
  // joined once, not built with `+=`: the rope `+=` makes slows every later pass over the text (docs/benchmarks.md)
  const pieces: string[] = [];
  let length = 0;
  const entities: Entity[] = [];
  for (const part of parts) {
    if (typeof part === 'string') {
      pieces.push(part);
      length += part.length;
      continue;
    }
    if (!isObject(part)) continue;
    const partText = typeof part['text'] === 'string' ? part['text'] : '';
    const type = typeof part['type'] === 'string' ? part['type'] : 'plain';
    if (type !== 'plain' && partText.length > 0) {
      const entity: Entity = { type, offset: length, length: partText.length };
      if (type === 'text_link' && typeof part['href'] === 'string') entity.url = part['href'];
      if (type === 'mention_name' && part['user_id'] !== undefined && part['user_id'] !== null)
        entity.userId = userRef(part['user_id']);
      if (type === 'pre' && typeof part['language'] === 'string' && part['language'] !== '')
        entity.language = part['language'];
      entities.push(entity);
    }
    pieces.push(partText);
    length += partText.length;
  }
  return { text: pieces.length === 1 ? (pieces[0] as string) : pieces.join(''), entities };
}

/** `mention_name` carries a bare user id; senders are `user123`, so the two must be written alike to compare. */
function userRef(value: unknown): string {
  const text = String(value);
  return /^\d+$/.test(text) ? `user${text}` : text;
}

function person(id: unknown, name: unknown): { id: string; name: string } | null {
  const idText = typeof id === 'string' || typeof id === 'number' ? String(id) : '';
  const nameText = typeof name === 'string' ? name : null;
  if (idText !== '') return { id: idText, name: nameText ?? DELETED_ACCOUNT };
  if (nameText !== null && nameText !== '') return { id: nameText, name: nameText };
  return null;
}

function idString(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value !== '') return value;
  return null;
}

/**
 * When the bytes were not exported, Telegram writes a parenthesised sentence where the path belongs. A real path
 * is relative (`photos/…`, `chats/chat_001/…`) and so never starts with a parenthesis.
 */
function isPlaceholder(path: string): boolean {
  return path.startsWith('(') && path.endsWith(')');
}

function basename(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}

function extension(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? '' : path.slice(dot + 1).toLowerCase();
}

/** A service message's only media is a group photo; its `title` and `duration_seconds` mean something else. */
function readMedia(raw: Json, photoOnly: boolean): { attachments: AttachmentInput[]; info: Json } {
  const attachments: AttachmentInput[] = [];
  const info: Json = {};
  const photo = raw['photo'];
  if (typeof photo === 'string') {
    const size = nonNegativeInt(raw['photo_file_size']);
    attachments.push(reference('photo', photo, undefined, IMAGE_MIME[extension(photo)], size, info));
    if (typeof raw['width'] === 'number') info['width'] = raw['width'];
    if (typeof raw['height'] === 'number') info['height'] = raw['height'];
  }
  if (photoOnly) return { attachments, info };
  const file = raw['file'];
  const mediaType = typeof raw['media_type'] === 'string' ? raw['media_type'] : undefined;
  if (typeof file === 'string') {
    const kind = mediaType === undefined ? 'file' : (MEDIA_KINDS[mediaType] ?? mediaType);
    const name = typeof raw['file_name'] === 'string' ? raw['file_name'] : undefined;
    const mime = typeof raw['mime_type'] === 'string' ? raw['mime_type'] : undefined;
    attachments.push(reference(kind, file, name, mime, nonNegativeInt(raw['file_size']), info));
    if (photo === undefined) {
      if (typeof raw['width'] === 'number') info['width'] = raw['width'];
      if (typeof raw['height'] === 'number') info['height'] = raw['height'];
    }
  }
  if (mediaType !== undefined) info['mediaType'] = mediaType;
  if (typeof raw['sticker_emoji'] === 'string') info['stickerEmoji'] = raw['sticker_emoji'];
  if (typeof raw['performer'] === 'string') info['performer'] = raw['performer'];
  if (typeof raw['title'] === 'string') info['title'] = raw['title'];
  if (typeof raw['duration_seconds'] === 'number') info['durationSeconds'] = raw['duration_seconds'];
  if (typeof raw['thumbnail'] === 'string') info['thumbnail'] = raw['thumbnail'];
  return { attachments, info };
}

function reference(
  kind: string,
  path: string,
  name: string | undefined,
  mime: string | undefined,
  size: number | undefined,
  info: Json,
): AttachmentInput {
  const missing = isPlaceholder(path);
  const attachment: AttachmentInput = { kind, name: name ?? (missing ? '' : basename(path)), missing };
  if (mime) attachment.mime = mime;
  if (size !== undefined) attachment.size = size;
  if (missing) info['missingReason'] = path;
  else attachment.sourcePath = path;
  return attachment;
}

function nonNegativeInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

function readContact(raw: Json): Json | null {
  const info = raw['contact_information'];
  const vcard = raw['contact_vcard'];
  if (info === undefined && vcard === undefined) return null;
  return { ...(isObject(info) ? info : {}), ...(vcard !== undefined ? { vcard } : {}) };
}

function readLocation(raw: Json): Json | null {
  const info = raw['location_information'];
  const place = raw['place_name'];
  const address = raw['address'];
  const live = raw['live_location_period_seconds'];
  if (info === undefined && place === undefined && address === undefined) return null;
  return {
    ...(isObject(info) ? info : {}),
    ...(place !== undefined ? { placeName: place } : {}),
    ...(address !== undefined ? { address } : {}),
    ...(live !== undefined ? { livePeriodSeconds: live } : {}),
  };
}

function readReactions(value: unknown): ReactionInput[] {
  if (!Array.isArray(value)) return [];
  const reactions: ReactionInput[] = [];
  for (const item of value) {
    if (!isObject(item)) continue;
    const type = typeof item['type'] === 'string' ? item['type'] : 'emoji';
    let emoji: string;
    if (typeof item['emoji'] === 'string' && item['emoji'] !== '') emoji = item['emoji'];
    else if (item['document_id'] !== undefined && item['document_id'] !== null)
      emoji = `custom:${String(item['document_id'])}`;
    else emoji = type;
    const recent = Array.isArray(item['recent']) ? item['recent'].filter(isObject) : [];
    const from = recent
      .map((entry) => person(entry['from_id'], entry['from'])?.id)
      .filter((entry): entry is string => entry !== undefined);
    const count = nonNegativeInt(item['count']) ?? recent.length;
    if (count < 1) continue;
    reactions.push({ emoji, count, ...(from.length > 0 ? { from } : {}) });
  }
  return reactions;
}

function leftovers(raw: Json, known: Set<string>): Json | null {
  let result: Json | null = null;
  for (const key of Object.keys(raw)) {
    if (known.has(key)) continue;
    result ??= {};
    result[key] = raw[key];
  }
  return result;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
