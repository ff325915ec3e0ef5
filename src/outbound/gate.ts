import type { IndexKeys } from '../core/keys.ts';
import { indexAttempt } from '../store/subjects.ts';
import { createHash, randomUUID } from 'node:crypto';
import { UnrecoverableError } from '../core/bullmq.ts';
import type pg from 'pg';
import { writeAudit, type AuditInput } from '../audit/log.ts';
import { machineActor } from '../core/machine-actor.ts';
import { classifyFor } from '../classifier/index.ts';
import {
  honoursIdempotencyKey,
  SendOutcomeUnknownError,
  type OutboundBridge,
  type OutboundBridges,
  type SendOptions,
} from '../core/bridge.ts';
import { blobPath } from '../store/attachments.ts';
import { platformSchema } from '../core/message.ts';
import { decide, withAttachments, type Policy, type PolicyCategory, type PolicyDecision } from '../policy/index.ts';
import type { ExtractLimits } from '../extract/extract.ts';
import { attachmentLimits } from '../core/limits.ts';
import { categoriesOf, inspectAttachment } from '../extract/inspect.ts';
import type { Store } from '../store/database.ts';
import { addOutbound, type OutboundPayload, type Queues } from '../pipeline/queues.ts';
import { auditableChatId } from '../audit/fields.ts';

export interface OutboundRequest {
  agencyId: string;
  target: { platform: string; chatId: string };
  text: string;
  /** who wrote it on the national side (told through their own channel when blocked) */
  author?: string;
  /** the foreign id of the message it replies to, in the same chat */
  replyTo?: string;
  /**
   * A file already in the attachment store. Its text is read (src/extract/) and classified like the message's before
   * anything is sent; its name never leaves: the bridge sends it under a neutral name.
   */
  attachment?: { sha256: string; name: string; mime?: string; kind: 'photo' | 'document' };
}

export type OutboundResult =
  | { status: 'blocked'; attemptId: string; decision: PolicyDecision }
  | { status: 'queued'; attemptId: string; decision: PolicyDecision };

type AuditActor = AuditInput['actor'];

export interface OutboundContext {
  policy: Policy;
  hashKey?: Buffer | undefined;
  /** where attachments' bytes are: needed to read an attachment before it is sent */
  dataDir?: string | undefined;
  /** the subject index's keys: the attempt's identifiers are indexed (a person can learn who tried to send theirs) */
  indexKeys?: IndexKeys | undefined;
  extractLimits?: ExtractLimits;
}

/**
 * What an attachment to be sent holds: the categories found in its text, or UNINSPECTED with the reason it could
 * not be read (a reason names the file type or the limit, never its content).
 */
async function inspectOutgoing(
  sha256: string,
  context: OutboundContext,
): Promise<{ categories: PolicyCategory[]; uninspected?: string }> {
  if (!context.dataDir) throw new Error('an attachment is read before it is sent: the data directory is needed');
  const inspection = await inspectAttachment(
    blobPath(context.dataDir, sha256),
    context.extractLimits ?? attachmentLimits(),
    (text) => classifyFor(text, context.policy.classifier),
  );
  return { categories: categoriesOf(inspection), ...(inspection.inspected ? {} : { uninspected: inspection.reason }) };
}

export function textDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The outbound gate: classify (with the agency's `classifier:` section) and policy run before any bridge sees the message. A block is recorded with its
 * reason (categories and rule, never the value); an allowed message is recorded and queued for its bridge. Either
 * way the attempt is audited with `actor` (the person who sent it), its target and the digest of its text.
 */
export async function submitOutbound(
  store: Store,
  queues: Pick<Queues, 'outboundFor'>,
  request: OutboundRequest,
  context: OutboundContext,
  actor: AuditActor = machineActor(),
): Promise<OutboundResult> {
  platformSchema.parse(request.target.platform);
  const findings = classifyFor(request.text, context.policy.classifier);
  const inText = decide('outbound', request.text, findings, context.policy, { hashKey: context.hashKey });
  const inspected = request.attachment ? await inspectOutgoing(request.attachment.sha256, context) : null;
  const decision = withAttachments('outbound', inText, inspected?.categories ?? [], context.policy);
  const attemptId = randomUUID();
  const blocked = decision.action === 'block';
  // the digest of exactly the text the bridge will be given: the worker refuses any other
  const digest = textDigest(blocked ? decision.deliveredText || request.text : decision.deliveredText);
  const client = await store.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO outbound_attempts (id, agency_id, target_platform, target_chat_id, status, reason, text_digest, author, reply_to, attachment_sha256, attachment_name)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        attemptId,
        request.agencyId,
        request.target.platform,
        request.target.chatId,
        blocked ? 'blocked' : 'queued',
        JSON.stringify({
          action: decision.action,
          rule: decision.rule,
          categories: decision.categories,
          ...(inspected?.uninspected ? { uninspected: inspected.uninspected } : {}),
        }),
        digest,
        request.author ?? null,
        request.replyTo ?? null,
        request.attachment?.sha256 ?? null,
        request.attachment ? neutralName(request.attachment) : null,
      ],
    );
    if (context.indexKeys)
      await indexAttempt(client, request.agencyId, attemptId, context.indexKeys, request.text, findings);
    await client.query(
      `INSERT INTO decisions (agency_id, direction, outbound_attempt_id, action, rule, categories, reasons)
       VALUES ($1, 'outbound', $2, $3, $4, $5, $6)`,
      [
        request.agencyId,
        attemptId,
        decision.action,
        decision.rule,
        decision.categories,
        JSON.stringify(decision.reasons ?? []),
      ],
    );
    await writeAudit(client, {
      actor,
      action: 'outbound.send',
      agencyId: request.agencyId,
      subject: `outbound:${attemptId}`,
      details: {
        attemptId,
        target: {
          platform: request.target.platform,
          chatId: auditableChatId(request.target.platform, request.target.chatId),
        },
        textDigest: digest,
        status: blocked ? 'blocked' : 'queued',
        action: decision.action,
        rule: decision.rule,
        categories: decision.categories,
      },
    });
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  if (blocked) return { status: 'blocked', attemptId, decision };
  await addOutbound(queues, {
    agencyId: request.agencyId,
    attemptId,
    target: request.target,
    text: decision.deliveredText,
    ...(request.replyTo ? { replyTo: request.replyTo } : {}),
    ...(request.attachment ? { attachment: { ...request.attachment, name: neutralName(request.attachment) } } : {}),
  });
  return { status: 'queued', attemptId, decision };
}

/** `attachment.pdf`: the extension stays (the messenger shows the file by it), the name — which may name a person — does not. */
function neutralName(attachment: { name: string; kind: string }): string {
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(attachment.name)?.[1]?.toLowerCase();
  return `${attachment.kind === 'photo' ? 'photo' : 'attachment'}${ext ? `.${ext}` : ''}`;
}

interface AttemptRow {
  agency_id: string;
  target_platform: string;
  target_chat_id: string;
  status: string;
  text_digest: string;
  foreign_message_id: string | null;
  idempotency_key: string | null;
  reply_to: string | null;
  attachment_sha256: string | null;
  decided: string | null;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function readAttempt(db: Pick<pg.Pool, 'query'>, attemptId: string): Promise<AttemptRow | undefined> {
  const result = await db.query<AttemptRow>(
    `SELECT a.agency_id, a.target_platform, a.target_chat_id, a.status, a.text_digest, a.foreign_message_id, a.idempotency_key, a.reply_to, a.attachment_sha256,
            (SELECT d.action FROM decisions d WHERE d.outbound_attempt_id = a.id ORDER BY d.id LIMIT 1) AS decided
       FROM outbound_attempts a WHERE a.id = $1`,
    [attemptId],
  );
  return result.rows[0];
}

/**
 * Why this payload is not what the gate recorded and allowed, or null when it is. Anything else in the outbound
 * queue was written there by someone other than the gate: whoever can write to Redis must not pass it.
 */
function tampering(payload: OutboundPayload, attempt: AttemptRow | undefined): string | null {
  if (!attempt) return 'no such attempt was recorded by the gate';
  if (attempt.status === 'blocked' || (attempt.decided !== 'allow' && attempt.decided !== 'redact'))
    return `the gate did not allow this attempt (${attempt.decided ?? 'no decision'})`;
  if (payload.agencyId !== attempt.agency_id) return 'its agency is not the agency recorded for the attempt';
  if (payload.target?.platform !== attempt.target_platform || payload.target?.chatId !== attempt.target_chat_id)
    return 'its target is not the target recorded for the attempt';
  if (typeof payload.text !== 'string' || textDigest(payload.text) !== attempt.text_digest)
    return "its text's digest is not the digest recorded for the attempt";
  if ((payload.replyTo ?? null) !== attempt.reply_to) return 'its reply target is not the one recorded for the attempt';
  if ((payload.attachment?.sha256 ?? null) !== attempt.attachment_sha256)
    return 'its attachment is not the one recorded for the attempt';
  return null;
}

async function refuseTampered(
  store: Store,
  payload: OutboundPayload,
  attempt: AttemptRow | undefined,
  problem: string,
  actor: AuditActor,
): Promise<never> {
  const attemptId =
    typeof payload.attemptId === 'string' && uuidPattern.test(payload.attemptId) ? payload.attemptId : null;
  await writeAudit(store.pool, {
    actor,
    action: 'outbound.tampered',
    agencyId: attempt?.agency_id ?? null,
    subject: attemptId ? `outbound:${attemptId}` : null,
    details: { attemptId, problem },
  });
  throw new UnrecoverableError(
    `outbound job ${attemptId ?? '(no attempt id)'} refused: ${problem}; nothing was sent (audited as outbound.tampered)`,
  );
}

const outboundLock = `hashtext('aitu-gateway-outbound')`;

/**
 * The outbound stage's core: hands an allowed message to its bridge at most once, or exactly once in effect where
 * the platform takes an idempotency key.
 *
 * The payload must be the one the gate queued: same agency, target and text digest, for an attempt the gate
 * allowed; anything else is refused and audited as tampering. The attempt is recorded as `sending`, with its
 * idempotency key, before the bridge is called, and `sent` with the foreign id after. The sender holds a
 * PostgreSQL session lock on the attempt while it sends, so an attempt found `sending` whose lock is free was left
 * by a sender that died between the call and the record: on a platform with idempotency keys it is sent again
 * with the same key; on one without, it is marked `uncertain`, audited, and left for a person to check — never
 * resent. A replayed job of a sent attempt does nothing.
 */
export async function sendOutbound(
  store: Store,
  payload: OutboundPayload,
  bridges: OutboundBridges,
  actor: AuditActor = machineActor(),
  where: { dataDir?: string } = {},
): Promise<string> {
  const attemptId = String(payload?.attemptId ?? '');
  const attempt = uuidPattern.test(attemptId) ? await readAttempt(store.pool, attemptId) : undefined;
  const problem = tampering(payload, attempt);
  if (problem || !attempt) return refuseTampered(store, payload, attempt, problem ?? 'no such attempt', actor);
  if (attempt.status === 'sent') return attempt.foreign_message_id ?? '';
  if (attempt.status !== 'queued' && attempt.status !== 'sending')
    throw new UnrecoverableError(unsendable(attemptId, attempt.status));
  const bridge = bridges[payload.target.platform as keyof OutboundBridges];
  if (!bridge) throw new Error(`no ${payload.target.platform} bridge is configured on this worker`);

  const client = await store.pool.connect();
  let healthy = true;
  try {
    const locked = await client.query<{ ok: boolean }>(
      `SELECT pg_try_advisory_lock(${outboundLock}, hashtext($1)) AS ok`,
      [attemptId],
    );
    // another worker is sending it right now (a job run twice): try again later, by when it is sent or uncertain
    if (!locked.rows[0]!.ok) throw new Error(`outbound attempt ${attemptId} is being sent by another worker`);
    try {
      return await sendLocked(store, client, payload, attemptId, bridge, actor, where.dataDir);
    } finally {
      await client
        .query(`SELECT pg_advisory_unlock(${outboundLock}, hashtext($1))`, [attemptId])
        .catch(() => (healthy = false));
    }
  } finally {
    client.release(!healthy);
  }
}

function unsendable(attemptId: string, status: string): string {
  if (status === 'uncertain')
    return `outbound attempt ${attemptId} is uncertain: it may have reached the platform; a person checks it (aitu-gateway status) and resolves it (aitu-gateway outbound resolve)`;
  return `outbound attempt ${attemptId} is ${status}: it is not sent again`;
}

function sendOptions(payload: OutboundPayload, key: string, dataDir: string | undefined): SendOptions {
  const options: SendOptions = { idempotencyKey: key };
  if (payload.replyTo) options.replyTo = payload.replyTo;
  if (payload.attachment) {
    if (!dataDir)
      throw new UnrecoverableError(
        `outbound attempt ${payload.attemptId} carries an attachment but this sender has no attachment store`,
      );
    const { sha256, name, mime, kind } = payload.attachment;
    options.attachment = { path: blobPath(dataDir, sha256), name, kind, ...(mime ? { mime } : {}) };
  }
  return options;
}

async function sendLocked(
  store: Store,
  client: pg.PoolClient,
  payload: OutboundPayload,
  attemptId: string,
  bridge: OutboundBridge,
  actor: AuditActor,
  dataDir: string | undefined,
): Promise<string> {
  const current = await readAttempt(client, attemptId);
  if (!current) throw new UnrecoverableError(`outbound attempt ${attemptId} disappeared`);
  if (current.status === 'sent') return current.foreign_message_id ?? '';
  const idempotent = honoursIdempotencyKey(bridge);
  if (current.status === 'sending' && !idempotent)
    return markUncertain(
      client,
      attemptId,
      current,
      actor,
      'found sending: its sender stopped between the bridge call and the record',
    );
  if (current.status !== 'queued' && current.status !== 'sending')
    throw new UnrecoverableError(unsendable(attemptId, current.status));
  const key = current.idempotency_key ?? attemptId;
  await client.query(
    `UPDATE outbound_attempts SET status = 'sending', idempotency_key = $2, sending_at = now() WHERE id = $1 AND status IN ('queued', 'sending')`,
    [attemptId, key],
  );

  let messageId: string;
  try {
    ({ messageId } = await bridge.send(payload.target.chatId, payload.text, sendOptions(payload, key, dataDir)));
  } catch (error) {
    // an idempotent platform is simply asked again, with the same key, on the job's next try
    if (idempotent) throw error;
    if (error instanceof SendOutcomeUnknownError)
      return markUncertain(
        client,
        attemptId,
        current,
        actor,
        `the ${bridge.platform} bridge could not tell whether it was sent`,
      );
    // the bridge says it was not sent: the attempt is queued again and the job retried
    await client.query(`UPDATE outbound_attempts SET status = 'queued' WHERE id = $1 AND status = 'sending'`, [
      attemptId,
    ]);
    throw error;
  }
  await inClientTransaction(client, async () => {
    await client.query(
      `UPDATE outbound_attempts SET status = 'sent', foreign_message_id = $2, sent_at = now() WHERE id = $1`,
      [attemptId, messageId],
    );
    await writeAudit(client, {
      actor,
      action: 'outbound.sent',
      agencyId: current.agency_id,
      subject: `outbound:${attemptId}`,
      details: {
        attemptId,
        platform: bridge.platform,
        foreignMessageId: messageId,
        idempotencyKey: idempotent ? key : null,
      },
    });
  });
  return messageId;
}

async function markUncertain(
  client: pg.PoolClient,
  attemptId: string,
  attempt: AttemptRow,
  actor: AuditActor,
  why: string,
): Promise<never> {
  await inClientTransaction(client, async () => {
    await client.query(`UPDATE outbound_attempts SET status = 'uncertain' WHERE id = $1 AND status = 'sending'`, [
      attemptId,
    ]);
    await writeAudit(client, {
      actor,
      action: 'outbound.uncertain',
      agencyId: attempt.agency_id,
      subject: `outbound:${attemptId}`,
      details: {
        attemptId,
        platform: attempt.target_platform,
        chatId: auditableChatId(attempt.target_platform, attempt.target_chat_id),
        why,
      },
    });
  });
  throw new UnrecoverableError(`${unsendable(attemptId, 'uncertain')} (${why})`);
}

/** A transaction on the client that holds the attempt's session lock (the lock outlives the transaction). */
async function inClientTransaction(client: pg.PoolClient, work: () => Promise<void>): Promise<void> {
  await client.query('BEGIN');
  try {
    await work();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
