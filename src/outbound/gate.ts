import { createHash, randomUUID } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import { classify } from '../classifier/index.ts';
import type { OutboundBridges } from '../core/bridge.ts';
import { platformSchema } from '../core/message.ts';
import { decide, type Policy, type PolicyDecision } from '../policy/index.ts';
import type { Store } from '../store/database.ts';
import { addOutbound, type OutboundPayload, type Queues } from '../pipeline/queues.ts';

export interface OutboundRequest {
  agencyId: string;
  target: { platform: string; chatId: string };
  text: string;
  /** who wrote it on the national side (told through their own channel when blocked) */
  author?: string;
}

export type OutboundResult =
  | { status: 'blocked'; attemptId: string; decision: PolicyDecision }
  | { status: 'queued'; attemptId: string; decision: PolicyDecision };

export function textDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The outbound gate: classify and policy run before any bridge sees the message. A block is recorded with its
 * reason (categories and rule, never the value); an allowed message is recorded and queued for its bridge.
 */
export async function submitOutbound(
  store: Store,
  queues: Pick<Queues, 'outbound'>,
  request: OutboundRequest,
  context: { policy: Policy; hashKey?: Buffer },
): Promise<OutboundResult> {
  platformSchema.parse(request.target.platform);
  const findings = classify(request.text);
  const decision = decide('outbound', request.text, findings, context.policy, { hashKey: context.hashKey });
  const attemptId = randomUUID();
  const blocked = decision.action === 'block';
  const client = await store.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO outbound_attempts (id, agency_id, target_platform, target_chat_id, status, reason, text_digest, author)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        attemptId,
        request.agencyId,
        request.target.platform,
        request.target.chatId,
        blocked ? 'blocked' : 'queued',
        JSON.stringify({ action: decision.action, rule: decision.rule, categories: decision.categories }),
        textDigest(decision.deliveredText || request.text),
        request.author ?? null,
      ],
    );
    await client.query(
      `INSERT INTO decisions (agency_id, direction, outbound_attempt_id, action, rule, categories, reasons)
       VALUES ($1, 'outbound', $2, $3, $4, $5, $6)`,
      [request.agencyId, attemptId, decision.action, decision.rule, decision.categories, JSON.stringify(decision.reasons ?? [])],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  if (blocked) return { status: 'blocked', attemptId, decision };
  await addOutbound(queues, { agencyId: request.agencyId, attemptId, target: request.target, text: decision.deliveredText });
  return { status: 'queued', attemptId, decision };
}

/**
 * The outbound stage's core: hands an allowed message to its bridge once. A replayed or retried job whose
 * attempt is already recorded as sent does nothing; the foreign id is recorded so echoes are recognised.
 */
export async function sendOutbound(store: Store, payload: OutboundPayload, bridges: OutboundBridges): Promise<string> {
  const attempt = await store.pool.query<{ status: string; foreign_message_id: string | null }>(
    `SELECT status, foreign_message_id FROM outbound_attempts WHERE id = $1`,
    [payload.attemptId],
  );
  const row = attempt.rows[0];
  if (!row) throw new UnrecoverableError(`outbound attempt ${payload.attemptId} is not recorded`);
  if (row.status === 'sent') return row.foreign_message_id ?? '';
  if (row.status === 'blocked') throw new UnrecoverableError(`outbound attempt ${payload.attemptId} was blocked by policy`);
  const bridge = bridges[payload.target.platform as keyof OutboundBridges];
  if (!bridge) throw new Error(`no ${payload.target.platform} bridge is configured on this worker`);
  const { messageId } = await bridge.send(payload.target.chatId, payload.text);
  await store.pool.query(`UPDATE outbound_attempts SET status = 'sent', foreign_message_id = $2 WHERE id = $1`, [payload.attemptId, messageId]);
  return messageId;
}
