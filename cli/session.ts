import { readFile, stat } from 'node:fs/promises';
import { sealAuditLog, type ChainContext } from '../src/audit/chain.ts';
import { loadChainContext } from '../src/audit/context.ts';
import { actAs, actAsOptional } from '../src/auth/session.ts';
import type { Actor } from '../src/auth/roles.ts';
import { TOKEN_VARIABLE } from '../src/auth/users.ts';
import { config } from '../src/core/config.ts';
import { UsageError } from '../src/core/errors.ts';
import type { Keyring } from '../src/core/keys.ts';
import { openStore, type Store } from '../src/store/database.ts';
import { openInstallation } from '../src/store/installation.ts';

/**
 * A command run by a person: where its token comes from (a file, standard input, the environment), the store and
 * installation the configuration names, and the seal at the end. Authentication and the auditing of refusals are
 * src/auth/session.ts's, which every front end shares.
 */

/** The configured chain keys and head file; `signing: false` only for a process that verifies (see loadChainContext). */
export async function chainContext(options: { signing?: boolean } = {}): Promise<ChainContext> {
  return loadChainContext(config(), options);
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

/** A stream read whole as UTF-8 text (a token or a value given as `-`). */
export async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
  return text;
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
  try {
    try {
      const installation = await openInstallation(store.pool, cfg, { signing: !settings.verifyOnly });
      const opened = (chain = installation.chain);
      const run = (actor: Actor | null) => work({ store, actor, chain: opened, keyring: installation.keyring });
      return await (tokenRequired
        ? actAs(store.pool, token, command, run)
        : actAsOptional(store.pool, token, command, run));
    } finally {
      // a failed seal must not hide the command's own outcome; the next command or audit verify seals again
      if (chain?.signingKey) {
        await sealAuditLog(store.pool, chain).catch((error: unknown) =>
          process.stderr.write(`aitu-gateway: warning: could not seal the audit log: ${(error as Error).message}\n`),
        );
      }
    }
  } finally {
    await store.close();
  }
}
