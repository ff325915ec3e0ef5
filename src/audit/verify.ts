import type pg from 'pg';
import {
  auditColumns,
  currentDatabase,
  GENESIS_HASH,
  linkMatches,
  readHead,
  type AuditRow,
  type ChainContext,
  type ChainHead,
  type StoredLink,
} from './chain.ts';

export type ProblemKind =
  | 'edited'
  | 'deleted'
  | 'link-broken'
  | 'missing-tail'
  | 'head-mismatch'
  | 'head-altered'
  | 'head-missing'
  | 'unsealed';

export interface Problem {
  kind: ProblemKind;
  /** the audit entry the problem is at (or, for a missing tail, the last entry still present) */
  entryId: string | null;
  /** its position in the chain */
  seq: string | null;
  message: string;
}

export interface VerifyResult {
  ok: boolean;
  /** chain links checked */
  checked: number;
  /** the chain's last link */
  last: { seq: string; entryId: string } | null;
  /** the head recorded in the head file (null: none for this database) */
  head: ChainHead | null;
  /** links sealed before the upgrade (HMAC) that could not be recomputed: the key file with their key is not at hand */
  legacyUnchecked: number;
  problems: Problem[];
}

const pageSize = 5000;
const maxProblems = 100;

type Link = StoredLink & { entry_id: string } & Partial<AuditRow> & { row_id: string | null };

/**
 * Recomputes the chain from the first link: each audit row must match its seal (an edited or swapped row does
 * not), each link must follow the previous one (a deleted link leaves a gap, and names the entry it covered),
 * each sealed entry must still exist, and the chain must still reach the signed head recorded outside the
 * database; a non-empty chain without a head fails. Needs only the public key, and never writes a head.
 * Call after sealing, so every committed row is in the chain.
 */
export async function verifyAuditChain(pool: pg.Pool, context: ChainContext): Promise<VerifyResult> {
  const problems: Problem[] = [];
  const report = (problem: Problem) => {
    if (problems.length < maxProblems) problems.push(problem);
  };
  const database = await currentDatabase(pool);
  const recorded = await readHead(context, database);
  let expectedSeq = 1n;
  let prevHash = GENESIS_HASH;
  let prevEntryId: string | null = null;
  let checked = 0;
  let legacyUnchecked = 0;
  let hashAtHead: { hash: string; entryId: string } | null = null;
  let after = 0n;
  for (;;) {
    const page = await pool.query<Link>(
      `SELECT c.seq::text AS seq, c.entry_id::text AS entry_id, c.prev_entry_id::text AS prev_entry_id, c.prev_hash, c.hash, c.format,
              a.id::text AS row_id, ${auditColumns.replace('a.id::text AS id, ', '')}
         FROM audit_chain c LEFT JOIN audit_log a ON a.id = c.entry_id
        WHERE c.seq > $1 ORDER BY c.seq LIMIT ${pageSize}`,
      [after.toString()],
    );
    if (page.rows.length === 0) break;
    for (const link of page.rows) {
      const seq = BigInt(link.seq);
      if (seq !== expectedSeq) {
        const first = expectedSeq.toString();
        const lastMissing = (seq - 1n).toString();
        report({
          kind: 'deleted',
          entryId: link.prev_entry_id,
          seq: first,
          message:
            `chain position${first === lastMissing ? ` ${first} is` : `s ${first}–${lastMissing} are`} missing: ` +
            `entry ${link.prev_entry_id ?? '?'} was deleted together with its link` +
            (first === lastMissing ? '' : ` (and the entries before it, after entry ${prevEntryId ?? 'the start'})`),
        });
      } else if (link.prev_hash !== prevHash || (link.prev_entry_id ?? null) !== prevEntryId) {
        report({
          kind: 'link-broken',
          entryId: link.entry_id,
          seq: link.seq,
          message: `the chain link of entry ${link.entry_id} (position ${link.seq}) does not follow entry ${prevEntryId ?? 'the start'}: the chain was altered`,
        });
      }
      if (link.row_id === null) {
        report({
          kind: 'deleted',
          entryId: link.entry_id,
          seq: link.seq,
          message: `entry ${link.entry_id} was deleted (its seal at position ${link.seq} remains)`,
        });
      } else {
        const row: AuditRow = {
          id: link.entry_id,
          at: link.at!,
          actor: link.actor!,
          action: link.action!,
          agency_id: link.agency_id ?? null,
          subject: link.subject ?? null,
          details: link.details,
        };
        // the link's own recorded predecessor, so one bad link does not cascade into every later one
        const match = linkMatches(context, link, row);
        if (match === 'unchecked') legacyUnchecked++;
        else if (match === 'mismatch') {
          report({
            kind: 'edited',
            entryId: link.entry_id,
            seq: link.seq,
            message: `entry ${link.entry_id} does not match its seal (position ${link.seq}): it was edited, or swapped with another entry`,
          });
        }
      }
      if (recorded.kind !== 'none' && link.seq === recorded.head.seq)
        hashAtHead = { hash: link.hash, entryId: link.entry_id };
      expectedSeq = seq + 1n;
      prevHash = link.hash;
      prevEntryId = link.entry_id;
      after = seq;
      checked++;
    }
  }
  const lastSeq = expectedSeq - 1n;
  if (recorded.kind === 'altered') {
    report({
      kind: 'head-altered',
      entryId: null,
      seq: null,
      message: `the head file ${context.headFile} was altered: ${recorded.reason}`,
    });
  } else if (recorded.kind === 'none' && checked > 0) {
    report({
      kind: 'head-missing',
      entryId: prevEntryId,
      seq: lastSeq.toString(),
      message: `the chain has ${checked} links but there is no head recorded in ${context.headFile} for database ${database}: the head file was deleted or replaced, so a cut tail cannot be ruled out; restore it from its backup`,
    });
  } else if (recorded.kind === 'ok') {
    const head = recorded.head;
    if (lastSeq < BigInt(head.seq)) {
      report({
        kind: 'missing-tail',
        entryId: prevEntryId,
        seq: lastSeq.toString(),
        message: `missing tail after entry ${prevEntryId ?? '(none)'} (position ${lastSeq}): the head file says the chain reached entry ${head.entryId} (position ${head.seq}) at ${head.at}`,
      });
    } else if (!hashAtHead || hashAtHead.hash !== head.hash) {
      report({
        kind: 'head-mismatch',
        entryId: hashAtHead?.entryId ?? null,
        seq: head.seq,
        message: `the chain at position ${head.seq} is entry ${hashAtHead?.entryId ?? '?'}, not entry ${head.entryId} as the head file says: entries up to there were removed and the chain re-grown`,
      });
    }
  }
  const unsealed = await pool.query<{ n: number; first: string | null }>(
    `SELECT count(*)::int AS n, min(a.id)::text AS first FROM audit_log a WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.entry_id = a.id) AND a.at < now() - interval '1 minute'`,
  );
  const stale = unsealed.rows[0]!;
  if (stale.n > 0)
    report({
      kind: 'unsealed',
      entryId: stale.first,
      seq: null,
      message: `${stale.n} entries from before the last sealing are not in the chain, the first being entry ${stale.first}`,
    });
  return {
    ok: problems.length === 0,
    checked,
    last: prevEntryId === null ? null : { seq: lastSeq.toString(), entryId: prevEntryId },
    head: recorded.kind === 'none' ? null : recorded.head,
    legacyUnchecked,
    problems,
  };
}
