import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { openBytes, sealBytes } from '../crypto/aead.ts';
import { UsageError } from './errors.ts';

/**
 * Data keys live in a key file (config `keyFile`, mode 0600), never in the database: the store holds only ciphertext
 * and the id of the key that made it. The file is written only by `aitu-gateway keys init` (and by rotation and
 * deletion under its lock): a command that finds no key file stops with a configuration error naming it, so no
 * process ever encrypts under keys the installation does not have.
 */
const keyFileSchema = z.object({
  current: z.string().min(1),
  keys: z.array(z.object({ id: z.string().min(1), key: z.string(), createdAt: z.string() })).min(1),
  /** keys the HMAC redaction operator with, so the same value maps to the same token across messages */
  hashKey: z.string(),
  /**
   * the HMAC key of audit chain links sealed before the chain was signed (format `hmac-sha256`); kept in files
   * written then, so those links can still be recomputed; never created now
   */
  chainKey: z.string().optional(),
  /** keys queue payloads (AES-256-GCM) so no message text reaches Redis in clear */
  queueKey: z.string().optional(),
  /**
   * HMAC keys of the subject index (an identifier's keyed digest, never its value); the current one indexes, older
   * ones stay until re-indexing is done (`keys rotate --index`)
   */
  indexKeys: z.array(z.object({ id: z.string().min(1), key: z.string(), createdAt: z.string() })).optional(),
  indexCurrent: z.string().optional(),
});
export type KeyFile = z.infer<typeof keyFileSchema>;

export interface Keyring {
  file: string;
  currentId: string;
  current: Buffer;
  hashKey: Buffer;
  /** the HMAC key of pre-upgrade chain links; undefined in files written since */
  legacyChainKey: Buffer | undefined;
  /** undefined for a file written before queue payloads were encrypted: `requireQueueKey` names the fix */
  queueKey: Buffer | undefined;
  /** the subject index's keys; undefined for a file written before the index: `requireIndexKey` names the fix */
  index: IndexKeys | undefined;
  get(id: string): Buffer | undefined;
  ids(): string[];
}

export interface IndexKeys {
  currentId: string;
  current: Buffer;
  /** every index key by id, the current one included: a lookup digests the value under each */
  all: ReadonlyMap<string, Buffer>;
}

const INIT_HINT = 'create the keys of a new installation with: aitu-gateway keys init';

function decodeKey(file: string, id: string, base64: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new UsageError(`key file ${file}: key ${id} is not 32 bytes of base64`);
  return key;
}

export function newKeyEntry(now = new Date()) {
  return {
    id: `k${now.toISOString().replace(/\D/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`,
    key: randomBytes(32).toString('base64'),
    createdAt: now.toISOString(),
  };
}

/** A new installation's key file: a first data key, the hash key, the queue key and a first index key. */
export function newKeyFile(now = new Date()): KeyFile {
  const first = newKeyEntry(now);
  const index = newKeyEntry(now);
  return {
    current: first.id,
    keys: [first],
    hashKey: randomBytes(32).toString('base64'),
    queueKey: randomBytes(32).toString('base64'),
    indexKeys: [index],
    indexCurrent: index.id,
  };
}

function indexKeysOf(file: string, data: KeyFile): IndexKeys | undefined {
  if (!data.indexKeys || !data.indexCurrent) return undefined;
  const all = new Map(data.indexKeys.map((k) => [k.id, decodeKey(file, k.id, k.key)]));
  const current = all.get(data.indexCurrent);
  if (!current) throw new UsageError(`key file ${file}: current index key ${data.indexCurrent} is not among its keys`);
  return { currentId: data.indexCurrent, current, all };
}

export function keyringFrom(file: string, data: KeyFile): Keyring {
  const keys = new Map(data.keys.map((k) => [k.id, decodeKey(file, k.id, k.key)]));
  const current = keys.get(data.current);
  if (!current) throw new UsageError(`key file ${file}: current key ${data.current} is not among its keys`);
  return {
    file,
    currentId: data.current,
    current,
    hashKey: decodeKey(file, 'hashKey', data.hashKey),
    legacyChainKey: data.chainKey === undefined ? undefined : decodeKey(file, 'chainKey', data.chainKey),
    queueKey: data.queueKey === undefined ? undefined : decodeKey(file, 'queueKey', data.queueKey),
    index: indexKeysOf(file, data),
    get: (id) => keys.get(id),
    ids: () => [...keys.keys()],
  };
}

/** The key file's contents; null only when it does not exist. Unreadable or corrupt: a usage error naming it. */
export async function readKeyFile(file: string): Promise<KeyFile | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new UsageError(
      `cannot read key file ${file}: ${code ?? (error as Error).message}; give the installation's OS user read access (or ${INIT_HINT})`,
      { cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // the parser's message quotes the text around the fault, which is key material: only its position is kept
    const at = /position \d+/.exec((error as Error).message)?.[0];
    throw new UsageError(
      `key file ${file} is not valid JSON${at ? ` (${at})` : ''}: restore it from its backup; aitu-gateway keys init never overwrites a key file`,
    );
  }
  const parsed = keyFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new UsageError(
      `key file ${file} is not a valid key file: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}; restore it from its backup (aitu-gateway keys init never overwrites a key file)`,
    );
  }
  return parsed.data;
}

/** Writes the key file; a replacement goes through a temporary file and a rename, so readers never see half a file. */
export async function writeKeyFile(file: string, data: KeyFile, options: { exclusive?: boolean } = {}): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const text = `${JSON.stringify(data, null, 2)}\n`;
  if (options.exclusive) {
    await writeFile(file, text, { mode: 0o600, flag: 'wx' });
    return;
  }
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, text, { mode: 0o600, flag: 'wx' });
  await rename(temporary, file);
}

/** The hash operator's key when a key file exists, without creating one (for read-only paths such as checks and dry runs). */
export async function readHashKey(file: string): Promise<Buffer | undefined> {
  const data = await readKeyFile(file);
  return data ? keyringFrom(file, data).hashKey : undefined;
}

/** The keyring. A missing, unreadable or corrupt key file is a usage error naming it (exit 2); nothing is created. */
export async function loadKeyring(file: string): Promise<Keyring> {
  const data = await readKeyFile(file);
  if (!data) throw new UsageError(`key file ${file} does not exist: ${INIT_HINT}, or restore the file from its backup`);
  return keyringFrom(file, data);
}

/**
 * The one way a key file comes into being (`keys init`): a missing file is created with fresh keys; an existing
 * one (of an older installation) only gets what it lacks (the queue key), never a replaced key.
 * Returns what was written.
 */
export async function initKeyFile(file: string): Promise<{ created: boolean; added: string[] }> {
  if (!(await readKeyFile(file))) {
    try {
      await writeKeyFile(file, newKeyFile(), { exclusive: true });
      return { created: true, added: [] };
    } catch (error) {
      // another process created it first: upgrade that one like any existing file
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const added = await updateKeyFile(file, (data) => {
    if (!data) throw new UsageError(`key file ${file} disappeared during keys init`);
    const added: string[] = [];
    let next = data;
    if (next.queueKey === undefined) {
      next = { ...next, queueKey: randomBytes(32).toString('base64') };
      added.push('queueKey');
    }
    if (next.indexKeys === undefined || next.indexCurrent === undefined) {
      const index = newKeyEntry();
      next = { ...next, indexKeys: [index], indexCurrent: index.id };
      added.push('indexKeys');
    }
    return { data: added.length > 0 ? next : null, result: added };
  });
  await loadKeyring(file);
  return { created: false, added };
}

/**
 * What identifies a key file without revealing a key: SHA-256 of a label and the file's hash key (which, unlike
 * the data keys, is never rotated). Recorded with the installation, so a different key file is told apart.
 */
export function keyFileFingerprint(keyring: Pick<Keyring, 'hashKey'>): string {
  return createHash('sha256').update('aitu-gateway key file\n').update(keyring.hashKey).digest('hex');
}

/**
 * The HMAC key of chain links sealed before the upgrade, when the key file is at hand: a process that only
 * verifies (with the public key) may have no key file, and then those links are counted but not recomputed.
 */
export async function readLegacyChainKey(file: string): Promise<Buffer | undefined> {
  try {
    const data = await readKeyFile(file);
    return data?.chainKey === undefined ? undefined : decodeKey(file, 'chainKey', data.chainKey);
  } catch (error) {
    const code = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'EACCES' || code === 'EPERM') return undefined;
    throw error;
  }
}

/** The queue payload key; a key file without one is a configuration error naming the file. */
export function requireQueueKey(keyring: Keyring): Buffer {
  if (!keyring.queueKey)
    throw new UsageError(`key file ${keyring.file} has no queue key (queueKey); run: aitu-gateway keys init`);
  return keyring.queueKey;
}

/** The subject index's keys; a key file without them is a configuration error naming the file. */
export function requireIndexKey(keyring: Keyring): IndexKeys {
  if (!keyring.index)
    throw new UsageError(`key file ${keyring.file} has no subject index key (indexKeys); run: aitu-gateway keys init`);
  return keyring.index;
}

/** Adds a new index key and makes it current (`keys rotate --index`); the others stay until re-indexing ends. */
export async function addCurrentIndexKey(
  file: string,
  now = new Date(),
): Promise<{ previousId: string; currentId: string }> {
  return updateKeyFile(file, (data) => {
    if (!data?.indexKeys || !data.indexCurrent)
      throw new UsageError(`key file ${file} has no index key; run: aitu-gateway keys init`);
    const entry = newKeyEntry(now);
    return {
      data: { ...data, indexCurrent: entry.id, indexKeys: [...data.indexKeys, entry] },
      result: { previousId: data.indexCurrent, currentId: entry.id },
    };
  });
}

/** Removes index keys other than the current one (re-indexing done: no digest under them is left). */
export async function dropOldIndexKeys(file: string, keep: readonly string[]): Promise<string[]> {
  return updateKeyFile(file, (data) => {
    if (!data?.indexKeys || !data.indexCurrent) return { data: null, result: [] as string[] };
    const dropped = data.indexKeys.filter((k) => k.id !== data.indexCurrent && !keep.includes(k.id)).map((k) => k.id);
    if (dropped.length === 0) return { data: null, result: dropped };
    return { data: { ...data, indexKeys: data.indexKeys.filter((k) => !dropped.includes(k.id)) }, result: dropped };
  });
}

/**
 * Read-modify-write of an existing key file under a lock file beside it (`<file>.lock`, created exclusively), so
 * two processes upgrading or rotating at once cannot overwrite each other's keys. A lock older than a minute is
 * taken to be left by a crashed process and removed.
 */
export async function updateKeyFile<T>(
  file: string,
  mutate: (data: KeyFile | null) => { data: KeyFile | null; result: T },
): Promise<T> {
  await loadKeyring(file);
  const lock = `${file}.lock`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > 60_000) await unlink(lock).catch(() => {});
      else if (Date.now() > deadline)
        throw new UsageError(
          `key file ${file} is locked by another process (${lock}); remove the lock file if no aitu-gateway process is running`,
        );
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    const { data, result } = mutate(await readKeyFile(file));
    if (data) await writeKeyFile(file, data);
    return result;
  } finally {
    await unlink(lock).catch(() => {});
  }
}

/**
 * Adds a new data key and makes it current; earlier keys stay listed (originals under them must still read
 * until they are re-encrypted). Returns the previous and the new key id.
 */
export async function addCurrentKey(
  file: string,
  now = new Date(),
): Promise<{ previousId: string; currentId: string }> {
  await loadKeyring(file);
  return updateKeyFile(file, (data) => {
    if (!data) throw new UsageError(`key file ${file} disappeared during rotation`);
    const entry = newKeyEntry(now);
    return {
      data: { ...data, current: entry.id, keys: [...data.keys, entry] },
      result: { previousId: data.current, currentId: entry.id },
    };
  });
}

/** Removes a key that is no longer current from the key file (the caller checks nothing still needs it). */
export async function removeKey(file: string, id: string): Promise<void> {
  await updateKeyFile(file, (data) => {
    if (!data) throw new UsageError(`key file ${file} does not exist`);
    if (data.current === id)
      throw new UsageError(`key ${id} is the current key; rotate first (aitu-gateway keys rotate)`);
    if (!data.keys.some((k) => k.id === id))
      throw new UsageError(`key ${id} is not in ${file}; its keys: ${data.keys.map((k) => k.id).join(', ')}`);
    return { data: { ...data, keys: data.keys.filter((k) => k.id !== id) }, result: undefined };
  });
}

/**
 * What an encrypted original is bound to (AES-GCM associated data): its agency and its message's unique key in
 * the store (platform, source chat, source message). A review item belongs to exactly one message, so a
 * ciphertext copied onto any other item (of this or another agency) fails to authenticate.
 */
export interface OriginalBinding {
  agencyId: string;
  platform: string;
  sourceChatId: string;
  sourceMessageId: string;
}

/** `review_items.original_format`: 1 for originals sealed before binding (no associated data), 2 for bound ones. */
export const OriginalFormat = { unbound: 1, bound: 2 } as const;

function bindingData(binding: OriginalBinding): Buffer {
  return Buffer.from(
    JSON.stringify([
      'aitu-gateway original',
      binding.agencyId,
      binding.platform,
      binding.sourceChatId,
      binding.sourceMessageId,
    ]),
    'utf8',
  );
}

export function encryptOriginal(key: Buffer, plaintext: string, binding: OriginalBinding): Buffer {
  return sealBytes(key, Buffer.from(plaintext, 'utf8'), bindingData(binding));
}

/** Throws when the key, the binding or the ciphertext is not the one it was sealed with. `null`: an unbound original. */
export function decryptOriginal(key: Buffer, sealed: Buffer, binding: OriginalBinding | null): string {
  return openBytes(key, sealed, binding ? bindingData(binding) : null).toString('utf8');
}

/** What a redacted attachment's encrypted original is bound to: the agency it belongs to and the file's sha256. */
export interface FileBinding {
  agencyId: string;
  sha256: string;
}

const fileBindingData = (binding: FileBinding) =>
  Buffer.from(JSON.stringify(['aitu-gateway attachment', binding.agencyId, binding.sha256]), 'utf8');

export function encryptFile(key: Buffer, bytes: Buffer, binding: FileBinding): Buffer {
  return sealBytes(key, bytes, fileBindingData(binding));
}

/** Throws when the key, the binding or the ciphertext is not the one it was sealed with. */
export function decryptFile(key: Buffer, sealed: Buffer, binding: FileBinding): Buffer {
  return openBytes(key, sealed, fileBindingData(binding));
}
