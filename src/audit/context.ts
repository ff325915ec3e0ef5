import path from 'node:path';
import type { Config } from '../core/config.ts';
import { readLegacyChainKey } from '../core/keys.ts';
import type { ChainContext } from './chain.ts';
import { loadChainPrivateKey, loadChainPrivateKeyIfPresent, loadChainPublicKey } from './signing.ts';

/** Where the chain's signed head is recorded outside the database. */
export function headFilePath(dataDir: string): string {
  return path.join(dataDir, 'audit-head.json');
}

export type ChainSettings = Pick<Config, 'dataDir' | 'keyFile' | 'chainKeyFile' | 'chainPublicKeyFile'>;

/**
 * The chain's keys and head file as configured. A sealing process needs the signing key (missing: a usage error
 * naming it). With `signing: false` (a process that only verifies) the public key is all that is required; the
 * signing key is still used when this process can read it, so that verifying seals first where it can.
 */
export async function loadChainContext(cfg: ChainSettings, options: { signing?: boolean } = {}): Promise<ChainContext> {
  const publicKey = await loadChainPublicKey(cfg.chainPublicKeyFile);
  const signingKey =
    options.signing === false
      ? await loadChainPrivateKeyIfPresent(cfg.chainKeyFile, publicKey)
      : await loadChainPrivateKey(cfg.chainKeyFile, publicKey);
  const legacyChainKey = await readLegacyChainKey(cfg.keyFile);
  return {
    headFile: headFilePath(cfg.dataDir),
    publicKey,
    publicKeyFile: cfg.chainPublicKeyFile,
    signingKeyFile: cfg.chainKeyFile,
    ...(signingKey ? { signingKey } : {}),
    ...(legacyChainKey ? { legacyChainKey } : {}),
  };
}
