import { createHash } from 'node:crypto';

/**
 * A foreign chat id as the audit log may hold it. Group, supergroup and channel ids are kept; a personal chat's id
 * names a person (a WhatsApp personal chat's id is their phone number, a Telegram one their user id), so the entry
 * says only that it was a personal chat: the attempt or mapping it belongs to holds the id in the store.
 */
export function auditableChatId(platform: string, chatId: string): string {
  if (platform === 'telegram' && chatId.startsWith('-')) return chatId;
  if (platform === 'whatsapp' && chatId.endsWith('@g.us')) return chatId;
  if (platform === 'aitu') return chatId;
  return '[personal chat]';
}

/** `platform:chat-id` for an audit entry's subject or details. */
export function auditableSource(platform: string, chatId: string): string {
  return `${platform}:${auditableChatId(platform, chatId)}`;
}

/** At most `limit` ids listed, with the count and a digest of all of them, so one entry stays small. */
export function idDigest(ids: readonly string[], limit = 100): { count: number; ids: string[]; idsSha256?: string } {
  if (ids.length <= limit) return { count: ids.length, ids: [...ids] };
  return { count: ids.length, ids: ids.slice(0, limit), idsSha256: sha256(ids.join(',')) };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A note is free text a person wrote: the audit entry carries its digest, never the text. */
export function noteDigest(note: string | undefined): string | undefined {
  return note ? sha256(note) : undefined;
}
