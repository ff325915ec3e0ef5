import { readFile, stat } from 'node:fs/promises';
import { config } from '../core/config.ts';
import type { Keyring } from '../core/keys.ts';
import { openStore, type Store } from '../store/database.ts';
import { openInstallation } from '../store/installation.ts';
import { sealAuditLog, type ChainContext, type SealResult } from '../audit/chain.ts';
import { headFilePath, loadChainContext } from '../audit/context.ts';
import { writeAudit } from '../audit/log.ts';
import { UsageError } from '../core/errors.ts';
import { authenticate, TOKEN_VARIABLE } from './users.ts';
import { machineActor } from '../core/machine-actor.ts';
import { AuthenticationError, ForbiddenError, isRefusal, type Actor } from './roles.ts';

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

/** Where a command takes its token from (commander's `--token-file <path>` and the deprecated `--token <token>`). */
export interface TokenOptions {
  token?: string;
  tokenFile?: string;
}

/**
 * The token from `--token-file <path>` (`-`: standard input), else `--token` (with a warning: it shows in `ps` and
 * shell history), else the environment. A token file that group or others may read is refused, as ssh refuses an
 * open private key: whoever can read it can act as its holder.
 */
export async function readToken(options: TokenOptions): Promise<string | undefined> {
  if (options.tokenFile !== undefined && options.token !== undefined)
    throw new UsageError('give --token-file or --token, not both');
  if (options.tokenFile !== undefined) return readTokenFile(options.tokenFile);
  if (options.token !== undefined) {
    process.stderr.write(
      `aitu-gateway: warning: --token shows the token to anyone who runs ps on this machine, and keeps it in your shell history; use --token-file <file> (- for standard input) or ${TOKEN_VARIABLE}\n`,
    );
    return options.token;
  }
  return process.env[TOKEN_VARIABLE] || undefined;
}

async function readTokenFile(file: string): Promise<string> {
  const where = file === '-' ? 'standard input' : `token file ${file}`;
  let text: string;
  try {
    if (file === '-') text = await readStream(process.stdin);
    else {
      const info = await stat(file);
      if (info.isFile() && (info.mode & 0o077) !== 0) {
        throw new UsageError(
          `${where} can be read or written by group or others (mode ${(info.mode & 0o777).toString(8)}); run: chmod 600 ${file}`,
        );
      }
      text = await readFile(file, 'utf8');
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${where}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const token = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .find(Boolean);
  if (!token) throw new UsageError(`${where} holds no token`);
  return token;
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
  return text;
}

/**
 * Writes the refusal to the audit log: the holder when the token has one (a disabled or expired user, or a user
 * whose role does not allow it), else the OS user and host that ran the command, with a prefix of an unknown
 * token's sha256; never the token.
 */
export async function auditRefusal(
  pool: Store['pool'],
  command: string,
  error: AuthenticationError | ForbiddenError,
  actor: Actor | null,
): Promise<void> {
  const holder = error instanceof AuthenticationError ? error.holder : actor;
  await writeAudit(pool, {
    actor: holder ?? actor ?? machineActor(),
    action: 'auth.refused',
    details: {
      command,
      reason: error.message,
      authenticated: error instanceof ForbiddenError,
      ...(error instanceof AuthenticationError && error.tokenSha256 ? { tokenSha256: error.tokenSha256 } : {}),
    },
  });
}

/**
 * Runs a command's work as the token's holder: opens the store, checks the configuration against the installation
 * recorded there, authenticates, and afterwards seals the audit log, also after a refusal (every command that
 * writes to the audit log ends by sealing). Every refusal is audited: no token, an unknown, disabled or expired
 * one, or a role that may not do this. `verifyOnly`: the command may run with the chain's public key alone, and
 * then leaves sealing to a process that holds the signing key.
 */
export function withSession<T>(
  options: TokenOptions,
  command: string,
  work: (session: Session) => Promise<T>,
  settings: { verifyOnly?: boolean } = {},
): Promise<T> {
  return runAs(options, command, true, settings, (session) => work(session as Session));
}

/** As withSession, for the one command that may run without a token (`user add` of the first admin): actor null. */
export function withOptionalSession<T>(
  options: TokenOptions,
  command: string,
  work: (session: Omit<Session, 'actor'> & { actor: Actor | null }) => Promise<T>,
): Promise<T> {
  return runAs(options, command, false, {}, work);
}

async function runAs<T>(
  options: TokenOptions,
  command: string,
  tokenRequired: boolean,
  settings: { verifyOnly?: boolean },
  work: (session: Omit<Session, 'actor'> & { actor: Actor | null }) => Promise<T>,
): Promise<T> {
  const cfg = config();
  const token = await readToken(options);
  const store = await openStore(cfg.databaseUrl);
  let chain: ChainContext | undefined;
  let actor: Actor | null = null;
  try {
    try {
      const installation = await openInstallation(store.pool, cfg, { signing: !settings.verifyOnly });
      chain = installation.chain;
      if (token || tokenRequired) actor = await authenticate(store.pool, token);
      return await work({ store, actor, chain, keyring: installation.keyring });
    } catch (error) {
      if (isRefusal(error)) await auditRefusal(store.pool, command, error, actor).catch(() => {});
      throw error;
    } finally {
      // a failed seal must not hide the command's own outcome; the next command or audit verify seals again
      if (chain?.signingKey) {
        await seal(store, chain).catch((error: unknown) =>
          process.stderr.write(`aitu-gateway: warning: could not seal the audit log: ${(error as Error).message}\n`),
        );
      }
    }
  } finally {
    await store.close();
  }
}
