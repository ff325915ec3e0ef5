/**
 * The extract stage's core (issue 23): read one file of one agency, record what it holds, and decide the pending
 * messages that carry it once all their attachments are read. A message's decision then covers its attachments: an
 * ID-card scan quarantines it as an IIN in its text would (policy/decide.ts withAttachments). Queue-free: the thin
 * layer in workers.ts calls it and asks for the relays of the messages it settled.
 */
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { writeAudit } from '../../audit/log.ts';
import { classifyFor } from '../../classifier/index.ts';
import { encryptOriginal, OriginalFormat, requireIndexKey, type Keyring } from '../../core/keys.ts';
import { indexEntry } from '../../core/subject.ts';
import { machineActor } from '../../core/machine-actor.ts';
import type { CanonicalMessage } from '../../core/message.ts';
import { originalToSeal } from '../../core/original.ts';
import { DEFAULT_LIMITS, MissingToolError, type ExtractLimits } from '../../extract/extract.ts';
import { categoriesOf, inspectAttachment } from '../../extract/inspect.ts';
import { redactFile } from '../../extract/redact-file.ts';
import {
  fileAction,
  fileRedaction,
  mostSevere,
  withAttachments,
  type Policy,
  type PolicyCategory,
  type PolicyDecision,
} from '../../policy/index.ts';
import { blobPath, putBlob } from '../../store/attachments.ts';
import { inTransaction } from '../../store/database.ts';
import {
  findingBoxes,
  linkRedactedCopies,
  recordRedaction,
  redactionOf,
  releaseClearOriginal,
  sealOriginal,
} from '../../store/redactions.ts';
import {
  hasInspection,
  inspectionCategories,
  recordInspection,
  settleableMessages,
  type SettleableMessage,
  type StoredInspection,
} from '../../store/inspections.ts';

export interface ExtractPayload {
  agencyId: string;
  sha256: string;
}

export interface ExtractDependencies {
  dataDir: string;
  keyring: Keyring;
  policyFor(agencyId: string): Promise<Policy>;
  limits?: ExtractLimits;
}

/** Reads the file unless the agency's copy was read before, then settles its pending messages; returns them. */
export async function extractAttachment(
  pool: pg.Pool,
  payload: ExtractPayload,
  deps: ExtractDependencies,
): Promise<{ id: string; runId: string | null }[]> {
  const policy = await deps.policyFor(payload.agencyId);
  if (!(await hasInspection(pool, payload.agencyId, payload.sha256))) {
    const inspection = await readFile(deps, policy, payload.sha256);
    await recordInspection(pool, payload.agencyId, payload.sha256, inspection);
  }
  await redactCopy(pool, payload, deps, policy);
  const settled = await inTransaction(pool, async (client) => {
    const messages = await settleableMessages(client, payload.agencyId, payload.sha256);
    for (const message of messages) await settle(client, payload.agencyId, message, policy, deps.keyring);
    return messages.map((m) => ({ id: m.id, runId: m.runId }));
  });
  await releaseRedactedOriginals(
    pool,
    deps.dataDir,
    settled.map((m) => m.id),
  );
  return settled;
}

/**
 * The agency's copy of the file with black boxes, made once, where its policy asks for it (fileRedaction) and every
 * finding to black out has boxes; the original is sealed under the current key. A file that cannot be drawn on, or
 * whose drawing fails, gets no copy: its messages are then held for review, never delivered unredacted.
 */
async function redactCopy(pool: pg.Pool, payload: ExtractPayload, deps: ExtractDependencies, policy: Policy) {
  const { agencyId, sha256 } = payload;
  // the default policy holds files instead: no query for them
  if (policy.redaction.attachments !== 'boxes') return;
  const wanted = fileRedaction((await inspectionCategories(pool, agencyId, sha256)) as PolicyCategory[], policy);
  if (!wanted || (await redactionOf(pool, agencyId, sha256))) return;
  const boxes = await findingBoxes(pool, agencyId, sha256, [...wanted]);
  const file = blobPath(deps.dataDir, sha256);
  if (!boxes || !(await exists(file))) return;
  const timeoutMs = (deps.limits ?? DEFAULT_LIMITS).timeoutMs;
  const copy = await redactFile(file, boxes, timeoutMs).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new MissingToolError(`a tool to redact files is missing: run scripts/setup.sh`);
    return null;
  });
  if (!copy) return;
  const blob = await putBlob(deps.dataDir, Readable.from([copy.bytes]));
  const keyId = await sealOriginal(deps.dataDir, deps.keyring, agencyId, sha256);
  await recordRedaction(pool, {
    agencyId,
    sha256,
    redactedSha256: blob.sha256,
    size: blob.size,
    mime: copy.mime,
    keyId,
    categories: [...wanted],
    boxes: copy.boxes,
  });
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

/** The clear bytes of the settled messages' redacted files leave the store once nothing holds them unredacted. */
async function releaseRedactedOriginals(pool: pg.Pool, dataDir: string, messageIds: string[]): Promise<void> {
  if (messageIds.length === 0) return;
  const files = await pool.query<{ sha256: string }>(
    `SELECT DISTINCT sha256 FROM message_attachments WHERE message_id = ANY($1::bigint[]) AND redacted_sha256 IS NOT NULL`,
    [messageIds],
  );
  for (const { sha256 } of files.rows) await releaseClearOriginal(pool, dataDir, sha256);
}

async function readFile(deps: ExtractDependencies, policy: Policy, sha256: string): Promise<StoredInspection> {
  const file = blobPath(deps.dataDir, sha256);
  const keys = requireIndexKey(deps.keyring);
  const digest = (category: string, value: string) => indexEntry(keys.current, category, value);
  const classifyText = (text: string) => classifyFor(text, policy.classifier);
  const inspection = await inspectAttachment(file, deps.limits ?? DEFAULT_LIMITS, classifyText, digest).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return { inspected: false as const, reason: 'not in the attachment store' };
      throw error;
    },
  );
  const categories = categoriesOf(inspection);
  if (!inspection.inspected)
    return { status: 'uninspected', reason: inspection.reason, pages: 0, ocrPages: 0, categories, findings: [] };
  const { pages, ocrPages, findings } = inspection;
  return { status: 'inspected', reason: null, pages, ocrPages, categories, findings, subjectKeyId: keys.currentId };
}

/**
 * Decides one pending message with its attachments. A stricter action replaces its decision: quarantine opens (or
 * widens) its review item with the stored message sealed as the original; block withdraws the delivered copy.
 * Audited either way, with categories and rules only.
 */
async function settle(
  client: pg.PoolClient,
  agencyId: string,
  message: SettleableMessage,
  policy: Policy,
  keyring: Keyring,
): Promise<void> {
  const stored = storedDecision(message);
  const filesRedacted = message.files.every(
    (f) => f.redacted || fileAction('inbound', f.categories as PolicyCategory[], policy) !== 'redact',
  );
  const next = withAttachments('inbound', stored, message.categories as PolicyCategory[], policy, { filesRedacted });
  const stricter = mostSevere([stored.action, next.action]) !== stored.action;
  if (stricter) {
    const decisionId = await insertDecision(client, agencyId, next);
    await client.query(`UPDATE messages SET decision_id = $2 WHERE id = $1`, [message.id, decisionId]);
    if (next.action === 'block') await withdraw(client, message.id);
  }
  // quarantined for its text already: the item names what its attachments hold too
  if (next.action === 'quarantine') await openReview(client, agencyId, message.id, next, keyring);
  if (next.action !== 'block') await linkRedactedCopies(client, agencyId, message.id);
  await client.query(`UPDATE messages SET inspection = 'done' WHERE id = $1`, [message.id]);
  await writeAudit(client, {
    actor: machineActor(),
    action: 'attachment.inspected',
    agencyId,
    subject: `message:${message.id}`,
    details: {
      categories: message.categories,
      action: stricter ? next.action : stored.action,
      rule: stricter ? next.rule : stored.rule,
      ...(message.reasons.length > 0 ? { uninspected: message.reasons } : {}),
      ...(message.files.some((f) => f.redacted)
        ? { redactedFiles: message.files.filter((f) => f.redacted).length }
        : {}),
    },
  });
}

function storedDecision(message: SettleableMessage): PolicyDecision {
  const { action, rule, categories, reasons } = message.decision;
  return {
    action: action as PolicyDecision['action'],
    rule,
    categories: categories as PolicyCategory[],
    reasons: Array.isArray(reasons) ? (reasons as PolicyDecision['reasons']) : [],
    deliveredText: '',
    redacted: false,
  };
}

async function insertDecision(client: pg.PoolClient, agencyId: string, decision: PolicyDecision): Promise<string> {
  const result = await client.query<{ id: string }>(
    `INSERT INTO decisions (agency_id, direction, action, rule, categories, reasons)
     VALUES ($1, 'inbound', $2, $3, $4, $5) RETURNING id::text`,
    [agencyId, decision.action, decision.rule, decision.categories, JSON.stringify(decision.reasons)],
  );
  return result.rows[0]!.id;
}

/** The message as stored becomes the review item's original (sealed, bound to it); an open item gains the categories. */
async function openReview(
  client: pg.PoolClient,
  agencyId: string,
  messageId: string,
  decision: PolicyDecision,
  keyring: Keyring,
): Promise<void> {
  const row = await client.query<{
    text: string;
    body: { extra?: CanonicalMessage['extra']; service?: CanonicalMessage['service'] };
    platform: string;
    source_chat_id: string;
    source_message_id: string;
    review: string | null;
  }>(
    `SELECT m.text, m.body, m.platform, m.source_chat_id, m.source_message_id, r.id::text AS review
       FROM messages m LEFT JOIN review_items r ON r.message_id = m.id WHERE m.id = $1`,
    [messageId],
  );
  const m = row.rows[0]!;
  if (m.review) {
    await client.query(
      `UPDATE review_items SET categories = ARRAY(SELECT DISTINCT unnest(categories || $2::text[]) ORDER BY 1) WHERE id = $1`,
      [m.review, decision.categories],
    );
    return;
  }
  const original = originalToSeal({
    text: m.text,
    ...(m.body?.extra ? { extra: m.body.extra } : {}),
    ...(m.body?.service ? { service: m.body.service } : {}),
  });
  const sealed = encryptOriginal(keyring.current, original, {
    agencyId,
    platform: m.platform,
    sourceChatId: m.source_chat_id,
    sourceMessageId: m.source_message_id,
  });
  await client.query(
    `INSERT INTO review_items (id, agency_id, message_id, status, original, key_id, original_format, categories)
     VALUES (gen_random_uuid(), $1, $2, 'open', $3, $4, $5, $6::text[])`,
    [agencyId, messageId, sealed, keyring.currentId, OriginalFormat.bound, decision.categories],
  );
}

/** Policy said block for what an attachment holds: the delivered copy is withdrawn and its attachments unlinked. */
async function withdraw(client: pg.PoolClient, messageId: string): Promise<void> {
  await client.query(`UPDATE messages SET withdrawn = true, text = '' WHERE id = $1`, [messageId]);
  await client.query(`UPDATE message_attachments SET withheld = true WHERE message_id = $1`, [messageId]);
}
