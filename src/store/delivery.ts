import type pg from 'pg';
import type { Finding } from '../classifier/index.ts';
import type { WireMessage } from '../core/message.ts';
import { messageBody } from './messages.ts';
import { sqlArray } from './sql-array.ts';

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** A policy decision as the store keeps it: never the personal data, only what was decided and by which rule. */
export interface StoredDecision {
  action: string;
  rule: string;
  categories: readonly string[];
  reasons: readonly unknown[];
}

export interface DeliveryRow {
  /** absent fields hold their defaults (see WireMessage) */
  message: WireMessage;
  /** the national chat it lands in (of the delivery's agency) */
  chatId: string;
  /** the text as delivered: the original, or a redacted copy */
  deliveredText: string;
  redacted: boolean;
  /** index into Delivery.decisions */
  decision: number;
  findings: readonly Finding[];
  /** a quarantined message's original, already encrypted: a review item is opened with it */
  quarantinedOriginal?: Buffer;
}

/** One batch for one agency, written by one statement. */
export interface Delivery {
  agencyId: string;
  importRunId: string | null;
  /** the distinct decisions of the batch; rows point at them */
  decisions: readonly StoredDecision[];
  rows: readonly DeliveryRow[];
  /** the data key that encrypted the quarantined originals */
  keyId: string | null;
}

export interface DeliveredRow {
  /** index into Delivery.rows */
  index: number;
  id: bigint;
}

/**
 * Writes a batch in one set-based statement: its messages, the decisions they point at, their findings, their
 * attachment references and, for quarantined messages, a review item. A message already in the store (same
 * agency, platform, source chat and source message id), or a copy of one the gateway itself sent, is left out;
 * only the newly stored rows come back, in id order. Decisions are written only when a new message uses them.
 *
 * One statement rather than one per table: every table's rows join the new messages inside the database, so no
 * message id travels to the client and back, and the whole batch costs one round trip.
 */
export async function writeDelivery(db: Queryable, delivery: Delivery): Promise<DeliveredRow[]> {
  const rows = firstOfEachKey(delivery.rows);
  if (rows.length === 0) return [];
  const result = await db.query<{ ords: string; ids: string }>(DELIVERY_SQL, deliveryParameters(delivery, rows));
  const { ords, ids } = result.rows[0] ?? { ords: '', ids: '' };
  if (!ords) return [];
  const idList = ids.split(',');
  return ords.split(',').map((ord, i) => ({ index: rows[Number(ord) - 1]!.index, id: BigInt(idList[i]!) }));
}

/** A batch may repeat a message (an export listing it twice): the first copy is the one delivered. */
function firstOfEachKey(rows: readonly DeliveryRow[]): { row: DeliveryRow; index: number }[] {
  const seen = new Set<string>();
  const unique: { row: DeliveryRow; index: number }[] = [];
  rows.forEach((row, index) => {
    const key = `${row.message.platform}\u0000${row.message.chatId}\u0000${row.message.messageId}`;
    if (seen.has(key)) return;
    seen.add(key);
    unique.push({ row, index });
  });
  return unique;
}

function deliveryParameters(delivery: Delivery, rows: readonly { row: DeliveryRow }[]): unknown[] {
  const n = rows.length;
  const column = <T>(pick: (row: DeliveryRow) => T): T[] => {
    const values = new Array<T>(n);
    for (let i = 0; i < n; i++) values[i] = pick(rows[i]!.row);
    return values;
  };
  const findings: { ord: number; finding: Finding }[] = [];
  const attachments: { ord: number; position: number; attachment: NonNullable<WireMessage['attachments']>[number] }[] = [];
  const reviews: { ord: number; categories: string; original: string }[] = [];
  rows.forEach(({ row }, i) => {
    for (const finding of row.findings) findings.push({ ord: i + 1, finding });
    row.message.attachments?.forEach((attachment, position) => attachments.push({ ord: i + 1, position, attachment }));
    if (row.quarantinedOriginal) {
      const categories = delivery.decisions[row.decision]?.categories.join(',') ?? '';
      reviews.push({ ord: i + 1, categories, original: row.quarantinedOriginal.toString('hex') });
    }
  });
  const blobs = new Map<string, { size: number; mime: string | null }>();
  for (const { attachment } of attachments) {
    if (attachment.sha256) blobs.set(attachment.sha256, { size: attachment.size ?? 0, mime: attachment.mime ?? null });
  }
  const d = delivery.decisions;
  return [
    delivery.agencyId,
    delivery.importRunId,
    // $3…$15: the messages
    sqlArray(column((r) => r.message.platform)),
    sqlArray(column((r) => r.message.chatId)),
    sqlArray(column((r) => r.message.messageId)),
    sqlArray(column((r) => r.chatId)),
    sqlArray(column((r) => r.message.sender?.id ?? null)),
    sqlArray(column((r) => r.message.sender?.name ?? null)),
    sqlArray(column((r) => r.message.sentAt)),
    sqlArray(column((r) => r.message.editedAt ?? null)),
    sqlArray(column((r) => r.message.kind ?? 'message')),
    sqlArray(column((r) => r.deliveredText)),
    sqlArray(column((r) => JSON.stringify(messageBody(r.message)))),
    sqlArray(column((r) => r.redacted)),
    sqlArray(column((r) => r.decision + 1)),
    // $16…$19: the batch's decisions
    sqlArray(d.map((x) => x.action)),
    sqlArray(d.map((x) => x.rule)),
    sqlArray(d.map((x) => x.categories.join(','))),
    sqlArray(d.map((x) => JSON.stringify(x.reasons))),
    // $20…$26: findings
    sqlArray(findings.map((f) => f.ord)),
    sqlArray(findings.map((f) => f.finding.category)),
    sqlArray(findings.map((f) => f.finding.start)),
    sqlArray(findings.map((f) => f.finding.end)),
    sqlArray(findings.map((f) => f.finding.confidence)),
    sqlArray(findings.map((f) => f.finding.detector)),
    sqlArray(findings.map((f) => JSON.stringify(f.finding.explanation))),
    // $27…$33: attachment references
    sqlArray(attachments.map((a) => a.ord)),
    sqlArray(attachments.map((a) => a.position)),
    sqlArray(attachments.map((a) => a.attachment.name)),
    sqlArray(attachments.map((a) => a.attachment.mime ?? null)),
    sqlArray(attachments.map((a) => (a.attachment.size === undefined ? null : a.attachment.size))),
    sqlArray(attachments.map((a) => a.attachment.sha256 ?? null)),
    sqlArray(attachments.map((a) => Boolean(a.attachment.missing || !a.attachment.sha256))),
    // $34…$37: review items of quarantined messages
    sqlArray(reviews.map((r) => r.ord)),
    sqlArray(reviews.map((r) => r.categories)),
    sqlArray(reviews.map((r) => r.original)),
    delivery.keyId,
    // $38…$40: attachment blobs (the bytes are already in the content-addressed store)
    sqlArray([...blobs.keys()]),
    sqlArray([...blobs.values()].map((b) => b.size)),
    sqlArray([...blobs.values()].map((b) => b.mime)),
  ];
}

const DELIVERY_SQL = `
WITH input AS (
  SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::uuid[], $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[],
                       $11::text[], $12::text[], $13::jsonb[], $14::bool[], $15::int[])
         WITH ORDINALITY AS t(platform, source_chat_id, source_message_id, chat_id, sender_id, sender_name, sent_at, edited_at,
                              kind, text, body, redacted, decision, ord)
),
decision_ids AS MATERIALIZED (
  -- ids drawn before the messages are written, so each message can carry its decision's id
  SELECT nextval('decisions_id_seq') AS id, d.*
    FROM unnest($16::text[], $17::text[], $18::text[], $19::jsonb[]) WITH ORDINALITY AS d(action, rule, categories, reasons, ord)
),
inserted AS (
  INSERT INTO messages (agency_id, platform, source_chat_id, source_message_id, chat_id, sender_id, sender_name, sent_at, edited_at,
                        kind, text, body, redacted, import_run_id, decision_id)
  SELECT $1::uuid, i.platform, i.source_chat_id, i.source_message_id, i.chat_id, i.sender_id, i.sender_name, i.sent_at, i.edited_at,
         i.kind, i.text, i.body, i.redacted, $2::uuid, d.id
    FROM input i
    JOIN decision_ids d ON d.ord = i.decision
    -- a copy of a message the gateway itself sent (matched by the id its bridge returned) is never bridged back
    LEFT JOIN LATERAL (
      SELECT true AS own FROM outbound_attempts o
       WHERE o.status = 'sent' AND o.target_platform = i.platform AND o.target_chat_id = i.source_chat_id AND o.foreign_message_id = i.source_message_id
       LIMIT 1) echo ON true
   WHERE echo.own IS NULL
  ON CONFLICT (agency_id, platform, source_chat_id, source_message_id) DO NOTHING
  RETURNING id, platform, source_chat_id, source_message_id, decision_id
),
new_rows AS (
  SELECT n.id, i.ord FROM inserted n
    JOIN input i ON i.platform = n.platform AND i.source_chat_id = n.source_chat_id AND i.source_message_id = n.source_message_id
),
decisions_written AS (
  INSERT INTO decisions (id, agency_id, direction, action, rule, categories, reasons)
  SELECT d.id, $1::uuid, 'inbound', d.action, d.rule, string_to_array(d.categories, ','), d.reasons
    FROM decision_ids d WHERE d.id IN (SELECT decision_id FROM inserted)
),
findings_written AS (
  INSERT INTO findings (message_id, category, start, "end", confidence, detector, explanation)
  SELECT n.id, f.category, f.start, f."end", f.confidence, f.detector, f.explanation
    FROM unnest($20::int[], $21::text[], $22::int[], $23::int[], $24::float8[], $25::text[], $26::jsonb[])
           AS f(ord, category, start, "end", confidence, detector, explanation)
    JOIN new_rows n ON n.ord = f.ord
),
blobs_written AS (
  INSERT INTO attachment_blobs (sha256, size, mime)
  SELECT * FROM unnest($38::text[], $39::bigint[], $40::text[])
  ON CONFLICT (sha256) DO NOTHING
),
attachments_written AS (
  INSERT INTO message_attachments (message_id, position, name, mime, size, sha256, missing)
  SELECT n.id, a.position, a.name, a.mime, a.size, a.sha256, a.missing
    FROM unnest($27::int[], $28::int[], $29::text[], $30::text[], $31::bigint[], $32::text[], $33::bool[])
           AS a(ord, position, name, mime, size, sha256, missing)
    JOIN new_rows n ON n.ord = a.ord
),
reviews_opened AS (
  INSERT INTO review_items (id, agency_id, message_id, status, categories, original, key_id)
  SELECT gen_random_uuid(), $1::uuid, n.id, 'open', string_to_array(r.categories, ','), decode(r.original, 'hex'), $37
    FROM unnest($34::int[], $35::text[], $36::text[]) AS r(ord, categories, original)
    JOIN new_rows n ON n.ord = r.ord
)
SELECT coalesce(string_agg(ord::text, ',' ORDER BY id), '') AS ords, coalesce(string_agg(id::text, ',' ORDER BY id), '') AS ids
  FROM new_rows`;
