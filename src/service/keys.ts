import { writeAudit } from '../audit/log.ts';
import { requireRole, type Actor } from '../auth/roles.ts';
import { UsageError } from '../core/errors.ts';
import { addCurrentIndexKey, addCurrentKey, loadKeyring, readKeyFile, removeKey, type Keyring } from '../core/keys.ts';
import {
  checkOriginals,
  originalsByKey,
  reencryptOriginals,
  type CheckResult,
  type ReencryptResult,
} from '../review/originals.ts';
import type { Store } from '../store/database.ts';
import { backfillIndex, rekeyIndexAudited, type BackfillCounts, type RekeyCounts } from './subject-index.ts';

/**
 * The data keys of the encrypted originals, as an admin manages them: every operation is the admin's alone and is
 * audited with key ids and counts, never key material. The key file's path is the caller's (the installation's
 * configuration); it never enters the database. `keys init` is not here: it runs as the installation's OS user
 * before any person exists (src/store/installation.ts).
 */

const ADMIN = ['admin'] as const;

export interface RotateResult extends ReencryptResult {
  previousKeyId: string;
  currentKeyId: string;
}

/**
 * A new current key in the key file, then every original re-encrypted under it (audited as `keys.add` and
 * `keys.reencrypt`). Originals that cannot be read stay under their old key and are listed in `unreadable`.
 */
export async function rotateKeys(store: Store, actor: Actor, keyFile: string, dataDir?: string): Promise<RotateResult> {
  requireRole(actor, ADMIN, 'rotate keys');
  const { previousId, currentId } = await addKeyAudited(store, actor, 'keys.add', addCurrentKey(keyFile));
  const result = await reencryptOriginals(store.pool, await loadKeyring(keyFile), dataDir ? { dataDir } : {});
  await writeAudit(store.pool, {
    actor,
    action: 'keys.reencrypt',
    subject: `key:${currentId}`,
    details: {
      reencrypted: result.reencrypted,
      bound: result.bound,
      unreadable: result.unreadable.length,
      unreadableItems: result.unreadable.slice(0, 100).map((u) => u.id),
    },
  });
  return { previousKeyId: previousId, currentKeyId: currentId, ...result };
}

/** Re-encrypts originals not under the current key, and binds those sealed before binding (audited). */
export async function reencryptKeys(
  store: Store,
  actor: Actor,
  keyring: () => Promise<Keyring>,
  dataDir?: string,
): Promise<ReencryptResult & { currentKeyId: string }> {
  requireRole(actor, ADMIN, 're-encrypt originals');
  const ring = await keyring();
  const result = await reencryptOriginals(store.pool, ring, dataDir ? { dataDir } : {});
  await writeAudit(store.pool, {
    actor,
    action: 'keys.reencrypt',
    subject: `key:${ring.currentId}`,
    details: { reencrypted: result.reencrypted, bound: result.bound, unreadable: result.unreadable.length },
  });
  return { currentKeyId: ring.currentId, ...result };
}

/** Tries to decrypt every original with the key file's keys; nothing of them is returned (audited with counts). */
export async function checkKeys(store: Store, actor: Actor, keyring: () => Promise<Keyring>): Promise<CheckResult> {
  requireRole(actor, ADMIN, 'check keys');
  const result = await checkOriginals(store.pool, await keyring());
  await writeAudit(store.pool, {
    actor,
    action: 'keys.check',
    details: {
      total: result.total,
      readable: result.readable,
      unbound: result.unbound,
      unreadable: result.unreadable.length,
      byKey: result.byKey,
    },
  });
  return result;
}

export interface KeyListing {
  /** the key file's keys, with how many originals each encrypts */
  keys: { id: string; createdAt: string; current: boolean; originals: number }[];
  /** key ids originals are encrypted with that the key file lacks */
  missingKeys: { id: string; originals: number }[];
}

/** The key file's key ids and how many originals each encrypts, and the ids originals need that it lacks. */
export async function listKeys(store: Store, actor: Actor, keyFile: string): Promise<KeyListing> {
  requireRole(actor, ADMIN, 'list keys');
  const file = await readKeyFile(keyFile);
  const counts = await originalsByKey(store.pool);
  const keys = (file?.keys ?? []).map((k) => ({
    id: k.id,
    createdAt: k.createdAt,
    current: k.id === file?.current,
    originals: counts.get(k.id) ?? 0,
  }));
  const missingKeys = [...counts]
    .filter(([id]) => !keys.some((k) => k.id === id))
    .map(([id, originals]) => ({ id, originals }));
  await writeAudit(store.pool, { actor, action: 'keys.list', details: { keys: keys.length } });
  return { keys, missingKeys };
}

/**
 * Removes a key that is not current from the key file (audited). Refused (a usage error saying what to run) while
 * it is the current key, or while any original, of a review item or a kept message version, is still under it:
 * deleting it would leave those originals unreadable for good.
 */
export async function deleteKey(store: Store, actor: Actor, keyFile: string, id: string): Promise<void> {
  requireRole(actor, ADMIN, 'delete keys');
  if ((await readKeyFile(keyFile))?.current === id)
    throw new UsageError(`key ${id} is the current key; rotate first (aitu-gateway keys rotate)`);
  const still = (await originalsByKey(store.pool)).get(id) ?? 0;
  if (still > 0)
    throw new UsageError(`${still} originals are still encrypted with key ${id}; run: aitu-gateway keys reencrypt`);
  await removeKey(keyFile, id);
  await writeAudit(store.pool, { actor, action: 'keys.delete', subject: `key:${id}` });
}

/**
 * `keys rotate --index`: a new current index key (audited); the caller asks the maintenance queue to re-key the
 * index in the background (`requestRekey`), or runs `keys reindex`.
 */
export async function rotateIndexKey(
  store: Store,
  actor: Actor,
  keyFile: string,
): Promise<{ previousKeyId: string; currentKeyId: string }> {
  requireRole(actor, ADMIN, 'rotate keys');
  const { previousId, currentId } = await addKeyAudited(store, actor, 'keys.add-index', addCurrentIndexKey(keyFile));
  return { previousKeyId: previousId, currentKeyId: currentId };
}

/** A key just added to the key file (`added`), audited as `action` with the key it follows. */
async function addKeyAudited(
  store: Store,
  actor: Actor,
  action: 'keys.add' | 'keys.add-index',
  added: Promise<{ previousId: string; currentId: string }>,
): Promise<{ previousId: string; currentId: string }> {
  const { previousId, currentId } = await added;
  await writeAudit(store.pool, {
    actor,
    action,
    subject: `key:${currentId}`,
    details: { previousKeyId: previousId, currentKeyId: currentId },
  });
  return { previousId, currentId };
}

/** `keys reindex`: re-keys the index now (audited with counts); `dropOld` then removes older index keys unused. */
export async function reindexKeys(store: Store, actor: Actor, keyFile: string, dropOld: boolean): Promise<RekeyCounts> {
  requireRole(actor, ADMIN, 're-key the subject index');
  return rekeyIndexAudited(store.pool, actor, keyFile, dropOld);
}

/** `subject backfill`: indexes what was stored before the index (admin; audited with counts; resumable). */
export async function backfillSubjects(
  store: Store,
  actor: Actor,
  keyring: () => Promise<Keyring>,
  dataDir: string,
  onProgress?: (counts: BackfillCounts) => void,
): Promise<BackfillCounts> {
  requireRole(actor, ADMIN, 'backfill the subject index');
  const counts = await backfillIndex(store.pool, await keyring(), dataDir, onProgress);
  await writeAudit(store.pool, { actor, action: 'subject.backfill', details: { ...counts } });
  return counts;
}
