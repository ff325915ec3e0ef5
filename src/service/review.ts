import type pg from 'pg';
import { noteDigest } from '../audit/fields.ts';
import { writeAudit } from '../audit/log.ts';
import {
  canSeeAgency,
  canViewOriginal,
  decisionRefusalOf,
  ForbiddenError,
  requireRole,
  visibleAgencies,
  type Actor,
} from '../auth/roles.ts';
import { GatewayError, NotFoundError, UsageError } from '../core/errors.ts';
import type { Keyring } from '../core/keys.ts';
import type { OriginalMessage } from '../core/original.ts';
import {
  applyDecision,
  lockReviewItem,
  markEscalated,
  type Decision,
  type LockedItem,
  type Outcome,
} from '../review/decide.ts';
import {
  countReviewItems,
  getReviewItem,
  listReviewItems,
  readConversation,
  requireStatus,
  tallyReviewItems,
  type ContextMessage,
  type ReviewFilter,
  type ReviewItemView,
  type ReviewScope,
} from '../review/items.ts';
import { openOriginalMessage, readSealedOriginal } from '../review/originals.ts';
import { inTransaction, type Store } from '../store/database.ts';

/**
 * The review queue as a person works it, whichever front end they use: each operation checks the actor's role, keeps
 * to the agencies they may see (an item of another agency is reported exactly like an unknown id) and writes its
 * audit entry. The key file is opened only for an operation that decrypts, and only after its checks passed.
 */

/** Opens the keyring on first use (a session's `keyring`). */
export type KeyringSource = () => Promise<Keyring>;

const REVIEWERS = ['officer', 'auditor', 'admin'] as const;
const DECIDERS = ['officer', 'admin'] as const;

/** The actor's view of the queue: the agencies they see, and those whose originals they may read. */
export function reviewScope(actor: Actor): ReviewScope {
  return { agencyIds: visibleAgencies(actor), readsOriginal: (agencyId) => canViewOriginal(actor, agencyId) };
}

/**
 * Review items the actor may see that match the filter, oldest message first (officers, auditors, admins); audited
 * with the filter (a chat only as given, since a chat's title may name a person) and the count.
 */
export async function listReview(
  store: Store,
  actor: Actor,
  filter: ReviewFilter,
  options: { limit?: number } = {},
): Promise<ReviewItemView[]> {
  requireRole(actor, REVIEWERS, 'list review items');
  if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit > 0))
    throw new UsageError('--limit must be a positive whole number');
  const items = await listReviewItems(store.pool, reviewScope(actor), filter, options);
  await writeAudit(store.pool, {
    actor,
    action: 'review.list',
    details: {
      filter: {
        agency: filter.agency,
        category: filter.category,
        status: filter.status,
        chat: filter.chat ? 'given' : undefined,
        since: filter.since?.toISOString(),
        until: filter.until?.toISOString(),
      },
      count: items.length,
    },
  });
  return items;
}

/**
 * How many items the actor may see match the filter, in all and per category (officers, auditors, admins). Counts
 * only, beside a listing that is itself audited: not audited on their own.
 */
export async function countReview(
  store: Store,
  actor: Actor,
  filter: ReviewFilter,
): Promise<{ total: number; byCategory: Record<string, number> }> {
  requireRole(actor, REVIEWERS, 'count review items');
  return countReviewItems(store.pool, reviewScope(actor), filter);
}

/**
 * The counts a queue page shows, in one statement (officers, auditors, admins): how many items the actor may see
 * match the filter, per category over the filter whatever its category (the page's category counts), and, for
 * those who may decide (officers, admins), how many a decision by the filter would touch, counted as
 * previewDecision counts them; null for anyone else. Not audited, as countReview and previewDecision are not.
 */
export async function countQueue(
  store: Store,
  actor: Actor,
  filter: ReviewFilter,
): Promise<{ total: number; byCategory: Record<string, number>; previewCount: number | null }> {
  requireRole(actor, REVIEWERS, 'count review items');
  const canDecide = (DECIDERS as readonly string[]).includes(actor.role);
  const tally = await tallyReviewItems(store.pool, reviewScope(actor), filter, {
    categoriesOf: 'any',
    decidableStatus: canDecide ? requireStatus(decisionFilter(filter).status!) : undefined,
  });
  return { total: tally.total, byCategory: tally.byCategory, previewCount: canDecide ? tally.decidable : null };
}

/** The items a decision by filter takes: open ones unless the filter names a status. */
export function decisionFilter(filter: ReviewFilter): ReviewFilter {
  return { ...filter, status: filter.status ?? 'open' };
}

/**
 * How many items a decision by this filter would touch (officers, admins), counted as decideReviewItems picks them,
 * so a person sees the number before confirming. Not audited: the decision is, item by item.
 */
export async function previewDecision(store: Store, actor: Actor, filter: ReviewFilter): Promise<number> {
  requireRole(actor, DECIDERS, 'decide review items');
  return (await countReviewItems(store.pool, reviewScope(actor), decisionFilter(filter))).total;
}

/**
 * One item as a screen shows it before anyone asks for the original (officers, auditors, admins): its redacted text
 * and findings, and the conversation around it, each neighbour redacted (readConversation). The original is never
 * decrypted here, whoever asks; audited as `review.show` with how many neighbours were shown.
 */
export async function showRedactedReviewItem(
  store: Store,
  actor: Actor,
  id: string,
  around: { before: number; after: number } = { before: 3, after: 3 },
): Promise<{ item: ReviewItemView; conversation: ContextMessage[] }> {
  requireRole(actor, REVIEWERS, 'show review items');
  const item = await getReviewItem(store.pool, reviewScope(actor), id);
  const conversation = await readConversation(store.pool, item, around);
  await writeAudit(store.pool, {
    actor,
    action: 'review.show',
    agencyId: item.agencyId,
    subject: item.id,
    details: { messageId: item.messageId, original: false, context: conversation.length - 1 },
  });
  return { item, conversation };
}

export interface ShownReviewItem {
  item: ReviewItemView;
  /** the decrypted original; null when the actor may not read it (an auditor, say) */
  original: OriginalMessage | null;
}

/**
 * One item with its findings and redacted text (officers, auditors, admins), and its decrypted original when the
 * actor may read it (an officer of its agency, an admin). Audited as `review.view-original` when the original is
 * returned, before it is (an original never reaches a screen without its entry), else as `review.show`.
 */
export async function showReviewItem(
  store: Store,
  actor: Actor,
  id: string,
  keyring: KeyringSource,
): Promise<ShownReviewItem> {
  requireRole(actor, REVIEWERS, 'show review items');
  const item = await getReviewItem(store.pool, reviewScope(actor), id);
  if (canViewOriginal(actor, item.agencyId))
    return { item, original: await openAudited(store.pool, actor, item, keyring) };
  await writeAudit(store.pool, {
    actor,
    action: 'review.show',
    agencyId: item.agencyId,
    subject: item.id,
    details: { messageId: item.messageId, original: false },
  });
  return { item, original: null };
}

/**
 * An item's decrypted original, asked for as such: only an officer of the item's agency or an admin; an auditor
 * is refused (ForbiddenError) whatever the agency, an officer of another agency is told there is no such item.
 * Audited as `review.view-original` before it is returned.
 */
export async function viewOriginal(
  store: Store,
  actor: Actor,
  id: string,
  keyring: KeyringSource,
): Promise<{ item: ReviewItemView; original: OriginalMessage }> {
  requireRole(actor, DECIDERS, 'view originals');
  const item = await getReviewItem(store.pool, reviewScope(actor), id);
  if (!canViewOriginal(actor, item.agencyId))
    throw new ForbiddenError(
      `${actor.name} (${actor.role}) may not view the original of review item ${item.id}`,
      actor.role === 'officer' ? 'agency' : 'role',
    );
  return { item, original: await openAudited(store.pool, actor, item, keyring) };
}

/** Decrypts the item's original, then records the view; nothing is returned without the entry. */
async function openAudited(
  pool: pg.Pool,
  actor: Actor,
  item: ReviewItemView,
  keyring: KeyringSource,
): Promise<OriginalMessage> {
  const original = openOriginalMessage(await keyring(), await readSealedOriginal(pool, item.id));
  await writeAudit(pool, {
    actor,
    action: 'review.view-original',
    agencyId: item.agencyId,
    subject: item.id,
    details: { messageId: item.messageId, keyId: item.keyId, status: item.status },
  });
  return original;
}

/**
 * Decides one item finally (see applyDecision for what each decision does), in one transaction with its
 * `review.decide` entry. Open items: an officer of the agency or an admin; escalated items: an admin only; decided
 * items: nobody (ForbiddenError naming why).
 */
export async function decideReviewItem(
  store: Store,
  actor: Actor,
  keyring: KeyringSource,
  id: string,
  decision: Decision,
  note?: string,
): Promise<Outcome> {
  requireRole(actor, DECIDERS, 'decide review items');
  return decideOne(store.pool, actor, await keyring(), id, decision, note);
}

async function decideOne(
  pool: pg.Pool,
  actor: Actor,
  keyring: Keyring,
  id: string,
  decision: Decision,
  note: string | undefined,
): Promise<Outcome> {
  return inTransaction(pool, async (client) => {
    const item = await lockVisible(client, actor, id);
    const refusal = decisionRefusalOf(actor, { agencyId: item.agency_id, status: item.status }, 'decide');
    if (refusal)
      throw new ForbiddenError(`review item ${item.id} cannot be decided: ${refusal.message}`, refusal.reason);
    const applied = await applyDecision(client, keyring, item, decision, actor.name, note);
    await writeAudit(client, {
      actor,
      action: 'review.decide',
      agencyId: item.agency_id,
      subject: item.id,
      details: {
        decision,
        from: item.status,
        to: applied.status,
        messageId: item.message_id,
        categories: item.categories ?? [],
        detectorFeedback: applied.detectorFeedback || undefined,
        withheldAttachments: applied.withheldAttachments || undefined,
        noteSha256: noteDigest(note),
      },
    });
    return { id: item.id, status: applied.status };
  });
}

/** The item, locked, when the actor may see its agency; otherwise reported exactly like an unknown id. */
async function lockVisible(client: pg.PoolClient, actor: Actor, id: string): Promise<LockedItem> {
  const item = await lockReviewItem(client, id);
  if (!item || !canSeeAgency(actor, item.agency_id))
    throw new NotFoundError(
      `no review item ${id} that you may see; list them with: aitu-gateway review list`,
      'review-item',
    );
  return item;
}

/** What a decision or escalation of several items did: one item's failure does not stop the others. */
export interface BatchOutcome {
  /** the items it was asked about (ids given, or the ones the filter matched) */
  targets: number;
  done: Outcome[];
  failed: { id: string; error: GatewayError }[];
}

/**
 * Decides the items named, or every item the filter matches that the actor may see (open ones unless the filter
 * says otherwise), each as decideReviewItem does: one transaction and one audit entry per item.
 */
export async function decideReviewItems(
  store: Store,
  actor: Actor,
  keyring: KeyringSource,
  which: { ids: readonly string[] } | { filter: ReviewFilter },
  decision: Decision,
  note?: string,
): Promise<BatchOutcome> {
  requireRole(actor, DECIDERS, 'decide review items');
  const ids =
    'ids' in which
      ? which.ids
      : (await listReviewItems(store.pool, reviewScope(actor), decisionFilter(which.filter))).map((item) => item.id);
  if (ids.length === 0) return { targets: 0, done: [], failed: [] };
  const keys = await keyring();
  return eachItem(ids, (id) => decideOne(store.pool, actor, keys, id, decision, note));
}

/** Hands an open item to the admins (an officer of its agency, an admin): an officer can no longer decide it. */
export async function escalateReviewItem(store: Store, actor: Actor, id: string, note?: string): Promise<Outcome> {
  requireRole(actor, DECIDERS, 'escalate review items');
  return escalateOne(store.pool, actor, id, note);
}

/** Escalates each item as escalateReviewItem does. */
export async function escalateReviewItems(
  store: Store,
  actor: Actor,
  ids: readonly string[],
  note?: string,
): Promise<BatchOutcome> {
  requireRole(actor, DECIDERS, 'escalate review items');
  return eachItem(ids, (id) => escalateOne(store.pool, actor, id, note));
}

async function escalateOne(pool: pg.Pool, actor: Actor, id: string, note: string | undefined): Promise<Outcome> {
  return inTransaction(pool, async (client) => {
    const item = await lockVisible(client, actor, id);
    const refusal = decisionRefusalOf(actor, { agencyId: item.agency_id, status: item.status }, 'escalate');
    if (refusal)
      throw new ForbiddenError(`review item ${item.id} cannot be escalated: ${refusal.message}`, refusal.reason);
    await markEscalated(client, item, actor.name, note);
    await writeAudit(client, {
      actor,
      action: 'review.escalate',
      agencyId: item.agency_id,
      subject: item.id,
      details: {
        from: item.status,
        messageId: item.message_id,
        categories: item.categories ?? [],
        noteSha256: noteDigest(note),
      },
    });
    return { id: item.id, status: 'escalated' };
  });
}

/** Runs the work for each item in turn; a refusal or bad id of one is kept, any other error stops the batch. */
async function eachItem(ids: readonly string[], work: (id: string) => Promise<Outcome>): Promise<BatchOutcome> {
  const outcome: BatchOutcome = { targets: ids.length, done: [], failed: [] };
  for (const id of ids) {
    try {
      outcome.done.push(await work(id));
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      outcome.failed.push({ id, error });
    }
  }
  return outcome;
}
