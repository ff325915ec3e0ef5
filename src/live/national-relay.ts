import { createHash } from 'node:crypto';
import type pg from 'pg';
import { SendOutcomeUnknownError } from '../core/bridge.ts';
import type { NationalPoster, OutgoingAttachment } from '../core/connector.ts';
import { blobPath } from '../store/attachments.ts';

type Db = Pick<pg.Pool | pg.PoolClient, 'query'>;

/**
 * Relay into the national messenger (Aitu): a stored message of a national chat mapped to an Aitu group is posted
 * there by the agency's bot as "Name (Telegram): text". The store decides what the post shows — the delivered copy
 * (a quarantined message's redacted copy; the original once approved), nothing once the message is withdrawn
 * (deleted on its side, or rejected in review) — and each relay job brings the post in line with it: post, edit or
 * delete. Jobs carry store ids only, so a repeated or reordered job does no harm.
 */

/**
 * Live messages of the last day in chats mapped to an Aitu group (since the mapping) that have no post yet: their
 * relay jobs were lost (a process killed between the batch's commit and the jobs, Redis restarted without
 * persistence). Read when `bridge aitu` starts; asking again for a message already being relayed does nothing.
 */
export async function unrelayedMessages(pool: pg.Pool, agencyId: string): Promise<string[]> {
  const rows = await pool.query<{ id: string }>(
    `SELECT m.id::text AS id FROM messages m
       JOIN chat_sources s ON s.agency_id = m.agency_id AND s.chat_id = m.chat_id AND s.platform = 'aitu'
      WHERE m.agency_id = $1 AND m.import_run_id IS NULL AND m.platform <> 'aitu' AND m.kind = 'message'
        AND NOT m.withdrawn AND NOT m.blocked AND m.sent_at > greatest(s.created_at, now() - interval '1 day')
        AND NOT EXISTS (SELECT 1 FROM aitu_posts p WHERE p.message_id = m.id)
      ORDER BY m.id`,
    [agencyId],
  );
  return rows.rows.map((r) => r.id);
}

/** What the Aitu post of a message should show: its parts and media, or nothing (deleted). */
export interface DesiredPost {
  groups: string[];
  parts: string[];
  media: OutgoingAttachment[];
}

interface MessageRow {
  agency_id: string;
  platform: string;
  sender_name: string | null;
  text: string;
  withdrawn: boolean;
  /** blocked from processing at a data subject's request: taken down like a withdrawn message */
  blocked: boolean;
  inspection: string | null;
  pending_review: boolean;
  has_files: boolean;
}

/** The post the store asks for; `parts` empty when the message is withdrawn. Null: no such message. */
export async function desiredPost(
  db: Db,
  dataDir: string,
  messageId: string,
  maxContent: number,
): Promise<DesiredPost | null> {
  const found = await db.query<MessageRow & { groups: string[] }>(
    `SELECT m.agency_id, m.platform, m.sender_name, m.text, m.withdrawn, m.blocked, m.inspection,
            EXISTS (SELECT 1 FROM review_items r WHERE r.message_id = m.id AND r.status IN ('open', 'escalated')) AS pending_review,
            EXISTS (SELECT 1 FROM message_attachments a WHERE a.message_id = m.id AND a.sha256 IS NOT NULL) AS has_files,
            ARRAY(SELECT s.source_chat_id FROM chat_sources s WHERE s.agency_id = m.agency_id AND s.chat_id = m.chat_id AND s.platform = 'aitu' ORDER BY 1) AS groups
       FROM messages m WHERE m.id = $1`,
    [messageId],
  );
  const m = found.rows[0];
  // its attachments are still being read: relayed once the decision covers them (the extract stage asks again)
  if (!m || m.inspection === 'pending') return null;
  if (m.withdrawn || m.blocked) return { groups: m.groups, parts: [], media: [] };
  // a message waiting for review shows its redacted text only: its files are not shown until a person approves
  const media = m.pending_review || !m.has_files ? [] : await mediaOf(db, dataDir, messageId);
  const content = relayedContent(m.sender_name?.trim() || 'Unknown', m.platform, m.text);
  return { groups: m.groups, parts: splitContent(content, maxContent), media };
}

async function mediaOf(db: Db, dataDir: string, messageId: string): Promise<OutgoingAttachment[]> {
  // a file redacted with black boxes is relayed as its redacted copy, never as the original
  const rows = await db.query<{ name: string; mime: string | null; sha256: string }>(
    `SELECT a.name, coalesce(b.mime, a.mime) AS mime, coalesce(a.redacted_sha256, a.sha256) AS sha256
       FROM message_attachments a LEFT JOIN attachment_blobs b ON b.sha256 = a.redacted_sha256
      WHERE a.message_id = $1 AND a.sha256 IS NOT NULL AND NOT a.missing AND NOT a.withheld ORDER BY a.position`,
    [messageId],
  );
  return rows.rows.map((r) => ({
    path: blobPath(dataDir, r.sha256),
    name: r.name,
    ...(r.mime ? { mime: r.mime } : {}),
    kind: r.mime?.startsWith('image/') ? ('photo' as const) : ('document' as const),
  }));
}

/** What a relayed post says: "Name (Telegram): text". */
export function relayedContent(author: string, platform: string, text: string): string {
  const label = platform === 'whatsapp' ? 'WhatsApp' : platform === 'telegram' ? 'Telegram' : platform;
  return text ? `${author} (${label}): ${text}` : `${author} (${label})`;
}

/**
 * Splits a text into parts of at most `max` characters, in order: at the last line break or space in a part's
 * final quarter, else at the limit (never inside a surrogate pair).
 */
export function splitContent(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const space = Math.max(rest.lastIndexOf('\n', max), rest.lastIndexOf(' ', max));
    if (space >= max * 0.75) {
      parts.push(rest.slice(0, space));
      rest = rest.slice(space + 1);
      continue;
    }
    const high = rest.charCodeAt(max - 1);
    const cut = high >= 0xd800 && high <= 0xdbff ? max - 1 : max;
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  parts.push(rest);
  return parts;
}

/** The bot's localId for a part of a message's post in a group: stable across retries and restarts. */
export function localIdOf(messageId: string, groupId: string, part: number): string {
  const group = createHash('sha256').update(groupId).digest('hex').slice(0, 12);
  return `agw-m${messageId}-g${group}-p${part}`;
}

function digestOf(content: string, media: readonly OutgoingAttachment[]): string {
  const hash = createHash('sha256').update(content);
  for (const file of media) hash.update('\u0000').update(file.path);
  return hash.digest('hex');
}

/** A post sent without a known outcome, waiting for Aitu's MessageIdAssigned before anything is sent again. */
export class AwaitingAssignmentError extends Error {
  constructor(localId: string) {
    super(`Aitu post ${localId}: waiting for MessageIdAssigned before sending again`);
    this.name = 'AwaitingAssignmentError';
  }
}

/**
 * A post Aitu answered 200 whose MessageIdAssigned never came within the wait (a bridge killed with the id in flight:
 * Aitu's updates have no acknowledgement). It is in the group once; it cannot be edited or deleted.
 */
export class PostIdLostError extends Error {
  constructor(readonly localId: string) {
    super(`Aitu post ${localId} was posted, but its id never came: it cannot be edited or deleted`);
    this.name = 'PostIdLostError';
  }
}

/** A group is over its rate: try again after `waitMs`. */
export class GroupLimitedError extends Error {
  constructor(readonly waitMs: number) {
    super(`the Aitu group's rate limit: again in ${waitMs} ms`);
    this.name = 'GroupLimitedError';
  }
}

interface PostRow {
  local_id: string;
  part: number;
  state: string;
  content_digest: string;
  aitu_message_id: string | null;
  waited_ms: number;
}

export interface SyncContext {
  db: Db;
  poster: NationalPoster;
  agencyId: string;
  /** how long a post sent without an answer waits for MessageIdAssigned before it is sent again */
  assignWaitMs: number;
  /** takes one of the group's tokens; returns 0, or the milliseconds until one is free */
  takeToken(groupId: string): Promise<number>;
}

/**
 * Brings the Aitu posts of one stored message in line with the store. Throws AwaitingAssignmentError or
 * GroupLimitedError for the job to be tried again later, RateLimitedError on Aitu's 429; every step is recorded
 * before the next, so a retry picks up where this one stopped.
 */
export async function syncMessagePost(context: SyncContext, dataDir: string, messageId: string): Promise<void> {
  const desired = await desiredPost(context.db, dataDir, messageId, context.poster.maxContent);
  if (!desired) return;
  for (const groupId of desired.groups) await syncGroup(context, messageId, groupId, desired);
}

async function postsOf(db: Db, messageId: string, groupId: string): Promise<PostRow[]> {
  const rows = await db.query<PostRow>(
    `SELECT local_id, part, state, content_digest, aitu_message_id,
            (extract(epoch FROM now() - sent_at) * 1000)::int AS waited_ms
       FROM aitu_posts WHERE message_id = $1 AND group_id = $2 ORDER BY part`,
    [messageId, groupId],
  );
  return rows.rows;
}

async function syncGroup(context: SyncContext, messageId: string, groupId: string, desired: DesiredPost) {
  const posts = await postsOf(context.db, messageId, groupId);
  for (let part = 0; part < desired.parts.length; part++) {
    const media = part === 0 ? desired.media : [];
    const content = desired.parts[part]!;
    const post = posts.find((p) => p.part === part);
    const digest = digestOf(content, media);
    if (!post) await sendPart(context, { messageId, groupId, part, content, media, digest, localId: null });
    else if (!post.aitu_message_id)
      await resendIfLost(context, post, { messageId, groupId, part, content, media, digest });
    else if (post.state !== 'deleted' && post.content_digest !== digest)
      await editPart(context, groupId, post, content, media, digest);
  }
  for (const post of posts)
    if (post.part >= desired.parts.length && post.state !== 'deleted') await deletePart(context, groupId, post);
}

interface PartToSend {
  messageId: string | null;
  groupId: string;
  part: number;
  content: string;
  media: readonly OutgoingAttachment[];
  digest: string;
  replyTo?: string;
  /** an existing row's localId (a resend); null: a new post */
  localId: string | null;
}

async function takeOrWait(context: SyncContext, groupId: string): Promise<void> {
  const wait = await context.takeToken(groupId);
  if (wait > 0) throw new GroupLimitedError(wait);
}

/**
 * Records the post as `sending` before the request goes out, then `sent`. A request certainly refused (429, 4xx,
 * unreachable) leaves no record of a new post; one whose answer is unknown stays `sending` for MessageIdAssigned.
 */
export async function sendPart(context: SyncContext, p: PartToSend, localIdFor = localIdOf): Promise<void> {
  await takeOrWait(context, p.groupId);
  const localId = p.localId ?? localIdFor(p.messageId ?? '', p.groupId, p.part);
  if (p.localId) await context.db.query(`UPDATE aitu_posts SET sent_at = now() WHERE local_id = $1`, [localId]);
  else
    await context.db.query(
      `INSERT INTO aitu_posts (local_id, message_id, agency_id, group_id, part, state, content_digest)
       VALUES ($1, $2, $3, $4, $5, 'sending', $6) ON CONFLICT (local_id) DO NOTHING`,
      [localId, p.messageId, context.agencyId, p.groupId, p.part, p.digest],
    );
  try {
    await context.poster.post(p.groupId, localId, p.content, {
      media: p.media,
      ...(p.replyTo ? { replyTo: p.replyTo } : {}),
    });
  } catch (error) {
    if (error instanceof SendOutcomeUnknownError) throw new AwaitingAssignmentError(localId);
    // certainly not posted: a new post leaves no trace, a resend stays `sending` to be tried again
    if (!p.localId)
      await context.db.query(`DELETE FROM aitu_posts WHERE local_id = $1 AND aitu_message_id IS NULL`, [localId]);
    throw error;
  }
  await context.db.query(`UPDATE aitu_posts SET state = 'sent' WHERE local_id = $1 AND state = 'sending'`, [localId]);
}

/** A post without its Aitu id: wait for MessageIdAssigned; a request that got no answer is sent again only after the wait. */
async function resendIfLost(context: SyncContext, post: PostRow, p: Omit<PartToSend, 'localId'>): Promise<void> {
  // a post not yet old enough may still be assigned; one answered 200 is in Aitu, only its id is late or lost
  if (post.waited_ms < context.assignWaitMs) throw new AwaitingAssignmentError(post.local_id);
  if (post.state !== 'sending') throw new PostIdLostError(post.local_id);
  await sendPart(context, { ...p, localId: post.local_id });
}

async function editPart(
  context: SyncContext,
  groupId: string,
  post: PostRow,
  content: string,
  media: readonly OutgoingAttachment[],
  digest: string,
) {
  await takeOrWait(context, groupId);
  await context.poster.editPost(groupId, post.aitu_message_id!, content, media);
  await context.db.query(`UPDATE aitu_posts SET content_digest = $2 WHERE local_id = $1`, [post.local_id, digest]);
}

async function deletePart(context: SyncContext, groupId: string, post: PostRow) {
  if (!post.aitu_message_id) {
    if (post.state === 'sending' && post.waited_ms >= context.assignWaitMs) {
      // never assigned within the wait: it did not land, and there is nothing to delete
      await context.db.query(`UPDATE aitu_posts SET state = 'deleted' WHERE local_id = $1`, [post.local_id]);
      return;
    }
    if (post.waited_ms >= context.assignWaitMs) throw new PostIdLostError(post.local_id);
    throw new AwaitingAssignmentError(post.local_id);
  }
  await takeOrWait(context, groupId);
  await context.poster.deletePost(groupId, post.aitu_message_id);
  await context.db.query(`UPDATE aitu_posts SET state = 'deleted' WHERE local_id = $1`, [post.local_id]);
}

/** Records Aitu's MessageIdAssigned: the post's id, for edits and deletes, and the end of any wait to resend. */
export async function recordAssignment(
  db: Db,
  agencyId: string,
  localId: string,
  aituMessageId: string,
): Promise<boolean> {
  const updated = await db.query(
    `UPDATE aitu_posts SET aitu_message_id = $3, assigned_at = now(),
            state = CASE WHEN state = 'deleted' THEN state ELSE 'assigned' END
      WHERE local_id = $1 AND agency_id = $2 AND aitu_message_id IS NULL`,
    [localId, agencyId, aituMessageId],
  );
  return (updated.rowCount ?? 0) > 0;
}
