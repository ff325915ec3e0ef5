import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { UsageError } from './errors.ts';

/**
 * Data keys live in a key file (config `keyFile`), never in the database: the store holds only ciphertext and
 * the id of the key that made it. The file is created with fresh random keys on first use (mode 0600).
 */
const keyFileSchema = z.object({
  current: z.string().min(1),
  keys: z.array(z.object({ id: z.string().min(1), key: z.string(), createdAt: z.string() })).min(1),
  /** keys the HMAC redaction operator with, so the same value maps to the same token across messages */
  hashKey: z.string(),
  /** keys the audit log's hash chain (HMAC-SHA256); added on first use to files written before it existed */
  chainKey: z.string().optional(),
  /** keys queue payloads (AES-256-GCM) so no message text reaches Redis in clear */
  queueKey: z.string().optional(),
});
export type KeyFile = z.infer<typeof keyFileSchema>;

export interface Keyring {
  file: string;
  currentId: string;
  current: Buffer;
  hashKey: Buffer;
  /** undefined for a file written before the audit chain existed: `loadChainKey` adds one */
  chainKey: Buffer | undefined;
  /** undefined for a file written before queue payloads were encrypted: `requireQueueKey` names the fix */
  queueKey: Buffer | undefined;
  get(id: string): Buffer | undefined;
  ids(): string[];
}

function decodeKey(file: string, id: string, base64: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new UsageError(`key file ${file}: key ${id} is not 32 bytes of base64`);
  return key;
}

export function newKeyEntry(now = new Date()) {
  return { id: `k${now.toISOString().replace(/\D/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`, key: randomBytes(32).toString('base64'), createdAt: now.toISOString() };
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
    chainKey: data.chainKey === undefined ? undefined : decodeKey(file, 'chainKey', data.chainKey),
    queueKey: data.queueKey === undefined ? undefined : decodeKey(file, 'queueKey', data.queueKey),
    get: (id) => keys.get(id),
    ids: () => [...keys.keys()],
  };
}

export async function readKeyFile(file: string): Promise<KeyFile | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UsageError(`cannot read key file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const parsed = keyFileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new UsageError(`key file ${file} is not a valid key file: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
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

/** The keyring; the file is created with a first key when it does not exist yet. */
export async function loadKeyring(file: string): Promise<Keyring> {
  let data = await readKeyFile(file);
  if (!data) {
    const first = newKeyEntry();
    const created: KeyFile = { current: first.id, keys: [first], hashKey: randomBytes(32).toString('base64'), chainKey: randomBytes(32).toString('base64'), queueKey: randomBytes(32).toString('base64') };
    try {
      await writeKeyFile(file, created, { exclusive: true });
      data = created;
    } catch (error) {
      // another process created it first
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      data = (await readKeyFile(file))!;
    }
  }
  return keyringFrom(file, data);
}

/** The queue payload key; a key file without one is a configuration error naming the file. */
export function requireQueueKey(keyring: Keyring): Buffer {
  if (!keyring.queueKey) throw new UsageError(`key file ${keyring.file} has no queue key (queueKey); run: aitu-gateway keys init`);
  return keyring.queueKey;
}

/**
 * Read-modify-write of the key file under a lock file beside it (`<file>.lock`, created exclusively), so two
 * processes adding a chain key or rotating at once cannot overwrite each other's keys. A lock older than a
 * minute is taken to be left by a crashed process and removed.
 */
export async function updateKeyFile<T>(file: string, mutate: (data: KeyFile | null) => { data: KeyFile | null; result: T }): Promise<T> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const lock = `${file}.lock`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > 60_000) await unlink(lock).catch(() => {});
      else if (Date.now() > deadline) throw new UsageError(`key file ${file} is locked by another process (${lock}); remove the lock file if no aitu-gateway process is running`);
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

/** The audit chain's HMAC key; a key file without one gets one now (written once, under the lock). */
export async function loadChainKey(file: string): Promise<Buffer> {
  const keyring = await loadKeyring(file);
  if (keyring.chainKey) return keyring.chainKey;
  const chainKey = await updateKeyFile(file, (data) => {
    if (!data) throw new UsageError(`key file ${file} disappeared while adding the audit chain key`);
    if (data.chainKey) return { data: null, result: data.chainKey };
    const fresh = randomBytes(32).toString('base64');
    return { data: { ...data, chainKey: fresh }, result: fresh };
  });
  return decodeKey(file, 'chainKey', chainKey);
}

/**
 * Adds a new data key and makes it current; earlier keys stay listed (originals under them must still read
 * until they are re-encrypted). Returns the previous and the new key id.
 */
export async function addCurrentKey(file: string, now = new Date()): Promise<{ previousId: string; currentId: string }> {
  await loadKeyring(file);
  return updateKeyFile(file, (data) => {
    if (!data) throw new UsageError(`key file ${file} disappeared during rotation`);
    const entry = newKeyEntry(now);
    return { data: { ...data, current: entry.id, keys: [...data.keys, entry] }, result: { previousId: data.current, currentId: entry.id } };
  });
}

/** Removes a key that is no longer current from the key file (the caller checks nothing still needs it). */
export async function removeKey(file: string, id: string): Promise<void> {
  await updateKeyFile(file, (data) => {
    if (!data) throw new UsageError(`key file ${file} does not exist`);
    if (data.current === id) throw new UsageError(`key ${id} is the current key; rotate first (aitu-gateway keys rotate)`);
    if (!data.keys.some((k) => k.id === id)) throw new UsageError(`key ${id} is not in ${file}; its keys: ${data.keys.map((k) => k.id).join(', ')}`);
    return { data: { ...data, keys: data.keys.filter((k) => k.id !== id) }, result: undefined };
  });
}

/**
 * Random 96-bit IVs, drawn from the system's generator a few hundred at a time: one call per IV cost more than
 * the encryption itself for a batch's short texts. Each IV is still random and used once.
 */
const IV_BYTES = 12;
let ivPool = Buffer.alloc(0);
let ivAt = 0;
function nextIv(): Buffer {
  if (ivAt + IV_BYTES > ivPool.length) {
    ivPool = randomBytes(IV_BYTES * 256);
    ivAt = 0;
  }
  const iv = ivPool.subarray(ivAt, ivAt + IV_BYTES);
  ivAt += IV_BYTES;
  return iv;
}

/** AES-256-GCM: iv (12 bytes) ‖ tag (16) ‖ ciphertext. */
export function encryptOriginal(key: Buffer, plaintext: string): Buffer {
  const iv = nextIv();
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

export function decryptOriginal(key: Buffer, sealed: Buffer): string {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  decipher.setAuthTag(sealed.subarray(12, 28));
  return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
}
