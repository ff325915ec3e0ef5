import type { BridgeEvent } from '../../src/core/connector.ts';
import type { CanonicalMessageInput } from '../../src/core/message.ts';
import { type AituMedia, type AituPeer, type AituUpdate } from './api.ts';

type Author = AituPeer & { username?: string; firstName?: string; lastName?: string };

/** A person's name as Aitu gives it: first and last name, else the username, else a neutral label. */
export function authorName(author: Author): string {
  const full = [author.firstName, author.lastName].filter((part) => part?.trim()).join(' ');
  return full || author.username?.trim() || 'Aitu user';
}

/** Aitu's media types as the canonical attachment kinds; the bytes stay in Aitu (`missing`: not fetched). */
function attachmentsOf(media: AituMedia[] | undefined): CanonicalMessageInput['attachments'] {
  return (media ?? []).map((item) => ({
    kind: item.type?.toLowerCase() === 'image' ? 'photo' : (item.type?.toLowerCase() ?? 'file'),
    name: item.name ?? 'file',
    ...(item.mimeType ? { mime: item.mimeType } : {}),
    ...(typeof item.size === 'number' && item.size >= 0 ? { size: Math.trunc(item.size) } : {}),
    missing: true,
  }));
}

/**
 * An Aitu update as a bridge event of platform `aitu`, or null for what the gateway does not bridge: updates of
 * other types, and the bot's own posts (`botId`), which are the gateway's relays coming back.
 */
export function eventOf(update: AituUpdate, botId: string, now: () => Date = () => new Date()): BridgeEvent | null {
  if (update.type !== 'Message' && update.type !== 'MessageEdited') return null;
  const u = update as Extract<AituUpdate, { type: 'Message' | 'MessageEdited' }>;
  if (u.author.id === botId) return null;
  const base: CanonicalMessageInput = {
    platform: 'aitu',
    chatId: u.dialog.id,
    messageId: u.messageId,
    ...(u.dialog.name ? { chatTitle: u.dialog.name } : {}),
    sender: { id: u.author.id, name: authorName(u.author) },
    sentAt: now().toISOString(),
    text: u.content ?? '',
  };
  if (u.type === 'MessageEdited') return { type: 'edit', message: { ...base, editedAt: now().toISOString() } };
  const m = u as Extract<AituUpdate, { type: 'Message' }>;
  const message: CanonicalMessageInput = {
    ...base,
    sentAt: m.sentAt ? new Date(m.sentAt).toISOString() : base.sentAt,
    ...(m.replyToMessageId ? { replyTo: m.replyToMessageId } : {}),
    ...(m.forwardMetadata?.sender ? { forwardedFrom: { name: 'Aitu', id: m.forwardMetadata.sender.id } } : {}),
    attachments: attachmentsOf(m.media),
  };
  return { type: 'message', message };
}

/** The API's media type for a stored attachment. */
export function mediaTypeOf(kind: string, mime: string | null): 'DOCUMENT' | 'IMAGE' | 'VIDEO' | 'AUDIO' {
  if (kind === 'photo' || mime?.startsWith('image/')) return 'IMAGE';
  if (kind === 'video' || kind === 'video_message' || mime?.startsWith('video/')) return 'VIDEO';
  if (kind === 'voice' || kind === 'audio' || mime?.startsWith('audio/')) return 'AUDIO';
  return 'DOCUMENT';
}
