import type pg from 'pg';
import { NotFoundError, UsageError } from '../core/errors.ts';
import { classify, redact } from '../classifier/index.ts';
import { maskPersonalData } from '../core/mask.ts';

export const STATUSES = ['open', 'escalated', 'approved', 'redacted', 'rejected', 'false_positive'] as const;
export type ReviewStatus = (typeof STATUSES)[number];

export interface ReviewFilter {
  ids?: readonly string[];
  agency?: string;
  category?: string;
  status?: string;
  /** a national chat's title or id, or a foreign source chat id */
  chat?: string;
  /** items opened at or after */
  since?: Date;
  /** items opened before */
  until?: Date;
}

/**
 * What a reader may see of the review queue, as the service layer works it out from the actor: the agencies whose
 * items they see, and those whose originals they may read (and with them findings' full explanations and notes).
 */
export interface ReviewScope {
  /** null: every agency */
  agencyIds: readonly string[] | null;
  readsOriginal(agencyId: string): boolean;
}

export interface FindingView {
  category: string;
  detector: string;
  confidence: number;
  start: number;
  end: number;
  /**
   * As stored (scores, validator, term and context ids) for those who may read the item's original; for anyone
   * else (an auditor, an officer of another agency) the category and the rule only.
   */
  explanation: unknown;
}

/** What an officer sees of an item without its original: never the personal data itself. */
export interface ReviewItemView {
  id: string;
  agency: string;
  agencyId: string;
  status: ReviewStatus;
  categories: string[];
  messageId: string;
  platform: string;
  sourceChatId: string;
  chat: { id: string; title: string } | null;
  sender: { id: string; name: string | null } | null;
  sentAt: string;
  /** the redacted copy as it was delivered */
  redactedText: string;
  /** what the national store holds now: the redacted copy, the original (approved, false positive) or nothing (rejected) */
  delivered: 'redacted' | 'original' | 'withdrawn';
  keyId: string | null;
  openedAt: string;
  escalated: { at: string; by: string | null; note: string | null } | null;
  decided: { at: string; by: string | null; note: string | null } | null;
  findings: FindingView[];
  /** what the message's attachments hold, by attachment (its place in the message) and page; never their names */
  attachments: AttachmentView[];
}

export interface AttachmentView {
  /** 1-based place of the attachment in the message */
  position: number;
  /** read, not-readable (UNINSPECTED: `reason` says why), pending (not read yet), or not-held (bytes not in the store) */
  status: 'read' | 'not-readable' | 'pending' | 'not-held';
  reason: string | null;
  pages: number;
  findings: { page: number; category: string; detector: string; confidence: number }[];
  /** delivered as a copy with black boxes; the original is sealed (`review files`) */
  redacted: boolean;
}

/**
 * An attachment's findings counted by category and page, in the order first found (a staff list holds a thousand
 * IINs on one page: one line, not a thousand).
 */
export function findingsByPage(attachment: AttachmentView): { category: string; page: number; count: number }[] {
  const counts = new Map<string, { category: string; page: number; count: number }>();
  for (const f of attachment.findings) {
    const key = `${f.category}\u0000${f.page}`;
    const entry = counts.get(key) ?? { category: f.category, page: f.page, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  return [...counts.values()];
}

type ItemRow = {
  id: string;
  agency_id: string;
  slug: string;
  status: ReviewStatus;
  categories: string[] | null;
  key_id: string | null;
  created_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  note: string | null;
  escalated_at: Date | null;
  escalated_by: string | null;
  escalation_note: string | null;
  redacted_text: string | null;
  message_id: string;
  platform: string;
  source_chat_id: string;
  sender_id: string | null;
  sender_name: string | null;
  sent_at: Date;
  text: string;
  withdrawn: boolean;
  chat_id: string | null;
  chat_title: string | null;
};

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function requireItemId(id: string): string {
  if (!uuidPattern.test(id)) throw new UsageError(`"${id}" is not a review item id (a UUID, as review list prints)`);
  return id.toLowerCase();
}

export function requireStatus(status: string): ReviewStatus {
  if (!(STATUSES as readonly string[]).includes(status))
    throw new UsageError(`unknown status "${status}": use one of ${STATUSES.join(', ')}`);
  return status as ReviewStatus;
}

const selectItems = `
  SELECT r.id, r.agency_id, ag.slug, r.status, r.categories, r.key_id, r.created_at, r.decided_at, r.decided_by, r.note,
         r.escalated_at, r.escalated_by, r.escalation_note, r.redacted_text,
         m.id::text AS message_id, m.platform, m.source_chat_id, m.sender_id, m.sender_name, m.sent_at, m.text, m.withdrawn,
         c.id AS chat_id, c.title AS chat_title
    FROM review_items r
    JOIN messages m ON m.id = r.message_id
    JOIN agencies ag ON ag.id = r.agency_id
    LEFT JOIN chats c ON c.id = m.chat_id`;

/**
 * The SQL condition and parameters for a filter, limited to the scope's agencies (alias `r` for review_items), and
 * whether it reads the item's message (alias `m`). An agency is matched by its slug and a chat by its title or id
 * in subqueries, so a count joins nothing it does not filter on.
 */
function whereOf(
  scope: ReviewScope,
  filter: ReviewFilter,
  params: unknown[] = [],
): { sql: string; params: unknown[]; readsMessage: boolean } {
  const conditions: string[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    conditions.push(sql(`$${params.length}`));
  };
  if (scope.agencyIds) add((p) => `r.agency_id = ANY(${p}::uuid[])`, scope.agencyIds);
  if (filter.ids) add((p) => `r.id = ANY(${p}::uuid[])`, filter.ids.map(requireItemId));
  if (filter.agency) add((p) => `r.agency_id IN (SELECT id FROM agencies WHERE slug = ${p})`, filter.agency);
  if (filter.category) add((p) => `${p} = ANY(r.categories)`, filter.category.toUpperCase());
  if (filter.status) add((p) => `r.status = ${p}`, requireStatus(filter.status));
  // messages.chat_id is never null: a message's national chat always exists
  if (filter.chat)
    add(
      (p) => `(m.chat_id IN (SELECT id FROM chats WHERE title = ${p} OR id::text = ${p}) OR m.source_chat_id = ${p})`,
      filter.chat,
    );
  if (filter.since) add((p) => `r.created_at >= ${p}`, filter.since);
  if (filter.until) add((p) => `r.created_at < ${p}`, filter.until);
  return {
    sql: conditions.length ? `WHERE ${conditions.join(' AND ')}` : '',
    params,
    readsMessage: filter.chat !== undefined && filter.chat !== '',
  };
}

/** Review items in the scope that match the filter, oldest message first. */
export async function listReviewItems(
  db: Pick<pg.Pool, 'query'>,
  scope: ReviewScope,
  filter: ReviewFilter,
  options: { limit?: number } = {},
): Promise<ReviewItemView[]> {
  const { sql, params } = whereOf(scope, filter);
  const limit = options.limit ? ` LIMIT ${Math.max(1, Math.floor(options.limit))}` : '';
  const rows = (await db.query<ItemRow>(`${selectItems} ${sql} ORDER BY m.sent_at, r.id${limit}`, params)).rows;
  for (const row of rows) {
    // notes are free text a reviewer wrote and may quote the original: only those who may read it see them whole
    if (!scope.readsOriginal(row.agency_id)) {
      row.note = row.note === null ? null : maskNote(row.note);
      row.escalation_note = row.escalation_note === null ? null : maskNote(row.escalation_note);
    }
  }
  return withFindings(db, rows, (row) => scope.readsOriginal(row.agency_id));
}

function maskNote(note: string): string {
  return maskPersonalData(redact(note, classify(note), { kind: 'tag' }));
}

/** One item in the scope; an item of another agency is reported exactly like an unknown id. */
export async function getReviewItem(
  db: Pick<pg.Pool, 'query'>,
  scope: ReviewScope,
  id: string,
): Promise<ReviewItemView> {
  const [item] = await listReviewItems(db, scope, { ids: [id] });
  if (!item)
    throw new NotFoundError(
      `no review item ${id} that you may see; list them with: aitu-gateway review list`,
      'review-item',
    );
  return item;
}

/** How many items in the scope match the filter, in all and per category (an item counts once in each of its). */
export async function countReviewItems(
  db: Pick<pg.Pool, 'query'>,
  scope: ReviewScope,
  filter: ReviewFilter,
): Promise<{ total: number; byCategory: Record<string, number> }> {
  const { total, byCategory } = await tallyReviewItems(db, scope, filter, { categoriesOf: 'filter' });
  return { total, byCategory };
}

export interface ReviewTally {
  /** items that match the filter */
  total: number;
  /** of those, the ones in `decidableStatus` (as a decision by the filter picks them); 0 when none was given */
  decidable: number;
  /** per category (an item counts once in each of its), over the items `categoriesOf` says */
  byCategory: Record<string, number>;
}

/**
 * The review queue's counts from one statement: how many items match the filter, how many of them are in
 * `decidableStatus`, and per category either over the same items (`filter`) or over the items that match the filter
 * whatever their category (`any`: the counts beside a queue filtered by one category). The statement groups the
 * items by status and category set (a handful of groups however long the queue); the sums are taken here.
 */
export async function tallyReviewItems(
  db: Pick<pg.Pool, 'query'>,
  scope: ReviewScope,
  filter: ReviewFilter,
  options: { categoriesOf: 'filter' | 'any'; decidableStatus?: ReviewStatus },
): Promise<ReviewTally> {
  const category = filter.category ? filter.category.toUpperCase() : null;
  const { sql, params, readsMessage } = whereOf(scope, { ...filter, category: undefined });
  const from = readsMessage ? 'review_items r JOIN messages m ON m.id = r.message_id' : 'review_items r';
  const groups = await db.query<{ status: ReviewStatus; categories: string[] | null; n: number }>(
    `SELECT r.status, r.categories, count(*)::int AS n FROM ${from} ${sql} GROUP BY r.status, r.categories`,
    params,
  );
  const tally: ReviewTally = { total: 0, decidable: 0, byCategory: {} };
  const byCategory = new Map<string, number>();
  for (const group of groups.rows) {
    const categories = new Set(group.categories ?? []);
    const inFilter = category === null || categories.has(category);
    if (inFilter) tally.total += group.n;
    if (inFilter && group.status === options.decidableStatus) tally.decidable += group.n;
    if (!inFilter && options.categoriesOf === 'filter') continue;
    for (const c of categories) byCategory.set(c, (byCategory.get(c) ?? 0) + group.n);
  }
  tally.byCategory = Object.fromEntries([...byCategory].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return tally;
}

/** A message near a review item's, as anyone who may see the item sees it: its delivered text, redacted again. */
export interface ContextMessage {
  messageId: string;
  sender: string | null;
  sentAt: string;
  /** the delivered text with any personal data the classifier finds replaced by its category's tag */
  text: string;
  withdrawn: boolean;
  /** the item's own message */
  current: boolean;
}

/**
 * The conversation around an item: up to `before` messages of its national chat (where history and live messages
 * land together) sent before it, the message itself and up
 * to `after` after it, in order. Each text is the delivered copy (redacted already where policy said so) and is
 * redacted once more here, tags for every finding, so an allowed phone number in a neighbour does not show either.
 */
export async function readConversation(
  db: Pick<pg.Pool, 'query'>,
  item: Pick<ReviewItemView, 'messageId'>,
  around: { before: number; after: number },
): Promise<ContextMessage[]> {
  const rows = await db.query<{
    id: string;
    sender_name: string | null;
    sender_id: string | null;
    sent_at: Date;
    text: string;
    withdrawn: boolean;
  }>(
    // the neighbours in LATERAL subqueries: the chat is then a known value when each is planned, so they read the
    // (chat_id, sent_at) index, not every message in time order (messages_sent_at_idx) looking for the chat
    `WITH me AS (SELECT id, chat_id, sent_at FROM messages WHERE id = $1)
     SELECT * FROM (
       (SELECT b.* FROM me CROSS JOIN LATERAL (
          SELECT m.id::text, m.sender_name, m.sender_id, m.sent_at, m.text, m.withdrawn FROM messages m
           WHERE m.chat_id = me.chat_id AND (m.sent_at, m.id) < (me.sent_at, me.id)
           ORDER BY m.sent_at DESC, m.id DESC LIMIT $2) b)
       UNION ALL
       (SELECT m.id::text, m.sender_name, m.sender_id, m.sent_at, m.text, m.withdrawn FROM messages m, me
         WHERE m.id = me.id)
       UNION ALL
       (SELECT a.* FROM me CROSS JOIN LATERAL (
          SELECT m.id::text, m.sender_name, m.sender_id, m.sent_at, m.text, m.withdrawn FROM messages m
           WHERE m.chat_id = me.chat_id AND (m.sent_at, m.id) > (me.sent_at, me.id)
           ORDER BY m.sent_at, m.id LIMIT $3) a)
     ) around ORDER BY sent_at, id::bigint`,
    [item.messageId, around.before, around.after],
  );
  return rows.rows.map((r) => ({
    messageId: r.id,
    sender: r.sender_name ?? r.sender_id,
    sentAt: r.sent_at.toISOString(),
    text: r.withdrawn ? '' : maskPersonalData(redact(r.text, classify(r.text), { kind: 'tag' })),
    withdrawn: r.withdrawn,
    current: r.id === item.messageId,
  }));
}

async function withFindings(
  db: Pick<pg.Pool, 'query'>,
  rows: readonly ItemRow[],
  mayReadOriginal: (row: ItemRow) => boolean,
): Promise<ReviewItemView[]> {
  if (rows.length === 0) return [];
  const findings = await db.query<FindingView & { message_id: string }>(
    `SELECT message_id::text, category, detector, confidence, start, "end", explanation FROM findings WHERE message_id = ANY($1::bigint[]) ORDER BY message_id, start`,
    [rows.map((r) => r.message_id)],
  );
  const byMessage = new Map<string, FindingView[]>();
  for (const { message_id: messageId, ...finding } of findings.rows) {
    const list = byMessage.get(messageId) ?? [];
    list.push(finding);
    byMessage.set(messageId, list);
  }
  const attachments = await attachmentsOf(
    db,
    rows.map((r) => r.message_id),
  );
  return rows.map((r) => ({
    id: r.id,
    agency: r.slug,
    agencyId: r.agency_id,
    status: r.status,
    categories: r.categories ?? [],
    messageId: r.message_id,
    platform: r.platform,
    sourceChatId: r.source_chat_id,
    chat: r.chat_id ? { id: r.chat_id, title: r.chat_title ?? '' } : null,
    sender: r.sender_id ? { id: r.sender_id, name: r.sender_name } : null,
    sentAt: r.sent_at.toISOString(),
    // once a decision changed the delivered message, the redacted copy is the one kept on the item
    redactedText: r.redacted_text ?? r.text,
    delivered: r.withdrawn
      ? 'withdrawn'
      : r.status === 'approved' || r.status === 'false_positive'
        ? 'original'
        : 'redacted',
    keyId: r.key_id,
    openedAt: r.created_at.toISOString(),
    escalated: r.escalated_at
      ? { at: r.escalated_at.toISOString(), by: r.escalated_by, note: r.escalation_note }
      : null,
    decided: r.decided_at ? { at: r.decided_at.toISOString(), by: r.decided_by, note: r.note } : null,
    findings: mayReadOriginal(r)
      ? (byMessage.get(r.message_id) ?? [])
      : (byMessage.get(r.message_id) ?? []).map(withoutDetail),
    attachments: attachments.get(r.message_id) ?? [],
  }));
}

/** Each message's attachments with what reading them found (categories, pages, detectors; no names, no values). */
async function attachmentsOf(db: Pick<pg.Pool, 'query'>, messageIds: readonly string[]) {
  const rows = await db.query<{
    message_id: string;
    position: number;
    held: boolean;
    status: string | null;
    reason: string | null;
    pages: number | null;
    findings: AttachmentView['findings'] | null;
    redacted: boolean;
  }>(
    `SELECT a.message_id::text, a.position, a.sha256 IS NOT NULL AND NOT a.missing AS held, i.status, i.reason, i.pages,
            a.redacted_sha256 IS NOT NULL AS redacted,
            (SELECT json_agg(json_build_object('page', f.page, 'category', f.category, 'detector', f.detector,
                                               'confidence', f.confidence) ORDER BY f.page, f.start)
               FROM attachment_findings f WHERE f.agency_id = i.agency_id AND f.sha256 = i.sha256) AS findings
       FROM message_attachments a JOIN messages m ON m.id = a.message_id
       LEFT JOIN attachment_inspections i ON i.agency_id = m.agency_id AND i.sha256 = a.sha256
      WHERE a.message_id = ANY($1::bigint[]) ORDER BY a.message_id, a.position`,
    [messageIds],
  );
  const byMessage = new Map<string, AttachmentView[]>();
  for (const r of rows.rows) {
    const status = !r.held
      ? 'not-held'
      : r.status === null
        ? 'pending'
        : r.status === 'inspected'
          ? 'read'
          : 'not-readable';
    const list = byMessage.get(r.message_id) ?? [];
    const { reason, redacted } = r;
    list.push({ position: r.position + 1, status, reason, pages: r.pages ?? 0, findings: r.findings ?? [], redacted });
    byMessage.set(r.message_id, list);
  }
  return byMessage;
}

/** A finding for someone who may not read the original: its explanation names the category and the rule only. */
function withoutDetail(finding: FindingView): FindingView {
  return { ...finding, explanation: { category: finding.category, rule: finding.detector } };
}

/** `category=HEALTH,chat=…,status=open,agency=…` → a filter (decisions by filter default to open items). */
export function parseFilter(text: string): ReviewFilter {
  const filter: ReviewFilter = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0)
      throw new UsageError(`--filter "${part}": expected key=value (keys: category, chat, status, agency, since)`);
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!value) throw new UsageError(`--filter ${key}= needs a value`);
    switch (key) {
      case 'category':
        filter.category = value.toUpperCase();
        break;
      case 'chat':
        filter.chat = value;
        break;
      case 'status':
        filter.status = requireStatus(value);
        break;
      case 'agency':
        filter.agency = value;
        break;
      case 'since':
        filter.since = parseSince(value);
        break;
      default:
        throw new UsageError(`--filter: unknown key "${key}" (keys: category, chat, status, agency, since)`);
    }
  }
  return filter;
}

export function parseSince(value: string): Date {
  const at = new Date(value);
  if (Number.isNaN(at.getTime()))
    throw new UsageError(`--since "${value}" is not a date or time (e.g. 2024-02-01 or 2024-02-01T09:00:00Z)`);
  return at;
}
