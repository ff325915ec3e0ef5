import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../core/errors.ts';

/**
 * The audit chain's Ed25519 key pair, in two files of their own, apart from the data keys and from the database:
 * the private key (mode 0600) signs each head the sealer records; the public key is all that `audit verify` needs.
 * Both are written only by `aitu-gateway keys init`.
 */
const INIT_HINT = 'create the keys of a new installation with: aitu-gateway keys init';

async function readKeyText(file: string, what: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new UsageError(`cannot read the audit chain's ${what} ${file}: ${code ?? (error as Error).message}`, {
      cause: error,
    });
  }
}

function parseKey(file: string, what: string, text: string, parse: (pem: string) => KeyObject): KeyObject {
  let key: KeyObject;
  try {
    key = parse(text);
  } catch {
    throw new UsageError(`the audit chain's ${what} ${file} is not a PEM key: restore it from its backup`);
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new UsageError(`the audit chain's ${what} ${file} is not an Ed25519 key`);
  return key;
}

/** The public key; missing or unreadable is a usage error naming the file. */
export async function loadChainPublicKey(file: string): Promise<KeyObject> {
  const text = await readKeyText(file, 'public key');
  if (text === null)
    throw new UsageError(
      `the audit chain's public key ${file} does not exist: ${INIT_HINT}, or restore it from its backup`,
    );
  return parseKey(file, 'public key', text, (pem) => createPublicKey(pem));
}

/** The private key, which must be the half of `publicKey`; missing or unreadable is a usage error naming the file. */
export async function loadChainPrivateKey(file: string, publicKey: KeyObject): Promise<KeyObject> {
  const text = await readKeyText(file, 'signing key');
  if (text === null)
    throw new UsageError(
      `the audit chain's signing key ${file} does not exist: ${INIT_HINT}, or restore it from its backup`,
    );
  return privateKeyOf(file, text, publicKey);
}

function privateKeyOf(file: string, text: string, publicKey: KeyObject): KeyObject {
  const privateKey = parseKey(file, 'signing key', text, (pem) => createPrivateKey(pem));
  if (publicKeyFingerprint(createPublicKey(privateKey)) !== publicKeyFingerprint(publicKey)) {
    throw new UsageError(
      `the audit chain's signing key ${file} does not belong to its public key (AITU_GATEWAY_CHAIN_PUBLIC_KEY_FILE): restore the pair from its backup`,
    );
  }
  return privateKey;
}

/** SHA-256 of the public key's DER encoding: how the installation record names it. */
export function publicKeyFingerprint(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

export function signText(privateKey: KeyObject, text: string): string {
  return sign(null, Buffer.from(text, 'utf8'), privateKey).toString('base64');
}

export function verifyText(publicKey: KeyObject, text: string, signature: string): boolean {
  try {
    return verify(null, Buffer.from(text, 'utf8'), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/**
 * `keys init`'s part for the chain: a new key pair when neither file exists, the public key written again from
 * the private one when only it is missing. Never replaces a key: a public key without its private key is refused
 * (heads signed by the lost key could no longer be extended). Returns what was written.
 */
export async function initChainKeys(
  privateFile: string,
  publicFile: string,
): Promise<{ created: boolean; wrotePublic: boolean }> {
  const [privateText, publicText] = await Promise.all([
    readKeyText(privateFile, 'signing key'),
    readKeyText(publicFile, 'public key'),
  ]);
  if (privateText === null && publicText !== null) {
    throw new UsageError(
      `the audit chain's public key ${publicFile} exists but its signing key ${privateFile} does not: restore the signing key from its backup (a new one could not extend the chain its old one signed)`,
    );
  }
  let created = false;
  let privateKey: KeyObject;
  if (privateText === null) {
    privateKey = generateKeyPairSync('ed25519').privateKey;
    await mkdir(path.dirname(privateFile), { recursive: true, mode: 0o700 });
    await writeFile(privateFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    created = true;
  } else {
    privateKey = parseKey(privateFile, 'signing key', privateText, (pem) => createPrivateKey(pem));
  }
  const publicKey = createPublicKey(privateKey);
  if (publicText !== null) {
    await loadChainPrivateKey(
      privateFile,
      parseKey(publicFile, 'public key', publicText, (pem) => createPublicKey(pem)),
    );
    return { created, wrotePublic: false };
  }
  await mkdir(path.dirname(publicFile), { recursive: true, mode: 0o755 });
  await writeFile(publicFile, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644, flag: 'wx' });
  return { created, wrotePublic: true };
}

/** The signing key when this process can read its file (a verifying process may have none); else undefined. */
export async function loadChainPrivateKeyIfPresent(file: string, publicKey: KeyObject): Promise<KeyObject | undefined> {
  let text: string | null;
  try {
    text = await readKeyText(file, 'signing key');
  } catch (error) {
    const code = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'EACCES' || code === 'EPERM') return undefined;
    throw error;
  }
  return text === null ? undefined : privateKeyOf(file, text, publicKey);
}

/** The public half of the signing key in `file`, or null when there is no such file (before `keys init`). */
export async function chainPublicHalf(file: string): Promise<KeyObject | null> {
  const text = await readKeyText(file, 'signing key');
  return text === null ? null : createPublicKey(parseKey(file, 'signing key', text, (pem) => createPrivateKey(pem)));
}
