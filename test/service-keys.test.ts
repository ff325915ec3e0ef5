import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ForbiddenError, type Actor } from '../src/auth/roles.ts';
import { UsageError } from '../src/core/errors.ts';
import { addCurrentKey, loadKeyring, readKeyFile } from '../src/core/keys.ts';
import { checkKeys, deleteKey, listKeys, reencryptKeys, rotateKeys } from '../src/service/keys.ts';
import { auditOf } from './helpers/actors.ts';
import { createPeople } from './helpers/people.ts';
import { createReviewWorld, inbound, PLANTED, type ReviewWorld } from './helpers/review-setup.ts';

/** The key operations called directly: an admin's alone, each audited, and no key deleted that an original needs. */
describe('service: key operations are for admins, audited, and keep every key an original needs', () => {
  let w: ReviewWorld;
  let people: Record<'root' | 'olga' | 'ada', Actor>;
  let keyringOpened = 0;
  const keys = () => {
    keyringOpened++;
    return loadKeyring(w.keyFile);
  };

  before(async () => {
    w = await createReviewWorld(['a']);
    await w.deliver('a', [
      inbound('-1001', 'Polyclinic A', '1', `ИИН ${PLANTED.iin}`),
      inbound('-1001', 'Polyclinic A', '2', `ИИН ${PLANTED.iin2}`),
      inbound('-1001', 'Polyclinic A', '3', `Диагноз: ${PLANTED.diagnosis}`),
    ]);
    ({ actors: people } = await createPeople(w.db.store, {
      root: { role: 'admin' },
      olga: { role: 'officer', agencies: ['a'] },
      ada: { role: 'auditor' },
    }));
  });
  after(async () => {
    await w?.close();
  });

  const keyIds = async () => (await readKeyFile(w.keyFile))!.keys.map((k) => k.id);

  it('an officer and an auditor are refused every key operation, before the key file is read or changed', async () => {
    const before = await keyIds();
    for (const who of [people.olga, people.ada]) {
      await assert.rejects(rotateKeys(w.db.store, who, w.keyFile), ForbiddenError);
      await assert.rejects(reencryptKeys(w.db.store, who, keys), ForbiddenError);
      await assert.rejects(checkKeys(w.db.store, who, keys), ForbiddenError);
      await assert.rejects(listKeys(w.db.store, who, w.keyFile), ForbiddenError);
      await assert.rejects(deleteKey(w.db.store, who, w.keyFile, before[0]!), ForbiddenError);
    }
    assert.equal(keyringOpened, 0);
    assert.deepEqual(await keyIds(), before);
    assert.deepEqual(
      await w.query(`SELECT action FROM audit_log WHERE action LIKE 'keys.%' AND action <> 'keys.init'`),
      [],
      'no key operation was recorded',
    );
  });

  it("list and check: every original under the file's one key, audited with counts only", async () => {
    const listing = await listKeys(w.db.store, people.root, w.keyFile);
    assert.equal(listing.keys.length, 1);
    assert.deepEqual([listing.keys[0]!.current, listing.keys[0]!.originals], [true, 3]);
    assert.deepEqual(listing.missingKeys, []);
    const checked = await checkKeys(w.db.store, people.root, keys);
    assert.deepEqual([checked.total, checked.readable, checked.unreadable.length], [3, 3, 0]);
    const [listed] = await auditOf(w, 'keys.list');
    assert.deepEqual([listed?.actor, listed?.details.keys], ['root', 1]);
    const [check] = await auditOf(w, 'keys.check');
    assert.deepEqual([check?.details.total, check?.details.readable], [3, 3]);
  });

  it('delete: refused for the current key, and for a key originals are still encrypted with', async () => {
    const [old] = await keyIds();
    await assert.rejects(
      deleteKey(w.db.store, people.root, w.keyFile, old!),
      (e: unknown) => e instanceof UsageError && /is the current key/.test(e.message),
    );
    // a new current key, the originals not re-encrypted yet (a rotation interrupted)
    const { currentId } = await addCurrentKey(w.keyFile);
    await assert.rejects(
      deleteKey(w.db.store, people.root, w.keyFile, old!),
      (e: unknown) => e instanceof UsageError && /3 originals are still encrypted with key/.test(e.message),
    );
    assert.deepEqual(await keyIds(), [old, currentId], 'the key stays in the file');
    assert.deepEqual(await auditOf(w, 'keys.delete'), []);
    const reencrypted = await reencryptKeys(w.db.store, people.root, keys);
    assert.deepEqual([reencrypted.currentKeyId, reencrypted.reencrypted], [currentId, 3]);
    await deleteKey(w.db.store, people.root, w.keyFile, old!);
    assert.deepEqual(await keyIds(), [currentId]);
    const [deleted] = await auditOf(w, 'keys.delete');
    assert.deepEqual([deleted?.actor, deleted?.subject], ['root', `key:${old}`]);
  });

  it('rotate: a new current key, every original under it, audited as keys.add and keys.reencrypt', async () => {
    const [previous] = await keyIds();
    const rotated = await rotateKeys(w.db.store, people.root, w.keyFile);
    assert.equal(rotated.previousKeyId, previous);
    assert.deepEqual([rotated.reencrypted, rotated.unreadable.length], [3, 0]);
    const listing = await listKeys(w.db.store, people.root, w.keyFile);
    assert.deepEqual(
      listing.keys.map((k) => [k.id, k.current, k.originals]),
      [
        [previous, false, 0],
        [rotated.currentKeyId, true, 3],
      ],
    );
    const [added] = await auditOf(w, 'keys.add');
    assert.deepEqual(added?.details.currentKeyId, rotated.currentKeyId);
    const reencrypts = await auditOf(w, 'keys.reencrypt');
    assert.equal(reencrypts.at(-1)?.subject, `key:${rotated.currentKeyId}`);
    const log = JSON.stringify(await w.query(`SELECT subject, details FROM audit_log`));
    for (const k of (await readKeyFile(w.keyFile))!.keys)
      assert.ok(!log.includes(k.key), `no key material in the audit log (${k.id})`);
  });
});
