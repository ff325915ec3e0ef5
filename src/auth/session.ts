import path from 'node:path';
import { config } from '../core/config.ts';
import { loadChainKey, loadKeyring, type Keyring } from '../core/keys.ts';
import { openStore, type Store } from '../store/database.ts';
import { sealAuditLog, type ChainContext, type SealResult } from '../audit/chain.ts';
import { writeAudit } from '../audit/log.ts';
import { authenticate, TOKEN_VARIABLE } from './users.ts';
import { ForbiddenError, type Actor } from './roles.ts';

/** Where the chain's head is recorded outside the database. */
export function headFilePath(dataDir: string): string {
  return path.join(dataDir, 'audit-head.json');
}

export async function chainContext(): Promise<ChainContext> {
  const cfg = config();
  return { chainKey: await loadChainKey(cfg.keyFile), headFile: headFilePath(cfg.dataDir) };
}

/** Seals the audit log; a chain that no longer reaches its recorded head is reported on standard error. */
export async function seal(store: Store, context: ChainContext): Promise<SealResult> {
  const result = await sealAuditLog(store.pool, context);
  if (!result.headConsistent) {
    process.stderr.write(`aitu-gateway: warning: the audit chain does not reach the head recorded in ${context.headFile}; run: aitu-gateway audit verify\n`);
  }
  return result;
}

export interface Session {
  store: Store;
  actor: Actor;
  keyring(): Promise<Keyring>;
  chain: ChainContext;
}

/** The token from --token, else the environment. */
export function tokenFrom(options: { token?: string }): string | undefined {
  return options.token ?? (process.env[TOKEN_VARIABLE] || undefined);
}

/**
 * Runs a command's work as the token's holder: opens the store, authenticates, and afterwards seals the audit
 * log (every review, user, key and audit command ends by sealing). A refusal is itself audited.
 */
export async function withSession<T>(options: { token?: string }, command: string, work: (session: Session) => Promise<T>): Promise<T> {
  const cfg = config();
  const store = await openStore(cfg.databaseUrl);
  try {
    const actor = await authenticate(store.pool, tokenFrom(options));
    const chain = await chainContext();
    let keyring: Promise<Keyring> | undefined;
    const session: Session = { store, actor, chain, keyring: () => (keyring ??= loadKeyring(cfg.keyFile)) };
    try {
      return await work(session);
    } catch (error) {
      if (error instanceof ForbiddenError) {
        await writeAudit(store.pool, { actor, action: 'auth.refused', details: { command, reason: error.message } }).catch(() => {});
      }
      throw error;
    } finally {
      // a failed seal must not hide the command's own outcome; the next command or audit verify seals again
      await seal(store, chain).catch((error: unknown) => process.stderr.write(`aitu-gateway: warning: could not seal the audit log: ${(error as Error).message}\n`));
    }
  } finally {
    await store.close();
  }
}
