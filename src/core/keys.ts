import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
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
});
export type KeyFile = z.infer<typeof keyFileSchema>;

export interface Keyring {
  file: string;
  currentId: string;
  current: Buffer;
  hashKey: Buffer;
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

export async function writeKeyFile(file: string, data: KeyFile, options: { exclusive?: boolean } = {}): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600, flag: options.exclusive ? 'wx' : 'w' });
}

/** The keyring; the file is created with a first key when it does not exist yet. */
export async function loadKeyring(file: string): Promise<Keyring> {
  let data = await readKeyFile(file);
  if (!data) {
    const first = newKeyEntry();
    const created: KeyFile = { current: first.id, keys: [first], hashKey: randomBytes(32).toString('base64') };
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

/** AES-256-GCM: iv (12 bytes) ‖ tag (16) ‖ ciphertext. */
export function encryptOriginal(key: Buffer, plaintext: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

export function decryptOriginal(key: Buffer, sealed: Buffer): string {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  decipher.setAuthTag(sealed.subarray(12, 28));
  return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
}
