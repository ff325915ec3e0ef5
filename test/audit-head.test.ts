import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  auditColumns,
  canonicalJson,
  GENESIS_HASH,
  headText,
  legacyLinkHash,
  linkHash,
  LinkFormat,
  type AuditRow,
} from '../src/audit/chain.ts';
import { writeAudit } from '../src/audit/log.ts';
import { signText } from '../src/audit/signing.ts';
import { newKeyEntry } from '../src/core/keys.ts';
import { runCli } from './helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { createReviewWorld, inbound, PLANTED, type ReviewWorld } from './helpers/review-setup.ts';
import { asAttacker } from './helpers/attacker.ts';

/** As a database superuser would: the append-only triggers off for this session. */
const worlds: ReviewWorld[] = [];

async function sealedWorld(): Promise<{ w: ReviewWorld; admin: string; headFile: string }> {
  const w = await createReviewWorld(['a']);
  worlds.push(w);
  await w.deliver('a', [inbound('-1001', 'Polyclinic', '1', `ИИН ${PLANTED.iin} запись`)]);
  const admin = await w.addUser('root', 'admin');
  const verified = await w.cli(['audit', 'verify'], admin);
  assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  return { w, admin, headFile: path.join(w.dir, 'audit-head.json') };
}

const chainLength = async (w: ReviewWorld) =>
  (await w.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_chain`))[0]!.n;

/** Runs a command that ends by sealing; the sealer must refuse, leaving the chain as it was. */
async function sealRefused(w: ReviewWorld, admin: string, reason: RegExp): Promise<void> {
  const before = await chainLength(w);
  const listed = await w.cli(['review', 'list'], admin);
  assert.equal(listed.code, 0, 'the command itself is not hidden by the refused seal');
  assert.match(listed.stderr, /could not seal the audit log: refusing to seal the audit log: /);
  assert.match(listed.stderr, reason);
  assert.equal(await chainLength(w), before, 'nothing was appended to the chain');
}

describe('audit: the signed head', () => {
  after(async () => {
    for (const w of worlds) await w.close();
  });

  it('audit verify works with the public key alone, and writes no head', async () => {
    const { w, admin, headFile } = await sealedWorld();
    const head = readFileSync(headFile, 'utf8');
    const elsewhere = path.join(w.dir, 'not-here');
    const onlyPublic = {
      ...w.env,
      AITU_GATEWAY_KEY_FILE: path.join(elsewhere, 'keys.json'),
      AITU_GATEWAY_CHAIN_KEY_FILE: path.join(elsewhere, 'audit-signing.key'),
    };
    const verified = await runCli(['audit', 'verify', '--json', '--token', admin], { env: onlyPublic });
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.equal(JSON.parse(verified.stdout).ok, true);
    assert.match(verified.stderr, /verified with the public key alone/);
    assert.equal(readFileSync(headFile, 'utf8'), head, 'a verifying process does not write the head');
    // every other command needs the signing key, and says which file
    const listed = await runCli(['review', 'list', '--token', admin], { env: onlyPublic });
    assert.equal(listed.code, 2);
    assert.ok(listed.stderr.includes(onlyPublic.AITU_GATEWAY_CHAIN_KEY_FILE), listed.stderr);
  });

  it('a deleted head file is repaired by restoring an earlier copy of it', async () => {
    const { w, admin, headFile } = await sealedWorld();
    const earlier = readFileSync(headFile, 'utf8');
    assert.equal((await w.cli(['review', 'list'], admin)).code, 0);
    assert.notEqual(readFileSync(headFile, 'utf8'), earlier, 'the head moved on');
    rmSync(headFile);
    const missing = await w.cli(['audit', 'verify'], admin);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no head recorded/);
    writeFileSync(headFile, earlier);
    const restored = await w.cli(['audit', 'verify', '--json'], admin);
    assert.equal(restored.code, 0, restored.stdout + restored.stderr);
    assert.equal(JSON.parse(restored.stdout).ok, true);
    assert.notEqual(readFileSync(headFile, 'utf8'), earlier, 'sealing goes on from the restored head');
  });

  it('the sealer refuses a head signed by another key, and verify names the head file', async () => {
    const { w, admin, headFile } = await sealedWorld();
    const file = JSON.parse(readFileSync(headFile, 'utf8'));
    const database = Object.keys(file.heads)[0]!;
    const forger = generateKeyPairSync('ed25519').privateKey;
    const { signature: _, ...head } = file.heads[database];
    file.heads[database].signature = signText(forger, headText(database, head));
    writeFileSync(headFile, JSON.stringify(file));
    await sealRefused(w, admin, /does not verify: its signature does not verify with the public key/);
    const verified = await w.cli(['audit', 'verify'], admin);
    assert.equal(verified.code, 1);
    assert.match(verified.stderr, /verification failed: the head file .* was altered: its signature does not verify/);
  });

  it('the sealer refuses when the last link no longer is the signed head (a tail rewritten without the key)', async () => {
    const { w, admin } = await sealedWorld();
    // the last entry and its link replaced by a consistent forgery: a valid SHA-256 link, but not the signed one
    const [last] = await w.query<{ seq: string; entry_id: string; prev_entry_id: string; prev_hash: string }>(
      `SELECT seq::text, entry_id::text, prev_entry_id::text, prev_hash FROM audit_chain ORDER BY seq DESC LIMIT 1`,
    );
    const [row] = await w.query<AuditRow>(`SELECT ${auditColumns} FROM audit_log a WHERE a.id = $1`, [last!.entry_id]);
    const forged = { ...row!, actor: 'nobody' };
    await asAttacker(
      w.db.store.pool,
      `UPDATE audit_log SET actor = 'nobody' WHERE id = ${last!.entry_id}`,
      `DELETE FROM audit_chain WHERE seq = ${last!.seq}`,
      `INSERT INTO audit_chain (seq, entry_id, prev_entry_id, prev_hash, hash, format)
       VALUES (${last!.seq}, ${last!.entry_id}, ${last!.prev_entry_id}, '${last!.prev_hash}', '${linkHash(last!.prev_hash, last!.seq, last!.prev_entry_id, forged)}', 'sha256')`,
    );
    await sealRefused(w, admin, /no longer reaches its signed head \(entry \d+ at position \d+/);
    const verified = await w.cli(['audit', 'verify'], admin);
    assert.equal(verified.code, 1);
    assert.match(verified.stderr, /not entry \d+ as the head file says/);
  });

  it('the sealer refuses to extend links after the head that do not verify', async () => {
    const { w, admin } = await sealedWorld();
    const [last] = await w.query<{ seq: string; entry_id: string; hash: string }>(
      `SELECT seq::text, entry_id::text, hash FROM audit_chain ORDER BY seq DESC LIMIT 1`,
    );
    const id = await writeAudit(w.db.store.pool, { actor: { name: 'pipeline' }, action: 'test.unsealed' });
    await w.query(
      `INSERT INTO audit_chain (seq, entry_id, prev_entry_id, prev_hash, hash) VALUES ($1, $2, $3, $4, $5)`,
      [(BigInt(last!.seq) + 1n).toString(), id.toString(), last!.entry_id, last!.hash, 'f'.repeat(64)],
    );
    await sealRefused(w, admin, /chain link at position \d+ \(entry \d+\), after the signed head, does not verify/);
  });
});

describe('audit: upgrading a chain sealed with the key file HMAC key', () => {
  let db: TestDatabase;
  const dir = mkdtempSync(path.join(tmpdir(), 'aitu-legacy-'));
  after(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keys init upgrades it in place: the signed chain continues after the old links, which still verify with their key', async () => {
    db = await createTestDatabase();
    const chainKey = randomBytes(32);
    const first = newKeyEntry();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keyFile = path.join(dir, 'keys.json');
    writeFileSync(
      keyFile,
      JSON.stringify({
        current: first.id,
        keys: [first],
        hashKey: randomBytes(32).toString('base64'),
        chainKey: chainKey.toString('base64'),
      }),
      { mode: 0o600 },
    );
    // the chain and head file as the earlier version wrote them
    for (const action of ['deliver.batch', 'review.list', 'review.decide'])
      await writeAudit(db.store.pool, { actor: { name: 'pipeline' }, action, details: { n: 1 } });
    const rows = (await db.store.pool.query<AuditRow>(`SELECT ${auditColumns} FROM audit_log a ORDER BY a.id`)).rows;
    let prev = { hash: GENESIS_HASH, entryId: null as string | null };
    for (const [i, row] of rows.entries()) {
      const hash = legacyLinkHash(chainKey, prev.hash, String(i + 1), prev.entryId, row);
      await db.store.pool.query(
        `INSERT INTO audit_chain (seq, entry_id, prev_entry_id, prev_hash, hash, format) VALUES ($1, $2, $3, $4, $5, $6)`,
        [i + 1, row.id, prev.entryId, prev.hash, hash, LinkFormat.hmac],
      );
      prev = { hash, entryId: row.id };
    }
    const head = { seq: String(rows.length), entryId: prev.entryId!, hash: prev.hash, at: new Date().toISOString() };
    const mac = createHmac('sha256', chainKey)
      .update(canonicalJson({ database: db.name, ...head }))
      .digest('hex');
    writeFileSync(
      path.join(dir, 'audit-head.json'),
      JSON.stringify({ version: 1, heads: { [db.name]: { ...head, mac } } }),
    );

    const env = { DATABASE_URL: db.url, AITU_GATEWAY_DATA_DIR: dir, AITU_GATEWAY_TOKEN: '' };
    const init = await runCli(['keys', 'init'], { env });
    assert.equal(init.code, 0, init.stdout + init.stderr);
    const formats = (
      await db.store.pool.query<{ format: string }>(`SELECT format FROM audit_chain ORDER BY seq`)
    ).rows.map((r) => r.format);
    assert.deepEqual(formats, ['hmac-sha256', 'hmac-sha256', 'hmac-sha256', 'sha256']);
    const headFile = JSON.parse(readFileSync(path.join(dir, 'audit-head.json'), 'utf8'));
    assert.equal(headFile.version, 2);
    assert.ok(headFile.heads[db.name].signature && !headFile.heads[db.name].mac, 'the head is signed now');

    const added = await runCli(['user', 'add', 'root', '--role', 'admin', '--json'], { env });
    assert.equal(added.code, 0, added.stderr);
    const admin = (JSON.parse(added.stdout) as { token: string }).token;
    const verified = await runCli(['audit', 'verify', '--json', '--token', admin], { env });
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.deepEqual([JSON.parse(verified.stdout).ok, JSON.parse(verified.stdout).legacyUnchecked], [true, 0]);

    // a process with the public key alone counts the old links it cannot recompute, and says so
    const publicOnly = {
      ...env,
      AITU_GATEWAY_KEY_FILE: path.join(dir, 'absent', 'keys.json'),
      AITU_GATEWAY_CHAIN_KEY_FILE: path.join(dir, 'absent', 'audit-signing.key'),
    };
    const partly = await runCli(['audit', 'verify', '--json', '--token', admin], { env: publicOnly });
    assert.equal(partly.code, 0, partly.stdout + partly.stderr);
    assert.equal(JSON.parse(partly.stdout).legacyUnchecked, 3);
    assert.match(partly.stderr, /3 links sealed before the upgrade were not recomputed/);

    // with the key file at hand an edited old entry is still caught
    await asAttacker(db.store.pool, `UPDATE audit_log SET details = '{"n": 2}' WHERE id = ${rows[1]!.id}`);
    const edited = await runCli(['audit', 'verify', '--token', admin], { env });
    assert.equal(edited.code, 1);
    assert.match(edited.stderr, new RegExp(`entry ${rows[1]!.id} does not match its seal`));
  });
});
