import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';

/**
 * The audit log's hash chain. Delivery workers insert audit rows concurrently, so the chain is not computed at
 * insert time: a sealer, one at a time (a PostgreSQL advisory lock), appends every committed row not yet in the
 * chain to `audit_chain`, in id order, each link being HMAC-SHA256(chain key, previous hash ‖ position ‖ the
 * previous entry's id ‖ the entry's canonical JSON). The chain is in sealing order (its `seq`), not id order, so
 * a row whose transaction committed late is simply sealed later: nothing needs to wait for in-flight writers.
 * After each seal the head (position, entry id, hash) is written outside the database, to the head file, so a
 * chain cut short (its tail deleted together with the rows) no longer reaches the recorded head.
 */
export const GENESIS_HASH = '0'.repeat(64);
const sealLock = `hashtext('aitu-gateway-audit-seal')`;
const batchSize = 1000;

export interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  action: string;
  agency_id: string | null;
  subject: string | null;
  details: unknown;
}

export interface ChainHead {
  seq: string;
  entryId: string;
  hash: string;
  at: string;
}

export interface ChainContext {
  chainKey: Buffer;
  /** `<dataDir>/audit-head.json` */
  headFile: string;
}

/** JSON with object keys sorted at every level: the same row always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** Every column of an audit row, as the chain covers it. */
export function canonicalEntry(row: AuditRow): string {
  return canonicalJson({
    id: String(row.id),
    at: row.at.toISOString(),
    actor: row.actor,
    action: row.action,
    agencyId: row.agency_id,
    subject: row.subject,
    details: row.details,
  });
}

export function linkHash(key: Buffer, prevHash: string, seq: string, prevEntryId: string | null, row: AuditRow): string {
  return createHmac('sha256', key)
    .update(`${prevHash}\n${seq}\n${prevEntryId ?? ''}\n`)
    .update(canonicalEntry(row))
    .digest('hex');
}

export const auditColumns = `a.id::text AS id, a.at, a.actor, a.action, a.agency_id, a.subject, a.details`;

interface HeadFile {
  version: 1;
  /** one head per database (current_database()), so two databases never share one */
  heads: Record<string, ChainHead & { mac: string }>;
}

function headMac(key: Buffer, database: string, head: ChainHead): string {
  return createHmac('sha256', key).update(canonicalJson({ database, ...head })).digest('hex');
}

export type HeadState = { kind: 'none' } | { kind: 'ok'; head: ChainHead } | { kind: 'altered'; head: ChainHead };

/** The head recorded for this database; `altered` when its MAC does not match (someone edited the file). */
export async function readHead(context: ChainContext, database: string): Promise<HeadState> {
  let text: string;
  try {
    text = await readFile(context.headFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
    throw error;
  }
  let parsed: HeadFile;
  try {
    parsed = JSON.parse(text) as HeadFile;
  } catch {
    return { kind: 'altered', head: { seq: '0', entryId: '0', hash: '', at: '' } };
  }
  const stored = parsed.heads?.[database];
  if (!stored) return { kind: 'none' };
  const { mac, ...head } = stored;
  const expected = Buffer.from(headMac(context.chainKey, database, head), 'hex');
  const given = Buffer.from(String(mac), 'hex');
  const valid = given.length === expected.length && timingSafeEqual(given, expected);
  return valid ? { kind: 'ok', head } : { kind: 'altered', head };
}

async function writeHead(context: ChainContext, database: string, head: ChainHead): Promise<void> {
  let file: HeadFile = { version: 1, heads: {} };
  try {
    const existing = JSON.parse(await readFile(context.headFile, 'utf8')) as HeadFile;
    if (existing && typeof existing.heads === 'object') file = existing;
  } catch {
    // absent or unreadable: start afresh
  }
  file.heads[database] = { ...head, mac: headMac(context.chainKey, database, head) };
  await mkdir(path.dirname(context.headFile), { recursive: true });
  const temporary = `${context.headFile}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, context.headFile);
}

export async function currentDatabase(db: Pick<pg.Pool | pg.PoolClient, 'query'>): Promise<string> {
  return (await db.query<{ name: string }>(`SELECT current_database() AS name`)).rows[0]!.name;
}

export interface SealResult {
  sealed: number;
  head: ChainHead | null;
  /**
   * false when the head file records a position the chain no longer has (or a different entry there): the chain
   * was cut or rewritten. The head file is then left as it is, as evidence, and `audit verify` reports it.
   */
  headConsistent: boolean;
}

/** Appends every unsealed audit row to the chain and records the new head. Safe to run concurrently and repeatedly. */
export async function sealAuditLog(pool: pg.Pool, context: ChainContext): Promise<SealResult> {
  const client = await pool.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(${sealLock})`);
    try {
      const database = await currentDatabase(client);
      const recorded = await readHead(context, database);
      let headConsistent = recorded.kind !== 'altered';
      if (recorded.kind === 'ok') {
        const at = await client.query<{ hash: string }>(`SELECT hash FROM audit_chain WHERE seq = $1`, [recorded.head.seq]);
        headConsistent = at.rows[0]?.hash === recorded.head.hash;
      }
      const lastRow = await client.query<{ seq: string; entry_id: string; hash: string }>(
        `SELECT c.seq::text AS seq, c.entry_id::text AS entry_id, c.hash FROM audit_chain c ORDER BY c.seq DESC LIMIT 1`,
      );
      let last = lastRow.rows[0] ? { seq: BigInt(lastRow.rows[0].seq), entryId: lastRow.rows[0].entry_id, hash: lastRow.rows[0].hash } : { seq: 0n, entryId: null as string | null, hash: GENESIS_HASH };
      let sealed = 0;
      for (;;) {
        const pending = await client.query<AuditRow>(
          `SELECT ${auditColumns} FROM audit_log a WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.entry_id = a.id) ORDER BY a.id LIMIT ${batchSize}`,
        );
        if (pending.rows.length === 0) break;
        const links: { seq: string; entryId: string; prevEntryId: string | null; prevHash: string; hash: string }[] = [];
        for (const row of pending.rows) {
          const seq = (last.seq + 1n).toString();
          const hash = linkHash(context.chainKey, last.hash, seq, last.entryId, row);
          links.push({ seq, entryId: row.id, prevEntryId: last.entryId, prevHash: last.hash, hash });
          last = { seq: last.seq + 1n, entryId: row.id, hash };
        }
        await client.query(
          `INSERT INTO audit_chain (seq, entry_id, prev_entry_id, prev_hash, hash)
           SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[])`,
          [links.map((l) => l.seq), links.map((l) => l.entryId), links.map((l) => l.prevEntryId), links.map((l) => l.prevHash), links.map((l) => l.hash)],
        );
        sealed += links.length;
      }
      const head: ChainHead | null = last.entryId === null ? null : { seq: last.seq.toString(), entryId: last.entryId, hash: last.hash, at: new Date().toISOString() };
      // only a head that extends the recorded one replaces it: a cut chain must not erase the evidence
      if (head && headConsistent && (sealed > 0 || recorded.kind === 'none')) await writeHead(context, database, head);
      return { sealed, head, headConsistent };
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${sealLock})`).catch(() => {});
    }
  } finally {
    client.release();
  }
}
