import { z } from 'zod';
import { InputError } from './errors.ts';
import { describeLimit, formatCount, inputLimits } from './limits.ts';

/**
 * The canonical message every bridge speaks, in both directions (foreign → national and back).
 * It travels through Redis as JSON: times are ISO strings, attachments are references (never bytes),
 * ids are opaque strings the core never parses.
 */
export const PLATFORMS = ['telegram', 'whatsapp', 'aitu'] as const;
export const platformSchema = z.enum(PLATFORMS);
export type Platform = z.infer<typeof platformSchema>;

/** The normal form itself: zod's datetime check has already validated its calendar, so it is kept as it is. */
const NORMAL_FORM = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Any zoned ISO time in, one normal form out (UTC, milliseconds), so a stored and re-read message compares equal. */
const isoTime = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 time with a zone, e.g. 2024-01-31T09:15:00Z' })
  .transform((value) => (NORMAL_FORM.test(value) ? value : new Date(value).toISOString()));
const opaqueId = z.string().min(1, 'must not be empty').max(512);

/** A formatting entity over the message text: UTF-16 offset and length, as Telegram counts them. */
export const entitySchema = z.object({
  type: z.string().min(1),
  offset: z.int().nonnegative(),
  length: z.int().nonnegative(),
  url: z.string().optional(),
  userId: z.string().optional(),
  language: z.string().optional(),
});

export const attachmentSchema = z.object({
  /** photo, file, voice, video, video_message, audio, sticker, animation… */
  kind: z.string().min(1).default('file'),
  name: z.string(),
  mime: z.string().optional(),
  size: z.int().nonnegative().optional(),
  /** the content address in the attachment store; absent when the bytes are missing */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits')
    .optional(),
  /** referenced by the source but its bytes were not available */
  missing: z.boolean().default(false),
  /** where the bytes were, relative to the export (never a path on this machine) */
  sourcePath: z.string().optional(),
});

/** Known service event types; any other source type is kept as `other` with its raw type. */
export const SERVICE_EVENT_TYPES = [
  'created',
  'joined',
  'added',
  'left',
  'removed',
  'title_changed',
  'photo_changed',
  'pinned',
  'number_changed',
  'deleted',
  'encryption_notice',
  'call',
  'migrated',
  'history_cleared',
  'other',
] as const;

export const serviceEventSchema = z.object({
  type: z.enum(SERVICE_EVENT_TYPES),
  /** the source's own name for the event (Telegram's `action`, a WhatsApp system line kind…) */
  rawType: z.string().optional(),
  actor: z.string().optional(),
  members: z.array(z.string()).optional(),
  title: z.string().optional(),
  targetMessageId: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const reactionSchema = z.object({
  emoji: z.string().min(1),
  count: z.int().positive(),
  from: z.array(z.string()).optional(),
});

export const personRefSchema = z.object({
  /** the platform's id for the person (user123, a phone number, or the name as written when no id exists) */
  id: opaqueId,
  name: z.string(),
});

export const canonicalMessageSchema = z.object({
  platform: platformSchema,
  chatId: opaqueId,
  messageId: opaqueId,
  chatTitle: z.string().optional(),
  /** message: ordinary; service: a service event; unknown: a type the bridge does not know (kept, never dropped) */
  kind: z.enum(['message', 'service', 'unknown']).default('message'),
  sender: personRefSchema.nullable().default(null),
  sentAt: isoTime,
  editedAt: isoTime.nullable().default(null),
  text: z.string().default(''),
  entities: z.array(entitySchema).default([]),
  replyTo: opaqueId.nullable().default(null),
  forwardedFrom: z.object({ name: z.string(), id: z.string().optional() }).nullable().default(null),
  attachments: z.array(attachmentSchema).default([]),
  service: serviceEventSchema.nullable().default(null),
  reactions: z.array(reactionSchema).default([]),
  /** structured payloads that are not text: poll, contact, location, the raw type of an unknown message */
  extra: z.record(z.string(), z.unknown()).default({}),
});

export type CanonicalMessage = z.infer<typeof canonicalMessageSchema>;
export type CanonicalMessageInput = z.input<typeof canonicalMessageSchema>;
export type Attachment = z.infer<typeof attachmentSchema>;
export type ServiceEvent = z.infer<typeof serviceEventSchema>;

/**
 * A validated message as it crosses a queue hop: fields holding their default value are left out, since every
 * byte is serialized through Redis twice per batch. Readers treat an absent field as its default.
 */
export type WireMessage = Pick<CanonicalMessage, 'platform' | 'chatId' | 'messageId' | 'sentAt'> &
  Partial<CanonicalMessage>;

export function toWire(message: CanonicalMessage): WireMessage {
  const wire: WireMessage = {
    platform: message.platform,
    chatId: message.chatId,
    messageId: message.messageId,
    sentAt: message.sentAt,
  };
  if (message.chatTitle !== undefined) wire.chatTitle = message.chatTitle;
  if (message.kind !== 'message') wire.kind = message.kind;
  if (message.sender !== null) wire.sender = message.sender;
  if (message.editedAt !== null) wire.editedAt = message.editedAt;
  if (message.text !== '') wire.text = message.text;
  if (message.entities.length > 0) wire.entities = message.entities;
  if (message.replyTo !== null) wire.replyTo = message.replyTo;
  if (message.forwardedFrom !== null) wire.forwardedFrom = message.forwardedFrom;
  if (message.attachments.length > 0) wire.attachments = message.attachments;
  if (message.service !== null) wire.service = message.service;
  if (message.reactions.length > 0) wire.reactions = message.reactions;
  if (Object.keys(message.extra).length > 0) wire.extra = message.extra;
  return wire;
}

export type ParseResult = { ok: true; message: CanonicalMessage } | { ok: false; error: string };

/** What validation at a boundary holds a message to besides its shape; by default the configured limits and now. */
export interface Plausibility {
  maxTextChars?: number;
  now?: Date;
}

/** No messenger this gateway imports existed before this; a time before it is a broken or forged field. */
export const EARLIEST_MESSAGE_TIME = '1990-01-01T00:00:00.000Z';
/** Clocks drift and zones are misread by hours, never by more than a day. */
const FUTURE_SLACK_MS = 24 * 3600 * 1000;

let configuredMaxTextChars: number | undefined;
let latestCache = { at: 0, iso: '' };

/** A day after now, as a normal form; computed at most once a second, since every message ingested asks for it. */
function latestPlausibleTime(now: Date | undefined): string {
  if (now) return new Date(now.getTime() + FUTURE_SLACK_MS).toISOString();
  const at = Date.now();
  if (at - latestCache.at >= 1000) latestCache = { at, iso: new Date(at + FUTURE_SLACK_MS).toISOString() };
  return latestCache.iso;
}

/** The problems of a well-formed message that cannot be real or is too large to take; each names the field and the bound. */
function implausibilities(message: CanonicalMessage, plausibility: Plausibility): string[] {
  const problems: string[] = [];
  const maxTextChars = plausibility.maxTextChars ?? (configuredMaxTextChars ??= inputLimits().maxTextChars);
  if (message.text.length > maxTextChars) {
    problems.push(
      `text: ${formatCount(message.text.length)} characters exceeds ${describeLimit('maxTextChars', maxTextChars)}`,
    );
  }
  // normal forms (UTC, milliseconds, four-digit years) compare as strings
  const latest = latestPlausibleTime(plausibility.now);
  for (const field of ['sentAt', 'editedAt'] as const) {
    const time = message[field];
    if (time === null) continue;
    if (time < EARLIEST_MESSAGE_TIME)
      problems.push(`${field}: before ${EARLIEST_MESSAGE_TIME.slice(0, 10)}, not a plausible time for a message`);
    else if (time > latest) problems.push(`${field}: more than a day after now, not a plausible time for a message`);
  }
  return problems;
}

/**
 * Validates input at a boundary: its shape, then its plausibility (text within maxTextChars, times between
 * EARLIEST_MESSAGE_TIME and a day after now). The error names the fields, never their values (they may be
 * personal data).
 */
export function parseCanonicalMessage(input: unknown, plausibility: Plausibility = {}): ParseResult {
  const result = canonicalMessageSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`);
    return { ok: false, error: problems.join('; ') };
  }
  const problems = implausibilities(result.data, plausibility);
  if (problems.length > 0) return { ok: false, error: problems.join('; ') };
  return { ok: true, message: result.data };
}

/** Like parseCanonicalMessage, but throws an InputError naming `where` (a file and line, a job id…). */
export function requireCanonicalMessage(input: unknown, where: string): CanonicalMessage {
  const result = parseCanonicalMessage(input);
  if (!result.ok) throw new InputError(`${where}: invalid message: ${result.error}`);
  return result.message;
}

/** The store's unique identity of a message within an agency. */
export function sourceKey(message: Pick<CanonicalMessage, 'platform' | 'chatId' | 'messageId'>): string {
  return JSON.stringify([message.platform, message.chatId, message.messageId]);
}
