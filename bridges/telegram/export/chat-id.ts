/**
 * Telegram Desktop exports a chat's bare MTProto id; the Bot API (and so the live bridge and the chat mapping
 * `telegram:<id>`) marks supergroups and channels with a -100 prefix and basic groups with a minus sign.
 * One chat must map to one id whichever way it reached us, so every export id goes through here.
 */
const CHANNEL_LIKE_TYPES = new Set(['private_supergroup', 'public_supergroup', 'private_channel', 'public_channel']);
const BASIC_GROUP_TYPES = new Set(['private_group']);

export function normalizeTelegramChatId(id: number | string, type: string | undefined): string {
  const text = String(id).trim();
  if (!/^-?\d+$/.test(text)) throw new RangeError('a Telegram chat id must be an integer');
  // Already in Bot API form: a negative id carries its own kind.
  if (text.startsWith('-')) return text;
  if (type !== undefined && CHANNEL_LIKE_TYPES.has(type)) return `-100${text}`;
  if (type !== undefined && BASIC_GROUP_TYPES.has(type)) return `-${text}`;
  return text;
}
