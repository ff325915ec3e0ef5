import type { BridgeEvent } from '../core/connector.ts';
import type { CanonicalMessageInput } from '../core/message.ts';

/**
 * What each live event becomes in the pipeline: a canonical message, the one thing the pipeline carries. A new
 * message, an edit (the same source id with `editedAt`: the deliver stage stores it as the latest version) and a
 * service event are messages already; a delete becomes a service event of type `deleted` naming its target,
 * which marks the stored message withdrawn and is kept as the evidence of who withdrew it and when.
 */
export function eventMessage(event: BridgeEvent): CanonicalMessageInput {
  switch (event.type) {
    case 'message':
    case 'service':
      return event.message;
    case 'edit':
      return { ...event.message, editedAt: event.message.editedAt ?? event.message.sentAt };
    case 'delete':
      return {
        platform: event.platform,
        chatId: event.chatId,
        ...(event.chatTitle !== undefined ? { chatTitle: event.chatTitle } : {}),
        // one withdrawal per message: a repeated delete of it is a duplicate
        messageId: `${event.messageId}#deleted`,
        kind: 'service',
        sender: event.actor ?? null,
        sentAt: event.at,
        service: {
          type: 'deleted',
          rawType: 'delete',
          targetMessageId: event.messageId,
          ...(event.actor ? { actor: event.actor.name } : {}),
        },
      };
  }
}

/** The chat an event belongs to. */
export function eventChat(event: BridgeEvent): { platform: string; chatId: string; title?: string | undefined } {
  if (event.type === 'delete') return { platform: event.platform, chatId: event.chatId, title: event.chatTitle };
  return {
    platform: String(event.message.platform),
    chatId: String(event.message.chatId),
    title: event.message.chatTitle,
  };
}
