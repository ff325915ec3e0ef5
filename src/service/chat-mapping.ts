import { writeAudit } from '../audit/log.ts';
import { OPERATORS, requireRole, type Actor } from '../auth/roles.ts';
import type { Platform } from '../core/message.ts';
import { requireAgency } from '../store/agencies.ts';
import { addMapping, listMappings, removeMapping, type ChatMapping } from '../store/chat-map.ts';
import type { Store } from '../store/database.ts';
import { auditableSource } from '../audit/fields.ts';

export interface ChatSource {
  platform: Platform;
  chatId: string;
}

/**
 * Links a foreign chat to a national chat of the agency (operator, admin). The entry names the source and the
 * national chat by id: a chat's title may name a person.
 */
export async function mapChat(
  store: Store,
  actor: Actor,
  slug: string,
  source: ChatSource,
  nationalChat: string,
  options: { relay?: boolean } = {},
): Promise<{ moved: boolean; created: boolean }> {
  requireRole(actor, OPERATORS, 'map chats');
  const agency = await requireAgency(store.pool, slug);
  const { nationalChatId, ...result } = await addMapping(
    store.pool,
    agency.id,
    source.platform,
    source.chatId,
    nationalChat,
    options,
  );
  await writeAudit(store.pool, {
    actor,
    action: 'map.add',
    agencyId: agency.id,
    subject: auditableSource(source.platform, source.chatId),
    details: {
      source: auditableSource(source.platform, source.chatId),
      nationalChatId,
      relay: options.relay ?? false,
      ...result,
    },
  });
  return result;
}

/** Unlinks a foreign chat (operator, admin); false when it was not mapped (nothing changed, nothing audited). */
export async function unmapChat(store: Store, actor: Actor, slug: string, source: ChatSource): Promise<boolean> {
  requireRole(actor, OPERATORS, 'map chats');
  const agency = await requireAgency(store.pool, slug);
  const removed = await removeMapping(store.pool, agency.id, source.platform, source.chatId);
  if (removed) {
    await writeAudit(store.pool, {
      actor,
      action: 'map.remove',
      agencyId: agency.id,
      subject: auditableSource(source.platform, source.chatId),
      details: { source: auditableSource(source.platform, source.chatId) },
    });
  }
  return removed;
}

export async function listChatMappings(store: Store, actor: Actor, slug: string): Promise<ChatMapping[]> {
  requireRole(actor, OPERATORS, 'list chat mappings');
  const agency = await requireAgency(store.pool, slug);
  return listMappings(store.pool, agency.id);
}
