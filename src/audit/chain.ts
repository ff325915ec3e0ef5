import { createHash, createHmac, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { ExitCode, GatewayError, UsageError } from '../core/errors.ts';
import { signText, verifyText } from './signing.ts';

/**
 * The audit log's hash chain. Delivery workers insert audit rows concurrently, so the chain is not computed at
 * insert time: a sealer, one at a time (a PostgreSQL advisory lock), appends every committed row not yet in the
 * chain to `audit_chain`, in id order, each link being SHA-256(previous hash ‖ position ‖ the previous entry's id ‖
 * the entry's canonical JSON). The chain is in sealing order (its `seq`), not id order, so a row whose transaction
 * committed late is simply sealed later: nothing needs to wait for in-flight writers.
 *
 * The links need no key: anyone can recompute them, and anyone who can write the database could recompute a
 * rewritten chain. What they cannot do is sign: after each seal the head (database, position, entry id, hash,
 * time) is signed with the installation's Ed25519 key and written outside the database, to the head file. A chain
 * that was rewritten, or cut short with its tail, no longer reaches the signed head; `audit verify` checks that
 * with the public key alone. The sealer refuses to extend a chain that does not reach its signed head, and a
 * non-empty chain whose head is missing, so it never signs over a cut.
 *
 * Links sealed before the upgrade (format `hmac-sha256`) stay as they are: the new links continue from the last
 * of them, and they are recomputed with the old HMAC key when the key file holds it.
 */
export const GENESIS_HASH = '0'.repeat(64);
const sealLock = `hashtext('aitu-gateway-audit-seal')`;
const batchSize = 1000;

export const LinkFormat = { hmac: 'hmac-sha256', sha256: 'sha256' } as const;

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
  /** `<dataDir>/audit-head.json` */
  headFile: string;
  /** verifies the signed head: all that `audit verify` needs */
  publicKey: KeyObject;
  publicKeyFile: string;
  /** signs the head; absent in a process that only verifies, which then cannot seal */
  signingKey?: KeyObject;
  signingKeyFile: string;
  /** the HMAC key of links sealed before the upgrade (the key file's `chainKey`); absent: those are not recomputed */
  legacyChainKey?: Buffer;
}

/** The sealer would extend a chain it cannot vouch for (exit 1); the reason names what is wrong. */
export class SealRefusedError extends GatewayError {
  constructor(message: string) {
    super(`refusing to seal the audit log: ${message}; run: aitu-gateway audit verify`, ExitCode.failed);
  }
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

function linkPrefix(prevHash: string, seq: string, prevEntryId: string | null): string {
  return `${prevHash}\n${seq}\n${prevEntryId ?? ''}\n`;
}

/** A link of the chain (format `sha256`). */
export function linkHash(prevHash: string, seq: string, prevEntryId: string | null, row: AuditRow): string {
  return createHash('sha256')
    .update(linkPrefix(prevHash, seq, prevEntryId))
    .update(canonicalEntry(row))
    .digest('hex');
}

/** A link sealed before the upgrade (format `hmac-sha256`), keyed with the key file's old `chainKey`. */
export function legacyLinkHash(
  key: Buffer,
  prevHash: string,
  seq: string,
  prevEntryId: string | null,
  row: AuditRow,
): string {
  return createHmac('sha256', key)
    .update(linkPrefix(prevHash, seq, prevEntryId))
    .update(canonicalEntry(row))
    .digest('hex');
}

export interface StoredLink {
  seq: string;
  prev_entry_id: string | null;
  prev_hash: string;
  hash: string;
  format: string;
}

/** Whether a stored link is the seal of this row; `unchecked` for a pre-upgrade link when its key is not at hand. */
export function linkMatches(
  context: Pick<ChainContext, 'legacyChainKey'>,
  link: StoredLink,
  row: AuditRow,
): 'ok' | 'mismatch' | 'unchecked' {
  let expected: string;
  if (link.format === LinkFormat.sha256) expected = linkHash(link.prev_hash, link.seq, link.prev_entry_id, row);
  else if (link.format === LinkFormat.hmac && context.legacyChainKey)
    expected = legacyLinkHash(context.legacyChainKey, link.prev_hash, link.seq, link.prev_entry_id, row);
  else if (link.format === LinkFormat.hmac) return 'unchecked';
  else return 'mismatch';
  return expected === link.hash ? 'ok' : 'mismatch';
}

export const auditColumns = `a.id::text AS id, a.at, a.actor, a.action, a.agency_id, a.subject, a.details`;

interface HeadFile {
  version: 2;
  /**
   * one head per database (current_database()), so two databases never share one; `signature` is Ed25519 over
   * headText, `mac` the HMAC of heads written before the upgrade
   */
  heads: Record<string, ChainHead & { signature?: string; mac?: string }>;
}

/** What the head's signature covers. */
export function headText(database: string, head: ChainHead): string {
  return canonicalJson({ database, seq: head.seq, entryId: head.entryId, hash: head.hash, at: head.at });
}

export type HeadState =
  | { kind: 'none' }
  | { kind: 'ok'; head: ChainHead; legacy: boolean }
  | { kind: 'altered'; head: ChainHead; reason: string };

function legacyMacValid(key: Buffer, database: string, head: ChainHead, mac: string): boolean {
  const expected = createHmac('sha256', key)
    .update(canonicalJson({ database, ...head }))
    .digest();
  const given = Buffer.from(mac, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function readHeadFile(
  file: string,
): Promise<{ kind: 'none' } | { kind: 'unparsable' } | { kind: 'file'; file: HeadFile }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'none' };
    throw new UsageError(`cannot read the audit head file ${file}: ${code ?? (error as Error).message}`, {
      cause: error,
    });
  }
  try {
    const parsed = JSON.parse(text) as HeadFile;
    if (!parsed || typeof parsed.heads !== 'object' || parsed.heads === null) return { kind: 'unparsable' };
    return { kind: 'file', file: parsed };
  } catch {
    return { kind: 'unparsable' };
  }
}

/** The head recorded for this database; `altered` when its signature (or pre-upgrade MAC) does not verify. */
export async function readHead(context: ChainContext, database: string): Promise<HeadState> {
  const read = await readHeadFile(context.headFile);
  if (read.kind === 'none') return { kind: 'none' };
  if (read.kind === 'unparsable')
    return { kind: 'altered', head: { seq: '0', entryId: '0', hash: '', at: '' }, reason: 'it is not a head file' };
  const stored = read.file.heads[database];
  if (!stored) return { kind: 'none' };
  const head: ChainHead = {
    seq: String(stored.seq),
    entryId: String(stored.entryId),
    hash: String(stored.hash),
    at: String(stored.at),
  };
  if (typeof stored.signature === 'string') {
    return verifyText(context.publicKey, headText(database, head), stored.signature)
      ? { kind: 'ok', head, legacy: false }
      : { kind: 'altered', head, reason: `its signature does not verify with the public key ${context.publicKeyFile}` };
  }
  if (typeof stored.mac === 'string' && context.legacyChainKey) {
    return legacyMacValid(context.legacyChainKey, database, head, stored.mac)
      ? { kind: 'ok', head, legacy: true }
      : {
          kind: 'altered',
          head,
          reason: 'its seal does not match (the chain key in the key file is needed to write it)',
        };
  }
  return {
    kind: 'altered',
    head,
    reason:
      typeof stored.mac === 'string'
        ? 'it was sealed before the upgrade, and the key file with its key is not at hand'
        : 'it carries no signature',
  };
}

async function writeHead(
  context: ChainContext,
  signingKey: KeyObject,
  database: string,
  head: ChainHead,
): Promise<void> {
  const read = await readHeadFile(context.headFile);
  const file: HeadFile = { version: 2, heads: read.kind === 'file' ? read.file.heads : {} };
  file.heads[database] = { ...head, signature: signText(signingKey, headText(database, head)) };
  await mkdir(path.dirname(context.headFile), { recursive: true, mode: 0o700 });
  const temporary = `${context.headFile}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  // no secret in it (positions and hashes); readable, so a verifying process of another OS user can read it
  await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o644 });
  await rename(temporary, context.headFile);
}

export async function currentDatabase(db: Pick<pg.Pool | pg.PoolClient, 'query'>): Promise<string> {
  return (await db.query<{ name: string }>(`SELECT current_database() AS name`)).rows[0]!.name;
}

export interface SealResult {
  sealed: number;
  /** the signed head after this seal (null: the chain is empty) */
  head: ChainHead | null;
}

type LastLink = { seq: bigint; entryId: string | null; hash: string };

/**
 * Refuses (SealRefusedError) unless the chain reaches the recorded head: its signature verifies, the link at its
 * position is the one it names, and every link sealed after it (by a sealer that stopped before writing the head)
 * follows it and matches its entry. A non-empty chain with no recorded head is refused too.
 */
async function checkSealable(
  client: pg.PoolClient,
  context: ChainContext,
  database: string,
  recorded: HeadState,
  last: LastLink,
): Promise<void> {
  if (recorded.kind === 'altered')
    throw new SealRefusedError(
      `the head recorded in ${context.headFile} for database ${database} does not verify: ${recorded.reason}`,
    );
  if (recorded.kind === 'none') {
    if (last.entryId !== null) {
      throw new SealRefusedError(
        `the chain has ${last.seq} links but ${context.headFile} records no head for database ${database} (deleted or replaced); restore the head file from its backup — an older copy will do`,
      );
    }
    return;
  }
  const head = recorded.head;
  const at = await client.query<{ entry_id: string; hash: string }>(
    `SELECT entry_id::text, hash FROM audit_chain WHERE seq = $1`,
    [head.seq],
  );
  if (at.rows[0]?.hash !== head.hash || at.rows[0]?.entry_id !== head.entryId) {
    throw new SealRefusedError(
      `the chain no longer reaches its signed head (entry ${head.entryId} at position ${head.seq}, in ${context.headFile}): it was cut or rewritten`,
    );
  }
  const after = await client.query<StoredLink & { entry_id: string } & Partial<AuditRow> & { row_id: string | null }>(
    `SELECT c.seq::text AS seq, c.entry_id::text AS entry_id, c.prev_entry_id::text AS prev_entry_id, c.prev_hash, c.hash, c.format,
            a.id::text AS row_id, ${auditColumns.replace('a.id::text AS id, ', '')}
       FROM audit_chain c LEFT JOIN audit_log a ON a.id = c.entry_id WHERE c.seq > $1 ORDER BY c.seq`,
    [head.seq],
  );
  let previous = { seq: BigInt(head.seq), entryId: head.entryId, hash: head.hash };
  for (const link of after.rows) {
    const row: AuditRow = {
      id: link.entry_id,
      at: link.at!,
      actor: link.actor!,
      action: link.action!,
      agency_id: link.agency_id ?? null,
      subject: link.subject ?? null,
      details: link.details,
    };
    const follows =
      BigInt(link.seq) === previous.seq + 1n &&
      link.prev_hash === previous.hash &&
      link.prev_entry_id === previous.entryId;
    if (!follows || link.row_id === null || linkMatches(context, link, row) !== 'ok') {
      throw new SealRefusedError(
        `the chain link at position ${link.seq} (entry ${link.entry_id}), after the signed head, does not verify`,
      );
    }
    previous = { seq: BigInt(link.seq), entryId: link.entry_id, hash: link.hash };
  }
}

/**
 * Appends every unsealed audit row to the chain and records the new head, signed. Safe to run concurrently and
 * repeatedly. Needs the signing key; refuses (SealRefusedError) to extend a chain that does not reach its head.
 */
export async function sealAuditLog(pool: pg.Pool, context: ChainContext): Promise<SealResult> {
  const signingKey = context.signingKey;
  if (!signingKey)
    throw new UsageError(`the audit chain's signing key ${context.signingKeyFile} is needed to seal the audit log`);
  const client = await pool.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(${sealLock})`);
    try {
      const database = await currentDatabase(client);
      const recorded = await readHead(context, database);
      const lastRow = await client.query<{ seq: string; entry_id: string; hash: string }>(
        `SELECT c.seq::text AS seq, c.entry_id::text AS entry_id, c.hash FROM audit_chain c ORDER BY c.seq DESC LIMIT 1`,
      );
      let last: LastLink = lastRow.rows[0]
        ? { seq: BigInt(lastRow.rows[0].seq), entryId: lastRow.rows[0].entry_id, hash: lastRow.rows[0].hash }
        : { seq: 0n, entryId: null, hash: GENESIS_HASH };
      await checkSealable(client, context, database, recorded, last);
      let sealed = 0;
      for (;;) {
        const pending = await client.query<AuditRow>(
          `SELECT ${auditColumns} FROM audit_log a WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.entry_id = a.id) ORDER BY a.id LIMIT ${batchSize}`,
        );
        if (pending.rows.length === 0) break;
        const links: { seq: string; entryId: string; prevEntryId: string | null; prevHash: string; hash: string }[] =
          [];
        for (const row of pending.rows) {
          const seq = (last.seq + 1n).toString();
          const hash = linkHash(last.hash, seq, last.entryId, row);
          links.push({ seq, entryId: row.id, prevEntryId: last.entryId, prevHash: last.hash, hash });
          last = { seq: last.seq + 1n, entryId: row.id, hash };
        }
        await client.query(
          `INSERT INTO audit_chain (seq, entry_id, prev_entry_id, prev_hash, hash, format)
           SELECT s, e, p, ph, h, '${LinkFormat.sha256}' FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[]) AS t(s, e, p, ph, h)`,
          [
            links.map((l) => l.seq),
            links.map((l) => l.entryId),
            links.map((l) => l.prevEntryId),
            links.map((l) => l.prevHash),
            links.map((l) => l.hash),
          ],
        );
        sealed += links.length;
      }
      if (last.entryId === null) return { sealed, head: null };
      const unchanged = recorded.kind === 'ok' && !recorded.legacy && recorded.head.seq === last.seq.toString();
      if (unchanged) return { sealed, head: recorded.head };
      const head: ChainHead = {
        seq: last.seq.toString(),
        entryId: last.entryId,
        hash: last.hash,
        at: new Date().toISOString(),
      };
      await writeHead(context, signingKey, database, head);
      return { sealed, head };
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${sealLock})`).catch(() => {});
    }
  } finally {
    client.release();
  }
}
