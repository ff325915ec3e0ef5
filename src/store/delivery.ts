import type pg from 'pg';
import type { Finding } from '../classifier/index.ts';
import type { CanonicalMessage, WireMessage } from '../core/message.ts';
import type { OriginalBinding } from '../core/keys.ts';
import { originalFromSeal, originalToSeal, type OriginalMessage } from '../core/original.ts';
import { messageBody } from './messages.ts';
import { binaryArray } from './binary-array.ts';
import { emptyColumn, emptyFractions } from '../core/columns.ts';

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** A policy decision as the store keeps it: never the personal data, only what was decided and by which rule. */
export interface StoredDecision {
  action: string;
  rule: string;
  categories: readonly string[];
  reasons: readonly unknown[];
}

/**
 * A batch of messages ready for the store, column by column (index i of every message column is message i):
 * compact on the queue, and the columns are what the delivery statement takes.
 */
export interface DeliveryBatch {
  /** the batch's distinct foreign chats and their titles (a new national chat is named after its title) */
  chats: { platform: string; chatId: string; title?: string }[];
  /** the batch's distinct senders */
  senders: { platform: string; id: string; name: string }[];
  /** the batch's distinct decisions; messages point at them by index */
  decisions: StoredDecision[];
  messages: {
    /** index into chats */
    chat: number[];
    messageId: string[];
    /** index into senders; null: no sender (a service event, a channel post) */
    sender: (number | null)[];
    sentAt: string[];
    editedAt: (string | null)[];
    kind: string[];
    /** the text as delivered: the original, or a redacted copy */
    text: string[];
    /** what policy changed, as received: the text, or the text and structured parts (src/core/original.ts); else null */
    original: (string | null)[];
    /** the rest of the message as the store keeps it (JSON; see messageBody), but for the chat's title */
    body: string[];
    redacted: boolean[];
    decision: number[];
  };
  /** `message` is an index into the message columns; `explanation` is JSON naming words by id, never message text */
  findings: {
    message: number[];
    category: string[];
    start: number[];
    end: number[];
    confidence: number[];
    detector: string[];
    explanation: string[];
  };
  attachments: {
    message: number[];
    position: number[];
    name: string[];
    mime: (string | null)[];
    size: (number | null)[];
    sha256: (string | null)[];
    missing: boolean[];
  };
}

/** One batch for one agency, written by one statement. */
export interface Delivery {
  agencyId: string;
  importRunId: string | null;
  batch: DeliveryBatch;
  /** the national chat (of the delivery's agency) of each of the batch's chats */
  nationalChatIds: readonly string[];
  /** review items to open for the new ones among these messages, with their originals already encrypted */
  reviews: { message: readonly number[]; sealedOriginal: readonly Buffer[]; keyId: string | null };
  /**
   * The messages are expected to be new to the store (a first import): they are written without the per-row
   * conflict check, and one already stored fails the statement (isDuplicateMessageError) for the caller to write
   * the batch again without this flag. Off: duplicates are skipped row by row.
   */
  assumeNew?: boolean;
}

/** The error of an `assumeNew` delivery that met a message already in the store. */
export function isDuplicateMessageError(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string };
  return e.code === '23505' && e.constraint === 'messages_source_key';
}

export interface DeliveredRow {
  /** index into the batch's messages */
  index: number;
  id: bigint;
}

export function emptyDeliveryBatch(): DeliveryBatch {
  return {
    chats: [],
    senders: [],
    decisions: [],
    messages: {
      chat: [],
      messageId: emptyColumn<string>(),
      sender: emptyColumn<number | null>(),
      sentAt: emptyColumn<string>(),
      editedAt: emptyColumn<string | null>(),
      kind: emptyColumn<string>(),
      text: emptyColumn<string>(),
      original: emptyColumn<string | null>(),
      body: emptyColumn<string>(),
      redacted: emptyColumn<boolean>(),
      decision: [],
    },
    findings: {
      message: [],
      category: emptyColumn<string>(),
      start: [],
      end: [],
      confidence: emptyFractions(),
      detector: emptyColumn<string>(),
      explanation: emptyColumn<string>(),
    },
    attachments: {
      message: [],
      position: [],
      name: emptyColumn<string>(),
      mime: emptyColumn<string | null>(),
      size: emptyColumn<number | null>(),
      sha256: emptyColumn<string | null>(),
      missing: emptyColumn<boolean>(),
    },
  };
}

/** Appends messages to a delivery batch's columns, collecting its distinct chats, senders and decisions on the way. */
export class DeliveryBatchBuilder {
  readonly batch: DeliveryBatch = emptyDeliveryBatch();
  /** chat id → indexes of the batch's chats with that id (one per platform and title) */
  private readonly chats = new Map<string, number[]>();
  /** sender id → indexes of the batch's senders with that id (one per platform and name) */
  private readonly senders = new Map<string, number[]>();
  private readonly decisions = new Map<string, number>();

  /** `message` with its structured parts as delivered; `text` the delivered text, `original` what was received */
  add(
    message: CanonicalMessage,
    delivered: {
      text: string;
      original: OriginalMessage;
      redacted: boolean;
      decision: StoredDecision;
      findings: readonly Finding[];
    },
  ): void {
    const { text: deliveredText, original, redacted, decision, findings } = delivered;
    const { messages: m, findings: f, attachments: a } = this.batch;
    const index = m.chat.length;
    const { platform, chatId, chatTitle: title, sender } = message;
    // a chat is one entry per title: a title that changed within the batch stays each message's own
    m.chat.push(
      intern(
        this.batch.chats,
        this.chats,
        chatId,
        (c) => c.platform === platform && c.title === title,
        () => ({ platform, chatId, ...(title !== undefined ? { title } : {}) }),
      ),
    );
    m.messageId.push(message.messageId);
    m.sender.push(
      sender === null
        ? null
        : intern(
            this.batch.senders,
            this.senders,
            sender.id,
            (s) => s.platform === platform && s.name === sender.name,
            () => ({ platform, id: sender.id, name: sender.name }),
          ),
    );
    m.sentAt.push(message.sentAt);
    m.editedAt.push(message.editedAt);
    m.kind.push(message.kind);
    m.text.push(deliveredText);
    m.original.push(
      original.extra !== undefined || original.service !== undefined || deliveredText !== original.text
        ? originalToSeal(original)
        : null,
    );
    m.body.push(JSON.stringify(messageBody(message, { withoutChatTitle: true })));
    m.redacted.push(redacted);
    m.decision.push(this.decisionIndex(decision));
    for (let k = 0; k < findings.length; k++) {
      const finding = findings[k]!;
      f.message.push(index);
      f.category.push(finding.category);
      f.start.push(finding.start);
      f.end.push(finding.end);
      f.confidence.push(finding.confidence);
      f.detector.push(finding.detector);
      f.explanation.push(JSON.stringify(finding.explanation));
    }
    message.attachments.forEach((attachment, position) => {
      a.message.push(index);
      a.position.push(position);
      a.name.push(attachment.name);
      a.mime.push(attachment.mime ?? null);
      a.size.push(attachment.size ?? null);
      a.sha256.push(attachment.sha256 ?? null);
      a.missing.push(Boolean(attachment.missing || !attachment.sha256));
    });
  }

  private decisionIndex(decision: StoredDecision): number {
    // without reasons (no findings) the rule alone names the decision
    const key =
      decision.reasons.length === 0
        ? decision.rule
        : `${decision.action}\u0000${decision.rule}\u0000${JSON.stringify(decision.reasons)}`;
    let index = this.decisions.get(key);
    if (index === undefined) {
      index = this.batch.decisions.length;
      this.batch.decisions.push({
        action: decision.action,
        rule: decision.rule,
        categories: decision.categories,
        reasons: decision.reasons,
      });
      this.decisions.set(key, index);
    }
    return index;
  }
}

/**
 * The index in `list` of the entry with this id that `matches`, appended (`make`) when there is none. A batch holds
 * a few chats and senders, each id mostly under one name: looked up by id, without a key string per message.
 */
function intern<T>(
  list: T[],
  byId: Map<string, number[]>,
  id: string,
  matches: (entry: T) => boolean,
  make: () => T,
): number {
  const known = byId.get(id);
  if (known !== undefined) {
    for (let k = 0; k < known.length; k++) if (matches(list[known[k]!]!)) return known[k]!;
  }
  const index = list.length;
  list.push(make());
  if (known) known.push(index);
  else byId.set(id, [index]);
  return index;
}

export const batchSize = (batch: DeliveryBatch): number => batch.messages.chat.length;

/** The decision that delivers message i. */
export const decisionOf = (batch: DeliveryBatch, i: number): StoredDecision =>
  batch.decisions[batch.messages.decision[i]!]!;

/** Each message's platform and foreign chat id, from the batch's chats. */
export function messageChats(batch: DeliveryBatch): { platform: string[]; chatId: string[] } {
  const platform = batch.messages.chat.map((c) => batch.chats[c]!.platform);
  const chatId = batch.messages.chat.map((c) => batch.chats[c]!.chatId);
  return { platform, chatId };
}

/** The messages at `indexes` (in that order) as a batch of their own, with their findings and attachments. */
export function pickMessages(batch: DeliveryBatch, indexes: readonly number[]): DeliveryBatch {
  const picked = emptyDeliveryBatch();
  picked.chats = batch.chats;
  picked.senders = batch.senders;
  picked.decisions = batch.decisions;
  const newIndex = new Map(indexes.map((old, i) => [old, i]));
  const m = batch.messages;
  for (const i of indexes)
    for (const key of Object.keys(m) as (keyof DeliveryBatch['messages'])[])
      (picked.messages[key] as unknown[]).push(m[key][i]);
  for (const [part, columns] of [
    ['findings', batch.findings],
    ['attachments', batch.attachments],
  ] as const) {
    const into = picked[part] as unknown as Record<string, unknown[]>;
    const from = columns as unknown as Record<string, unknown[]>;
    columns.message.forEach((message, j) => {
      const at = newIndex.get(message);
      if (at === undefined) return;
      for (const key of Object.keys(from)) into[key]!.push(key === 'message' ? at : from[key]![j]);
    });
  }
  return picked;
}

/** What message i's encrypted original is bound to: its agency and its unique key in the store. */
export function originalBinding(agencyId: string, batch: DeliveryBatch, i: number): OriginalBinding {
  const chat = batch.chats[batch.messages.chat[i]!]!;
  return {
    agencyId,
    platform: chat.platform,
    sourceChatId: chat.chatId,
    sourceMessageId: batch.messages.messageId[i]!,
  };
}

/** Message i of a batch as the canonical message received, for the dead-letter queue. */
export function messageAt(batch: DeliveryBatch, i: number): WireMessage {
  const m = batch.messages;
  const body = JSON.parse(m.body[i]!) as Partial<WireMessage>;
  const original = m.original[i] === null || m.original[i] === undefined ? null : originalFromSeal(m.original[i]!);
  // the delivered copy keeps the original's formatting entities aside when its text was redacted
  const { originalEntities, ...deliveredExtra } = body.extra ?? {};
  const extra = original?.extra ?? deliveredExtra;
  const chat = batch.chats[m.chat[i]!]!;
  const sender = m.sender[i] === null || m.sender[i] === undefined ? null : batch.senders[m.sender[i]!]!;
  return {
    ...body,
    ...(originalEntities ? { entities: originalEntities as WireMessage['entities'] } : {}),
    ...(Object.keys(extra).length > 0 ? { extra } : { extra: undefined }),
    ...(original?.service ? { service: original.service } : {}),
    platform: chat.platform as WireMessage['platform'],
    chatId: chat.chatId,
    ...(chat.title !== undefined ? { chatTitle: chat.title } : {}),
    messageId: m.messageId[i]!,
    kind: m.kind[i] as WireMessage['kind'],
    sender: sender === null ? null : { id: sender.id, name: sender.name },
    sentAt: m.sentAt[i]!,
    editedAt: m.editedAt[i] ?? null,
    text: original?.text ?? m.text[i]!,
  };
}

/**
 * Writes a batch in one set-based statement: its messages, the decisions they point at, their findings, their
 * attachment references and, for quarantined messages, a review item. A message already in the store (same
 * agency, platform, source chat and source message id), or a copy of one the gateway itself sent, is left out;
 * only the newly stored rows come back, in id order. Decisions are written only when a new message uses them.
 * Which of the others edit a stored message is the caller's follow-up, in the same transaction (src/store/edits.ts).
 *
 * One statement rather than one per table: every table's rows join the new messages inside the database, so no
 * message id travels to the client and back, and the whole batch costs one round trip.
 */
export async function writeDelivery(db: Queryable, delivery: Delivery): Promise<DeliveredRow[]> {
  const kept = firstOfEachKey(delivery.batch);
  const batch = kept ? pickMessages(delivery.batch, kept) : delivery.batch;
  if (batchSize(batch) === 0) return [];
  const reviewAt = kept ? new Map(kept.map((old, i) => [old, i])) : null;
  const reviews = { message: [] as number[], sealed: [] as Buffer[] };
  delivery.reviews.message.forEach((message, j) => {
    const at = reviewAt ? reviewAt.get(message) : message;
    if (at === undefined) return;
    reviews.message.push(at + 1);
    reviews.sealed.push(delivery.reviews.sealedOriginal[j]!);
  });
  // the per-message echo probe is only paid for batches from chats the gateway has sent to
  const statement = (await sentToAny(db, batch.chats))
    ? DELIVERY_WITH_ECHO_CHECK
    : delivery.assumeNew
      ? DELIVERY_OF_NEW
      : DELIVERY;
  const values = [
    delivery.agencyId,
    delivery.importRunId,
    ...messageParameters(batch, delivery.nationalChatIds),
    binaryArray('int4', reviews.message),
    binaryArray('bytea', reviews.sealed),
    delivery.reviews.keyId,
  ];
  const result = await db.query<{ ords: string; ids: string }>({ ...statement, values });
  const { ords, ids } = result.rows[0] ?? { ords: '', ids: '' };
  if (!ords) return [];
  const idList = ids.split(',');
  return ords.split(',').map((ord, i) => {
    const index = Number(ord) - 1;
    return { index: kept ? kept[index]! : index, id: BigInt(idList[i]!) };
  });
}

/** Whether the gateway has sent anything into one of these foreign chats (whose copies could come back). */
async function sentToAny(db: Queryable, chats: DeliveryBatch['chats']): Promise<boolean> {
  const result = await db.query({
    name: 'aitu-sent-to-any',
    text: `SELECT 1 FROM outbound_attempts o JOIN unnest($1::text[], $2::text[]) AS c(platform, chat_id)
              ON o.target_platform = c.platform AND o.target_chat_id = c.chat_id
            WHERE o.status = 'sent' LIMIT 1`,
    values: [
      binaryArray(
        'text',
        chats.map((c) => c.platform),
      ),
      binaryArray(
        'text',
        chats.map((c) => c.chatId),
      ),
    ],
  });
  return (result.rowCount ?? 0) > 0;
}

/** A batch may repeat a message (an export listing it twice): the first copy is the one delivered. Null: none. */
function firstOfEachKey(batch: DeliveryBatch): number[] | null {
  const { messageId } = batch.messages;
  const { platform, chatId } = messageChats(batch);
  const seen = new Set<string>();
  const kept: number[] = [];
  for (let i = 0; i < messageId.length; i++) {
    const key = `${platform[i]}\u0000${chatId[i]}\u0000${messageId[i]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(i);
  }
  return kept.length === messageId.length ? null : kept;
}

/** Each message's body as the store keeps it: with the chat's title as the message had it (kept once per chat on the queue). */
export function storedBodies(batch: DeliveryBatch): string[] {
  const { messages: m } = batch;
  const titled = batch.chats.map((c) => (c.title === undefined ? null : `{"chatTitle":${JSON.stringify(c.title)}`));
  return m.body.map((body, i) => {
    const title = titled[m.chat[i]!];
    return title === null || title === undefined ? body : body === '{}' ? `${title}}` : `${title},${body.slice(1)}`;
  });
}

/** $3…$38 of the statement, as binary arrays (src/store/binary-array.ts) of the types the statement casts them to. */
function messageParameters(batch: DeliveryBatch, nationalChatIds: readonly string[]): Buffer[] {
  const { messages: m, decisions: d, findings: f, attachments: a } = batch;
  const blobs = new Map<string, { size: number; mime: string | null }>();
  a.sha256.forEach((sha256, j) => {
    if (sha256) blobs.set(sha256, { size: a.size[j] ?? 0, mime: a.mime[j] ?? null });
  });
  const ordinals = (indexes: readonly number[]) =>
    binaryArray(
      'int4',
      indexes.map((i) => i + 1),
    );
  const bodies = storedBodies(batch);
  return [
    // $3…$7: the batch's chats (foreign and national) and senders, once each: the messages point at them by ordinal
    binaryArray(
      'text',
      batch.chats.map((c) => c.platform),
    ),
    binaryArray(
      'text',
      batch.chats.map((c) => c.chatId),
    ),
    binaryArray('uuid', nationalChatIds),
    binaryArray(
      'text',
      batch.senders.map((s) => s.id),
    ),
    binaryArray(
      'text',
      batch.senders.map((s) => s.name),
    ),
    // $8…$17: the messages
    ordinals(m.chat),
    binaryArray(
      'int4',
      m.sender.map((s) => (s === null ? null : s + 1)),
    ),
    binaryArray('text', m.messageId),
    binaryArray('timestamptz', m.sentAt),
    binaryArray('timestamptz', m.editedAt),
    binaryArray('text', m.kind),
    binaryArray('text', m.text),
    binaryArray('jsonb', bodies),
    binaryArray('bool', m.redacted),
    ordinals(m.decision),
    // $18…$21: the batch's decisions
    binaryArray(
      'text',
      d.map((x) => x.action),
    ),
    binaryArray(
      'text',
      d.map((x) => x.rule),
    ),
    binaryArray(
      'text',
      d.map((x) => x.categories.join(',')),
    ),
    binaryArray(
      'jsonb',
      d.map((x) => JSON.stringify(x.reasons)),
    ),
    // $22…$28: findings
    ordinals(f.message),
    binaryArray('text', f.category),
    binaryArray('int4', f.start),
    binaryArray('int4', f.end),
    binaryArray('float8', f.confidence),
    binaryArray('text', f.detector),
    binaryArray('jsonb', f.explanation),
    // $29…$35: attachment references
    ordinals(a.message),
    binaryArray('int4', a.position),
    binaryArray('text', a.name),
    binaryArray('text', a.mime),
    binaryArray('int8', a.size),
    binaryArray('text', a.sha256),
    binaryArray('bool', a.missing),
    // $36…$38: attachment blobs (the bytes are already in the content-addressed store)
    binaryArray('text', [...blobs.keys()]),
    binaryArray(
      'int8',
      [...blobs.values()].map((b) => b.size),
    ),
    binaryArray(
      'text',
      [...blobs.values()].map((b) => b.mime),
    ),
  ];
}

const deliverySql = (withEchoCheck: boolean, skipDuplicates = true) => `
WITH input AS (
  SELECT ($3::text[])[t.chat] AS platform, ($4::text[])[t.chat] AS source_chat_id, t.source_message_id, ($5::uuid[])[t.chat] AS chat_id,
         ($6::text[])[t.sender] AS sender_id, ($7::text[])[t.sender] AS sender_name, t.sent_at, t.edited_at, t.kind, t.text, t.body,
         t.redacted, t.decision, t.ord
    FROM unnest($8::int[], $9::int[], $10::text[], $11::timestamptz[], $12::timestamptz[], $13::text[], $14::text[], $15::jsonb[],
                $16::bool[], $17::int[])
         WITH ORDINALITY AS t(chat, sender, source_message_id, sent_at, edited_at, kind, text, body, redacted, decision, ord)
),
decision_ids AS MATERIALIZED (
  -- ids drawn before the messages are written, so each message can carry its decision's id
  SELECT nextval('decisions_id_seq') AS id, d.*
    FROM unnest($18::text[], $19::text[], $20::text[], $21::jsonb[]) WITH ORDINALITY AS d(action, rule, categories, reasons, ord)
),
inserted AS (
  INSERT INTO messages (agency_id, platform, source_chat_id, source_message_id, chat_id, sender_id, sender_name, sent_at, edited_at,
                        kind, text, body, redacted, import_run_id, decision_id)
  SELECT $1::uuid, i.platform, i.source_chat_id, i.source_message_id, i.chat_id, i.sender_id, i.sender_name, i.sent_at, i.edited_at,
         i.kind, i.text, i.body, i.redacted, $2::uuid, d.id
    FROM input i
    JOIN decision_ids d ON d.ord = i.decision
    ${
      withEchoCheck
        ? `-- a copy of a message the gateway itself sent (matched by the id its bridge returned) is never bridged back
    LEFT JOIN LATERAL (
      SELECT true AS own FROM outbound_attempts o
       WHERE o.status = 'sent' AND o.target_platform = i.platform AND o.target_chat_id = i.source_chat_id AND o.foreign_message_id = i.source_message_id
       LIMIT 1) echo ON true
   WHERE echo.own IS NULL`
        : ''
    }
  ${skipDuplicates ? 'ON CONFLICT (agency_id, platform, source_chat_id, source_message_id) DO NOTHING' : ''}
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
  RETURNING id, categories
),
findings_written AS (
  INSERT INTO findings (message_id, category, start, "end", confidence, detector, explanation)
  SELECT n.id, f.category, f.start, f."end", f.confidence, f.detector, f.explanation
    FROM unnest($22::int[], $23::text[], $24::int[], $25::int[], $26::float8[], $27::text[], $28::jsonb[])
           AS f(ord, category, start, "end", confidence, detector, explanation)
    JOIN new_rows n ON n.ord = f.ord
),
blobs_written AS (
  INSERT INTO attachment_blobs (sha256, size, mime)
  SELECT * FROM unnest($36::text[], $37::bigint[], $38::text[])
  ON CONFLICT (sha256) DO NOTHING
),
attachments_written AS (
  INSERT INTO message_attachments (message_id, position, name, mime, size, sha256, missing)
  SELECT n.id, a.position, a.name, a.mime, a.size, a.sha256, a.missing
    FROM unnest($29::int[], $30::int[], $31::text[], $32::text[], $33::bigint[], $34::text[], $35::bool[])
           AS a(ord, position, name, mime, size, sha256, missing)
    JOIN new_rows n ON n.ord = a.ord
),
reviews_opened AS (
  INSERT INTO review_items (id, agency_id, message_id, status, categories, original, key_id)
  SELECT gen_random_uuid(), $1::uuid, n.id, 'open', d.categories, r.original, $41
    FROM unnest($39::int[], $40::bytea[]) AS r(ord, original)
    JOIN new_rows n ON n.ord = r.ord
    JOIN inserted m ON m.id = n.id
    JOIN decisions_written d ON d.id = m.decision_id
)
SELECT coalesce(string_agg(ord::text, ',' ORDER BY id), '') AS ords, coalesce(string_agg(id::text, ',' ORDER BY id), '') AS ids
  FROM new_rows`;

// Named, so each connection parses and plans the statement once instead of once per batch (what that saved:
// docs/benchmarks.md). The generic plan keeps the hash joins (checked with auto_explain), since every join here
// is an equality on a CTE or unnest.
const DELIVERY = { name: 'aitu-deliver', text: deliverySql(false) };
const DELIVERY_WITH_ECHO_CHECK = { name: 'aitu-deliver-echo-check', text: deliverySql(true) };
// Without ON CONFLICT: PostgreSQL then searches the unique key once per row instead of twice (a speculative
// pre-check, then the insertion), which a first import need not pay (docs/benchmarks.md).
const DELIVERY_OF_NEW = { name: 'aitu-deliver-new', text: deliverySql(false, false) };
