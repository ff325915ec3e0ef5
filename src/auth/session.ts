import { config } from '../core/config.ts';
import type { Keyring } from '../core/keys.ts';
import { openStore, type Store } from '../store/database.ts';
import { openInstallation } from '../store/installation.ts';
import { sealAuditLog, type ChainContext, type SealResult } from '../audit/chain.ts';
import { headFilePath, loadChainContext } from '../audit/context.ts';
import { writeAudit } from '../audit/log.ts';
import { authenticate, TOKEN_VARIABLE } from './users.ts';
import { ForbiddenError, type Actor } from './roles.ts';

export { headFilePath };

/** The configured chain keys and head file; `signing: false` only for a process that verifies (see loadChainContext). */
export async function chainContext(options: { signing?: boolean } = {}): Promise<ChainContext> {
  return loadChainContext(config(), options);
}

/**
 * Seals the audit log. Refuses (SealRefusedError, exit 1) to extend a chain that does not reach its signed head;
 * needs the signing key.
 */
export async function seal(store: Store, context: ChainContext): Promise<SealResult> {
  return sealAuditLog(store.pool, context);
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
 * Runs a command's work as the token's holder: opens the store, checks the configuration against the installation
 * recorded there, authenticates, and afterwards seals the audit log (every review, user, key and audit command ends
 * by sealing). A refusal is itself audited. `verifyOnly`: the command may run with the chain's public key alone,
 * and then leaves sealing to a process that holds the signing key.
 */
export async function withSession<T>(options: { token?: string }, command: string, work: (session: Session) => Promise<T>, settings: { verifyOnly?: boolean } = {}): Promise<T> {
  const cfg = config();
  const store = await openStore(cfg.databaseUrl);
  try {
    const { chain, keyring } = await openInstallation(store.pool, cfg, { signing: !settings.verifyOnly });
    const actor = await authenticate(store.pool, tokenFrom(options));
    const session: Session = { store, actor, chain, keyring };
    try {
      return await work(session);
    } catch (error) {
      if (error instanceof ForbiddenError) {
        await writeAudit(store.pool, { actor, action: 'auth.refused', details: { command, reason: error.message } }).catch(() => {});
      }
      throw error;
    } finally {
      // a failed seal must not hide the command's own outcome; the next command or audit verify seals again
      if (chain.signingKey) await seal(store, chain).catch((error: unknown) => process.stderr.write(`aitu-gateway: warning: could not seal the audit log: ${(error as Error).message}\n`));
    }
  } finally {
    await store.close();
  }
}
