import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { loadKeyring, type KeyFile } from '../src/core/keys.ts';
import { runClassifyStage } from '../src/pipeline/stages/classify.processor.ts';
import { deliverBatch } from '../src/pipeline/stages/deliver.ts';
import { assertNoPersonalData, createReviewWorld, inbound, PLANTED, type ReviewWorld } from './helpers/review-setup.ts';

describe('keys: rotation re-encrypts every original; the old key can then be deleted', () => {
  let w: ReviewWorld;
  let admin: string;
  let officer: string;
  let before1: KeyFile;
  const texts = [`ИИН ${PLANTED.iin} запись`, `Диагноз ${PLANTED.diagnosis} подтвержден`, `ЖСН ${PLANTED.iin2} анықтама`];

  before(async () => {
    w = await createReviewWorld(['a', 'b']);
    await w.deliver('a', texts.map((t, i) => inbound('-1001', 'Polyclinic', `${i + 1}`, t)));
    await w.deliver('b', [inbound('-2001', 'Ministry', '1', texts[0]!)]);
    admin = await w.addUser('root', 'admin');
    officer = await w.addUser('olga', 'officer', ['a'], admin);
    before1 = JSON.parse(readFileSync(w.keyFile, 'utf8')) as KeyFile;
  });
  after(async () => {
    await w?.close();
  });

  const keyIds = async () => (await w.query<{ key_id: string }>(`SELECT DISTINCT key_id FROM review_items`)).map((r) => r.key_id);

  it('only an admin rotates', async () => {
    const refused = await w.cli(['keys', 'rotate'], officer);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /may not rotate keys/);
    assert.deepEqual(await keyIds(), [before1.current]);
  });

  it('rotate creates a new current key and re-encrypts every original under it', async () => {
    const oldCiphertexts = await w.query<{ id: string; original: Buffer }>(`SELECT id, original FROM review_items ORDER BY id`);
    const rotated = await w.cli(['keys', 'rotate', '--json'], admin);
    assert.equal(rotated.code, 0, rotated.stderr);
    const result = JSON.parse(rotated.stdout) as { previousKeyId: string; currentKeyId: string; reencrypted: number };
    assert.equal(result.previousKeyId, before1.current);
    assert.equal(result.reencrypted, 4);
    const file = JSON.parse(readFileSync(w.keyFile, 'utf8')) as KeyFile;
    assert.equal(file.current, result.currentKeyId);
    assert.deepEqual(file.keys.map((k) => k.id), [before1.current, result.currentKeyId], 'the old key stays listed until deleted');
    assert.equal(file.hashKey, before1.hashKey);
    assert.equal(file.chainKey, before1.chainKey);
    assert.deepEqual(await keyIds(), [result.currentKeyId]);
    const now = await w.query<{ id: string; original: Buffer }>(`SELECT id, original FROM review_items ORDER BY id`);
    for (const [i, row] of now.entries()) assert.ok(!row.original.equals(oldCiphertexts[i]!.original));
    const audited = await w.query<{ action: string; details: unknown }>(`SELECT action, details FROM audit_log WHERE action LIKE 'keys.%'`);
    assert.deepEqual(audited.map((a) => a.action).sort(), ['keys.add', 'keys.reencrypt']);
    assert.ok(!JSON.stringify(audited).includes(file.keys[1]!.key), 'no key material in the audit log');
  });

  it('an item a worker wrote with the old key keeps the old key from being deleted until reencrypt', async () => {
    // a worker started before the rotation still holds the old keyring
    const stale = await loadKeyring(w.keyFile);
    const staleRing = { ...stale, currentId: before1.current, current: stale.get(before1.current)! };
    const { deliver } = runClassifyStage({ agencyId: w.agencies.a!, runId: null, seq: null, checkpoint: null, messages: [inbound('-1001', 'Polyclinic', '9', texts[1]!)] }, { hashKey: stale.hashKey });
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
    writeFileSync(w.keyFile, JSON.stringify({ current: file.current, keys: file.keys, hashKey: file.hashKey, chainKey: file.chainKey }));
    const checked = await w.cli(['keys', 'check'], admin);
    assert.equal(checked.code, 0, checked.stderr);
    assert.match(checked.stdout, /5 of 5 originals decrypt/);
    assertNoPersonalData(checked.stdout + checked.stderr, 'keys check');
    const items = JSON.parse((await w.cli(['review', 'list', '--json', '--agency', 'a'], admin)).stdout) as { id: string }[];
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
    const perItem = checked.stderr.split('\n').filter((l) => /review item [0-9a-f-]{36}: its original was encrypted with key \S+, which is not in the key file/.test(l));
    assert.equal(perItem.length, 5);
    assert.doesNotMatch(checked.stderr, /unexpected error/);
    const item = (JSON.parse((await w.cli(['review', 'list', '--json', '--agency', 'a'], admin)).stdout) as { id: string }[])[0]!;
    const shown = await w.cli(['review', 'show', item.id], officer);
    assert.equal(shown.code, 1);
    assert.match(shown.stderr, new RegExp(`review item ${item.id}: its original was encrypted with key`));
    assertNoPersonalData(shown.stdout + shown.stderr, 'a failed show');
    const approve = await w.cli(['review', 'decide', item.id, '--approve'], officer);
    assert.equal(approve.code, 1);
    assert.equal((await w.query<{ status: string }>(`SELECT status FROM review_items WHERE id = $1`, [item.id]))[0]!.status, 'open', 'nothing decided without the original');
    // the same key id with different key bytes is told apart too
    const forged = { ...oldOnly, keys: [...before1.keys, { ...file.keys[0]!, key: before1.keys[0]!.key }] };
    writeFileSync(w.keyFile, JSON.stringify(forged));
    const wrong = await w.cli(['keys', 'check'], admin);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /does not decrypt with key/);
  });
});
