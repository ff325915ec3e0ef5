import assert from 'node:assert/strict';
import { createCipheriv, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadKeyring, newKeyEntry, newKeyFile, OriginalFormat, type KeyFile } from '../src/core/keys.ts';
import { runClassifyStage } from '../src/pipeline/stages/classify.processor.ts';
import { deliverBatch } from '../src/pipeline/stages/deliver.ts';
import { addAgency } from '../src/store/agencies.ts';
import { runCli } from './helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { makeMessages, writeJsonl } from './helpers/messages.ts';
import { removePrefix, testPrefix } from './helpers/redis.ts';
import { assertNoPersonalData, createReviewWorld, inbound, PLANTED, type ReviewWorld } from './helpers/review-setup.ts';

describe('keys init: the only way keys are made, recorded with the installation', () => {
  let db: TestDatabase;
  let root: string;
  const prefix = testPrefix();
  const envFor = (dataDir: string) => ({
    DATABASE_URL: db.url,
    AITU_GATEWAY_DATA_DIR: dataDir,
    AITU_GATEWAY_QUEUE_PREFIX: prefix,
    AITU_GATEWAY_TOKEN: '',
    LOG_LEVEL: 'warn',
  });
  const mode = (file: string) => statSync(file).mode & 0o777;

  before(async () => {
    db = await createTestDatabase();
    root = mkdtempSync(path.join(tmpdir(), 'aitu-init-'));
    await addAgency(db.store.prisma, { slug: 'a', name: 'Agency A' });
  });
  after(async () => {
    await db?.drop();
    await removePrefix(prefix);
    rmSync(root, { recursive: true, force: true });
  });

  it('creates the key file and the signing key pair with private modes, records the installation, audits and seals', async () => {
    const dataDir = path.join(root, 'data');
    const result = await runCli(['keys', 'init', '--json'], { env: envFor(dataDir) });
    assert.equal(result.code, 0, result.stderr);
    const init = JSON.parse(result.stdout) as {
      keyFile: { created: boolean };
      chainKey: { created: boolean };
      recorded: boolean;
    };
    assert.deepEqual([init.keyFile.created, init.chainKey.created, init.recorded], [true, true, true]);
    const keyFile = JSON.parse(readFileSync(path.join(dataDir, 'keys.json'), 'utf8')) as KeyFile;
    assert.equal(keyFile.keys.length, 1);
    assert.ok(keyFile.hashKey && keyFile.queueKey);
    assert.equal(keyFile.chainKey, undefined, 'no HMAC chain key: the chain is signed with its own key pair');
    assert.equal(mode(dataDir), 0o700);
    assert.equal(mode(path.join(dataDir, 'keys.json')), 0o600);
    assert.equal(mode(path.join(dataDir, 'audit-signing.key')), 0o600);
    assert.match(readFileSync(path.join(dataDir, 'audit-signing.pub'), 'utf8'), /BEGIN PUBLIC KEY/);
    const [installation] = (
      await db.store.pool.query(
        `SELECT data_dir, key_file, chain_key_file, key_file_fingerprint, created_by FROM installation`,
      )
    ).rows;
    assert.equal(installation.data_dir, dataDir);
    assert.equal(installation.key_file, path.join(dataDir, 'keys.json'));
    assert.equal(installation.chain_key_file, path.join(dataDir, 'audit-signing.key'));
    assert.match(installation.created_by, /^os:\S+@\S+$/);
    const stored = JSON.stringify((await db.store.pool.query(`SELECT * FROM installation`)).rows);
    for (const key of [keyFile.hashKey, keyFile.queueKey!, keyFile.keys[0]!.key])
      assert.ok(!stored.includes(key), 'no key in the database');
    const audited = (
      await db.store.pool.query(
        `SELECT a.actor, a.action, c.seq FROM audit_log a LEFT JOIN audit_chain c ON c.entry_id = a.id`,
      )
    ).rows;
    assert.deepEqual(
      audited.map((r) => [r.action, r.seq]),
      [['keys.init', '1']],
    );
    assert.ok(existsSync(path.join(dataDir, 'audit-head.json')), 'the first seal recorded a signed head');
  });

  it('run again it changes nothing and says so', async () => {
    const dataDir = path.join(root, 'data');
    const before = ['keys.json', 'audit-signing.key', 'audit-signing.pub'].map((f) =>
      readFileSync(path.join(dataDir, f), 'utf8'),
    );
    const again = await runCli(['keys', 'init'], { env: envFor(dataDir) });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /key file .*: exists, unchanged/);
    assert.match(again.stdout, /already recorded/);
    assert.deepEqual(
      ['keys.json', 'audit-signing.key', 'audit-signing.pub'].map((f) => readFileSync(path.join(dataDir, f), 'utf8')),
      before,
    );
  });

  it('another data directory is refused, naming both, and nothing is created there', async () => {
    const other = path.join(root, 'other');
    const init = await runCli(['keys', 'init'], { env: envFor(other) });
    assert.equal(init.code, 2, init.stdout + init.stderr);
    assert.ok(init.stderr.includes(other) && init.stderr.includes(path.join(root, 'data')), init.stderr);
    assert.ok(!existsSync(other));
    const list = await runCli(['review', 'list'], { env: envFor(other) });
    assert.equal(list.code, 2, list.stdout + list.stderr);
    assert.ok(list.stderr.includes(other) && list.stderr.includes(path.join(root, 'data')), list.stderr);
    assert.ok(!existsSync(other));
  });

  it('a key file replaced by another one is refused before anything is encrypted with it', async () => {
    const dataDir = path.join(root, 'data');
    const file = path.join(dataDir, 'keys.json');
    const real = readFileSync(file, 'utf8');
    writeFileSync(file, JSON.stringify(newKeyFile()));
    try {
      const jsonl = path.join(root, 'messages.jsonl');
      writeJsonl(jsonl, makeMessages(5));
      const result = await runCli(['import', 'jsonl', jsonl, '--agency', 'a', '--no-progress'], {
        env: envFor(dataDir),
      });
      assert.equal(result.code, 2, result.stdout + result.stderr);
      assert.match(
        result.stderr,
        new RegExp(`key file ${file} is not the key file this installation was initialised with`),
      );
      assert.equal((await db.store.pool.query(`SELECT count(*)::int AS n FROM messages`)).rows[0].n, 0);
      const init = await runCli(['keys', 'init'], { env: envFor(dataDir) });
      assert.equal(init.code, 2, 'keys init does not adopt a different key file either');
    } finally {
      writeFileSync(file, real);
    }
  });

  it('a lost signing key is not replaced by a new one', async () => {
    const dataDir = path.join(root, 'data');
    const signing = path.join(dataDir, 'audit-signing.key');
    const saved = readFileSync(signing, 'utf8');
    unlinkSync(signing);
    try {
      const init = await runCli(['keys', 'init'], { env: envFor(dataDir) });
      assert.equal(init.code, 2, init.stdout + init.stderr);
      assert.match(init.stderr, /signing key .* is missing: restore it from its backup/);
      assert.ok(!existsSync(signing));
    } finally {
      writeFileSync(signing, saved, { mode: 0o600 });
    }
  });

  it('a signing key pair swapped for another is refused: its public key is not the recorded one', async () => {
    const dataDir = path.join(root, 'data');
    const files = ['audit-signing.key', 'audit-signing.pub'].map((f) => path.join(dataDir, f));
    const saved = files.map((f) => readFileSync(f, 'utf8'));
    const other = generateKeyPairSync('ed25519');
    writeFileSync(files[0]!, other.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(files[1]!, other.publicKey.export({ type: 'spki', format: 'pem' }));
    try {
      const listed = await runCli(['review', 'list'], { env: envFor(dataDir) });
      assert.equal(listed.code, 2, listed.stdout + listed.stderr);
      assert.match(
        listed.stderr,
        new RegExp(`public key ${files[1]} is not the one this installation was initialised with`),
      );
    } finally {
      files.forEach((f, i) => writeFileSync(f, saved[i]!));
    }
  });

  it('needs the migrated database: unreachable, it writes nothing (exit 3); not migrated, it says so (exit 2)', async () => {
    const dataDir = path.join(root, 'nowhere');
    const away = await runCli(['keys', 'init'], {
      env: { ...envFor(dataDir), DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/x' },
    });
    assert.equal(away.code, 3, away.stdout + away.stderr);
    assert.ok(!existsSync(dataDir));
    const bare = await createTestDatabase();
    try {
      await bare.store.pool.query(`DROP TABLE installation`);
      const unmigrated = await runCli(['keys', 'init'], { env: { ...envFor(dataDir), DATABASE_URL: bare.url } });
      assert.equal(unmigrated.code, 2, unmigrated.stdout + unmigrated.stderr);
      assert.match(unmigrated.stderr, /not migrated to this version; run: aitu-gateway db migrate/);
      assert.ok(!existsSync(dataDir));
    } finally {
      await bare.drop();
    }
  });

  it('an older installation is upgraded in place: only the queue key, the index key and the signing key are added', async () => {
    const old = await createTestDatabase();
    const dataDir = path.join(root, 'old');
    try {
      const first = newKeyEntry();
      const legacy = {
        current: first.id,
        keys: [first],
        hashKey: randomBytes(32).toString('base64'),
        chainKey: randomBytes(32).toString('base64'),
      };
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      writeFileSync(path.join(dataDir, 'keys.json'), JSON.stringify(legacy), { mode: 0o600 });
      const result = await runCli(['keys', 'init', '--json'], { env: { ...envFor(dataDir), DATABASE_URL: old.url } });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout).keyFile.added, ['queueKey', 'indexKeys']);
      const upgraded = JSON.parse(readFileSync(path.join(dataDir, 'keys.json'), 'utf8')) as KeyFile;
      assert.deepEqual(
        { ...upgraded, queueKey: undefined, indexKeys: undefined, indexCurrent: undefined },
        { ...legacy, queueKey: undefined, indexKeys: undefined, indexCurrent: undefined },
        'every earlier key kept as it was',
      );
      assert.ok(upgraded.queueKey);
      assert.equal(upgraded.indexKeys?.[0]?.id, upgraded.indexCurrent);
      assert.ok(existsSync(path.join(dataDir, 'audit-signing.key')));
    } finally {
      await old.drop();
    }
  });
});

describe('keys reencrypt binds originals sealed before binding to their item', () => {
  let w: ReviewWorld;
  let admin: string;
  let officer: string;
  const text = `ИИН ${PLANTED.iin} запись`;

  before(async () => {
    w = await createReviewWorld(['a']);
    await w.deliver('a', [inbound('-1001', 'Polyclinic', '1', text)]);
    admin = await w.addUser('root', 'admin');
    officer = await w.addUser('olga', 'officer', ['a'], admin);
  });
  after(async () => {
    await w?.close();
  });

  it('an unbound original opens until reencrypt binds it, and after that only bound', async () => {
    // as the store held it before binding: AES-GCM without associated data, format 1
    const keyring = await loadKeyring(w.keyFile);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', keyring.current, iv);
    const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    const unbound = Buffer.concat([iv, cipher.getAuthTag(), body]);
    const [item] = await w.query<{ id: string }>(`SELECT id FROM review_items`);
    await w.query(`UPDATE review_items SET original = $2, original_format = $3 WHERE id = $1`, [
      item!.id,
      unbound,
      OriginalFormat.unbound,
    ]);

    const checked = await w.cli(['keys', 'check'], admin);
    assert.equal(checked.code, 0, checked.stderr);
    assert.match(checked.stderr, /1 originals are not bound to their item yet .*keys reencrypt/);
    const shown = await w.cli(['review', 'show', item!.id, '--json'], officer);
    assert.equal(JSON.parse(shown.stdout).original, text);

    const reencrypted = await w.cli(['keys', 'reencrypt', '--json'], admin);
    assert.equal(reencrypted.code, 0, reencrypted.stderr);
    assert.deepEqual([JSON.parse(reencrypted.stdout).reencrypted, JSON.parse(reencrypted.stdout).bound], [1, 1]);
    const [after] = await w.query<{ original: Buffer; original_format: number }>(
      `SELECT original, original_format FROM review_items WHERE id = $1`,
      [item!.id],
    );
    assert.equal(after!.original_format, OriginalFormat.bound);
    assert.ok(!after!.original.equals(unbound));
    const again = await w.cli(['review', 'show', item!.id, '--json'], officer);
    assert.equal(JSON.parse(again.stdout).original, text);
    const none = await w.cli(['keys', 'check'], admin);
    assert.doesNotMatch(none.stderr, /not bound/);
    // claiming the old format for the bound ciphertext does not open it either
    await w.query(`UPDATE review_items SET original_format = $2 WHERE id = $1`, [item!.id, OriginalFormat.unbound]);
    const claimed = await w.cli(['review', 'show', item!.id], officer);
    assert.equal(claimed.code, 1);
    assertNoPersonalData(claimed.stdout + claimed.stderr, 'a show of a relabelled original');
  });
});

describe('keys: rotation re-encrypts every original; the old key can then be deleted', () => {
  let w: ReviewWorld;
  let admin: string;
  let officer: string;
  let before1: KeyFile;
  const texts = [
    `ИИН ${PLANTED.iin} запись`,
    `Диагноз ${PLANTED.diagnosis} подтвержден`,
    `ЖСН ${PLANTED.iin2} анықтама`,
  ];

  before(async () => {
    w = await createReviewWorld(['a', 'b']);
    await w.deliver(
      'a',
      texts.map((t, i) => inbound('-1001', 'Polyclinic', `${i + 1}`, t)),
    );
    await w.deliver('b', [inbound('-2001', 'Ministry', '1', texts[0]!)]);
    admin = await w.addUser('root', 'admin');
    officer = await w.addUser('olga', 'officer', ['a'], admin);
    before1 = JSON.parse(readFileSync(w.keyFile, 'utf8')) as KeyFile;
  });
  after(async () => {
    await w?.close();
  });

  const keyIds = async () =>
    (await w.query<{ key_id: string }>(`SELECT DISTINCT key_id FROM review_items`)).map((r) => r.key_id);

  it('only an admin rotates', async () => {
    const refused = await w.cli(['keys', 'rotate'], officer);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /may not rotate keys/);
    assert.deepEqual(await keyIds(), [before1.current]);
  });

  it('rotate creates a new current key and re-encrypts every original under it', async () => {
    const oldCiphertexts = await w.query<{ id: string; original: Buffer }>(
      `SELECT id, original FROM review_items ORDER BY id`,
    );
    const rotated = await w.cli(['keys', 'rotate', '--json'], admin);
    assert.equal(rotated.code, 0, rotated.stderr);
    const result = JSON.parse(rotated.stdout) as { previousKeyId: string; currentKeyId: string; reencrypted: number };
    assert.equal(result.previousKeyId, before1.current);
    assert.equal(result.reencrypted, 4);
    const file = JSON.parse(readFileSync(w.keyFile, 'utf8')) as KeyFile;
    assert.equal(file.current, result.currentKeyId);
    assert.deepEqual(
      file.keys.map((k) => k.id),
      [before1.current, result.currentKeyId],
      'the old key stays listed until deleted',
    );
    assert.equal(file.hashKey, before1.hashKey);
    assert.equal(file.chainKey, before1.chainKey);
    assert.deepEqual(await keyIds(), [result.currentKeyId]);
    const now = await w.query<{ id: string; original: Buffer }>(`SELECT id, original FROM review_items ORDER BY id`);
    for (const [i, row] of now.entries()) assert.ok(!row.original.equals(oldCiphertexts[i]!.original));
    const audited = await w.query<{ action: string; details: unknown }>(
      `SELECT action, details FROM audit_log WHERE action LIKE 'keys.%'`,
    );
    assert.deepEqual(audited.map((a) => a.action).sort(), ['keys.add', 'keys.init', 'keys.reencrypt']);
    assert.ok(!JSON.stringify(audited).includes(file.keys[1]!.key), 'no key material in the audit log');
  });

  it('an item a worker wrote with the old key keeps the old key from being deleted until reencrypt', async () => {
    // a worker started before the rotation still holds the old keyring
    const stale = await loadKeyring(w.keyFile);
    const staleRing = { ...stale, currentId: before1.current, current: stale.get(before1.current)! };
    const { deliver } = runClassifyStage(
      {
        agencyId: w.agencies.a!,
        runId: null,
        seq: null,
        checkpoint: null,
        messages: [inbound('-1001', 'Polyclinic', '9', texts[1]!)],
      },
      { hashKey: stale.hashKey },
    );
    await deliverBatch(w.db.store.pool, deliver, { keyring: staleRing, deadLetter: async () => {} });
    const refused = await w.cli(['keys', 'delete', before1.current], admin);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /1 originals are still encrypted with key .*keys reencrypt/);
    const again = await w.cli(['keys', 'reencrypt'], admin);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /re-encrypted 1 originals/);
    const current = await w.cli(['keys', 'delete', JSON.parse(readFileSync(w.keyFile, 'utf8')).current], admin);
    assert.equal(current.code, 2);
    assert.match(current.stderr, /is the current key/);
  });

  it('after deleting the old key every original decrypts, and the audit log still verifies', async () => {
    const deleted = await w.cli(['keys', 'delete', before1.current], admin);
    assert.equal(deleted.code, 0, deleted.stderr);
    const file = JSON.parse(readFileSync(w.keyFile, 'utf8')) as KeyFile;
    assert.equal(file.keys.length, 1);
    assert.notEqual(file.keys[0]!.id, before1.current);
    // as an operator would: a key file written from scratch with only the new key
    writeFileSync(
      w.keyFile,
      JSON.stringify({ current: file.current, keys: file.keys, hashKey: file.hashKey, chainKey: file.chainKey }),
    );
    const checked = await w.cli(['keys', 'check'], admin);
    assert.equal(checked.code, 0, checked.stderr);
    assert.match(checked.stdout, /5 of 5 originals decrypt/);
    assertNoPersonalData(checked.stdout + checked.stderr, 'keys check');
    const items = JSON.parse((await w.cli(['review', 'list', '--json', '--agency', 'a'], admin)).stdout) as {
      id: string;
    }[];
    for (const item of items) {
      const shown = await w.cli(['review', 'show', item.id, '--json'], officer);
      assert.equal(shown.code, 0, shown.stderr);
      assert.ok(texts.includes(JSON.parse(shown.stdout).original));
    }
    const listed = await w.cli(['keys', 'list', '--json'], admin);
    assert.equal(JSON.parse(listed.stdout).keys[0].originals, 5);
    assert.ok(!listed.stdout.includes(file.keys[0]!.key), 'keys list never prints key material');
    const verified = await w.cli(['audit', 'verify'], admin);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  });

  it('with only the old key none decrypts: a clear error per item, not a crash', async () => {
    const file = JSON.parse(readFileSync(w.keyFile, 'utf8')) as KeyFile;
    const oldOnly = { current: before1.current, keys: before1.keys, hashKey: file.hashKey, chainKey: file.chainKey };
    writeFileSync(w.keyFile, JSON.stringify(oldOnly));
    const checked = await w.cli(['keys', 'check'], admin);
    assert.equal(checked.code, 1);
    assert.match(checked.stdout, /^0 of 5 originals decrypt/);
    const perItem = checked.stderr
      .split('\n')
      .filter((l) =>
        /review item [0-9a-f-]{36}: its original was encrypted with key \S+, which is not in the key file/.test(l),
      );
    assert.equal(perItem.length, 5);
    assert.doesNotMatch(checked.stderr, /unexpected error/);
    const item = (
      JSON.parse((await w.cli(['review', 'list', '--json', '--agency', 'a'], admin)).stdout) as { id: string }[]
    )[0]!;
    const shown = await w.cli(['review', 'show', item.id], officer);
    assert.equal(shown.code, 1);
    assert.match(shown.stderr, new RegExp(`review item ${item.id}: its original was encrypted with key`));
    assertNoPersonalData(shown.stdout + shown.stderr, 'a failed show');
    const approve = await w.cli(['review', 'decide', item.id, '--approve'], officer);
    assert.equal(approve.code, 1);
    assert.equal(
      (await w.query<{ status: string }>(`SELECT status FROM review_items WHERE id = $1`, [item.id]))[0]!.status,
      'open',
      'nothing decided without the original',
    );
    // the same key id with different key bytes is told apart too
    const forged = { ...oldOnly, keys: [...before1.keys, { ...file.keys[0]!, key: before1.keys[0]!.key }] };
    writeFileSync(w.keyFile, JSON.stringify(forged));
    const wrong = await w.cli(['keys', 'check'], admin);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /does not decrypt with key/);
  });
});
