import type pg from 'pg';
import type { DeliverPayload, Queues } from './queues.ts';

/**
 * What the deliver stage asks of the relay into Aitu (src/live/national-relay.ts): which of a batch's messages are
 * to be posted in a mapped Aitu group, and their relay jobs (store ids only), taken by the agency's `bridge aitu`.
 */

/** The store ids of a delivered batch whose messages are to be relayed: live batches, and import runs given `--relay`. */
export async function relayCandidates(
  pool: pg.Pool,
  payload: Pick<DeliverPayload, 'agencyId' | 'runId'>,
  changedIds: readonly string[],
): Promise<string[]> {
  if (changedIds.length === 0 || !(await hasAituGroups(pool, payload.agencyId))) return [];
  if (payload.runId && !(await runRelays(pool, payload.runId))) return [];
  const rows = await pool.query<{ id: string }>(
    `SELECT m.id::text AS id FROM messages m
      WHERE m.id = ANY($1::bigint[]) AND m.platform <> 'aitu' AND m.kind = 'message'
        AND EXISTS (SELECT 1 FROM chat_sources s WHERE s.agency_id = m.agency_id AND s.chat_id = m.chat_id AND s.platform = 'aitu')
      ORDER BY m.id`,
    [changedIds],
  );
  return rows.rows.map((r) => r.id);
}

const mappedAgencies = new Map<string, { at: number; yes: boolean }>();

/** Whether the agency maps any national chat to an Aitu group (re-read every few seconds; imports pay nothing else). */
async function hasAituGroups(pool: pg.Pool, agencyId: string): Promise<boolean> {
  const hit = mappedAgencies.get(agencyId);
  if (hit && Date.now() - hit.at < 5000) return hit.yes;
  const found = await pool.query(`SELECT 1 FROM chat_sources WHERE agency_id = $1 AND platform = 'aitu' LIMIT 1`, [
    agencyId,
  ]);
  const yes = (found.rowCount ?? 0) > 0;
  mappedAgencies.set(agencyId, { at: Date.now(), yes });
  return yes;
}

const relayingRuns = new Map<string, boolean>();

async function runRelays(pool: pg.Pool, runId: string): Promise<boolean> {
  let relays = relayingRuns.get(runId);
  if (relays === undefined) {
    const row = await pool.query<{ relay: boolean | null }>(
      `SELECT (options->>'relay')::boolean AS relay FROM import_runs WHERE id = $1`,
      [runId],
    );
    relays = row.rows[0]?.relay === true;
    // a long-running worker meets run after run: remember the recent ones only
    if (relayingRuns.size >= 1000) relayingRuns.clear();
    relayingRuns.set(runId, relays);
  }
  return relays;
}

/** Queues a relay job for each message (job ids are unique per request: a later change is never swallowed). */
export async function requestRelay(
  queues: Pick<Queues, 'relayFor'>,
  agencyId: string,
  messageIds: readonly string[],
): Promise<void> {
  if (messageIds.length === 0) return;
  const stamp = Date.now().toString(36);
  await queues.relayFor(agencyId).addSealedBulk(
    messageIds.map((messageId) => ({
      payload: { agencyId, kind: 'message' as const, messageId },
      options: { jobId: `relay-${messageId}-${stamp}` },
    })),
  );
}
