import type pg from 'pg';
import { textDigest } from './gate.ts';

/** How long after a send started its copy may still come back from the messenger. */
const ECHO_WINDOW = '15 minutes';

/**
 * Whether a message the connector's own account wrote is the copy of one of the gateway's sends, claiming the
 * send so that it explains one copy only (the same words written by a person on the phone later are bridged).
 *
 * The gate records an attempt `sending` before it calls the bridge (src/outbound/gate.ts), so a copy that comes
 * back before the bridge's call returns — WhatsApp's `message_create` does — is still recognised: by chat and the
 * digest of its text while the foreign id is unknown, by the foreign id once it is recorded.
 */
export async function claimEcho(
  db: Pick<pg.Pool, 'query'>,
  agencyId: string,
  message: { platform: string; chatId: string; messageId: string; text: string },
): Promise<boolean> {
  const result = await db.query(
    `UPDATE outbound_attempts SET echo_message_id = $4
      WHERE id = (
        SELECT id FROM outbound_attempts
         WHERE agency_id = $1 AND target_platform = $2 AND target_chat_id = $3
           AND status IN ('sending', 'sent', 'uncertain')
           AND (echo_message_id IS NULL OR echo_message_id = $4)
           AND (foreign_message_id = $4 OR (foreign_message_id IS NULL AND text_digest = $5 AND sending_at > now() - interval '${ECHO_WINDOW}'))
         ORDER BY (echo_message_id = $4) DESC NULLS LAST, (foreign_message_id = $4) DESC NULLS LAST, sending_at
         LIMIT 1 FOR UPDATE)
      RETURNING id`,
    [agencyId, message.platform, message.chatId, message.messageId, textDigest(message.text)],
  );
  return (result.rowCount ?? 0) > 0;
}
