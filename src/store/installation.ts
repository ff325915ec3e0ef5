import { machineActor } from '../core/machine-actor.ts';
import type { KeyObject } from 'node:crypto';
import type pg from 'pg';
import type { Config } from '../core/config.ts';
import { UsageError } from '../core/errors.ts';
import { initKeyFile, keyFileFingerprint, keyringFrom, loadKeyring, readKeyFile, type Keyring } from '../core/keys.ts';
import { sealAuditLog, type SealResult } from '../audit/chain.ts';
import { loadChainContext, type ChainSettings } from '../audit/context.ts';
import type { ChainContext } from '../audit/chain.ts';
import { writeAudit } from '../audit/log.ts';
import { chainPublicHalf, initChainKeys, loadChainPublicKey, publicKeyFingerprint } from '../audit/signing.ts';
import type { Store } from './database.ts';

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/**
 * The installation a database belongs to (table `installation`, one row), recorded by `aitu-gateway keys init`:
 * its data directory and key files as absolute paths, and fingerprints of its keys, never a key. Every command
 * that uses the keys checks its configuration against it, so a command configured differently (started from
 * another directory with a relative setting, or pointed at another data directory) stops with exit 2 instead of
 * working with keys the installation does not have.
 */
export interface Installation {
  dataDir: string;
  keyFile: string;
  keyFileFingerprint: string;
  chainKeyFile: string;
  chainPublicKeyFile: string;
  chainPublicKeyFingerprint: string;
  createdBy: string;
  createdAt: Date;
}

export type InstallationSettings = Pick<Config, 'dataDir' | 'keyFile' | 'chainKeyFile' | 'chainPublicKeyFile'>;

const INIT = 'aitu-gateway keys init';

interface InstallationRow {
  data_dir: string;
  key_file: string;
  key_file_fingerprint: string;
  chain_key_file: string;
  chain_public_key_file: string;
  chain_public_key_fingerprint: string;
  created_by: string;
  created_at: Date;
}

export async function readInstallation(db: Queryable): Promise<Installation | null> {
  let result: pg.QueryResult<InstallationRow>;
  try {
    result = await db.query<InstallationRow>(`SELECT * FROM installation WHERE id = 1`);
  } catch (error) {
    // undefined_table: a database of an earlier version, not migrated yet
    if ((error as { code?: string }).code === '42P01')
      throw new UsageError('the database is not migrated to this version; run: aitu-gateway db migrate', {
        cause: error,
      });
    throw error;
  }
  const row = result.rows[0];
  if (!row) return null;
  return {
    dataDir: row.data_dir,
    keyFile: row.key_file,
    keyFileFingerprint: row.key_file_fingerprint,
    chainKeyFile: row.chain_key_file,
    chainPublicKeyFile: row.chain_public_key_file,
    chainPublicKeyFingerprint: row.chain_public_key_fingerprint,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

function sameDataDir(installation: Installation, cfg: Pick<Config, 'dataDir'>): void {
  if (installation.dataDir !== cfg.dataDir) {
    throw new UsageError(
      `the data directory is ${cfg.dataDir}, but this database's installation was initialised with ${installation.dataDir}: ` +
        `set AITU_GATEWAY_DATA_DIR=${installation.dataDir} (relative settings are taken from the installation directory, not the current one)`,
    );
  }
}

/** The key file in hand must be the one the installation was initialised with. */
export function checkKeyFile(installation: Installation, keyring: Pick<Keyring, 'file' | 'hashKey'>): void {
  if (keyFileFingerprint(keyring) === installation.keyFileFingerprint) return;
  const where =
    keyring.file === installation.keyFile
      ? ''
      : ` (this installation's key file is ${installation.keyFile}; set AITU_GATEWAY_KEY_FILE)`;
  throw new UsageError(
    `key file ${keyring.file} is not the key file this installation was initialised with${where}: restore the installation's key file from its backup`,
  );
}

/** The chain's public key in hand must be the one the installation was initialised with. */
export function checkChainPublicKey(installation: Installation, publicKey: KeyObject, file: string): void {
  if (publicKeyFingerprint(publicKey) === installation.chainPublicKeyFingerprint) return;
  throw new UsageError(
    `the audit chain's public key ${file} is not the one this installation was initialised with (${installation.chainPublicKeyFile}): restore it from its backup`,
  );
}

/**
 * The installation recorded in this database, checked against the configuration: the data directory always,
 * and with `keys` the key file too. No record: the keys were never initialised here (exit 2, naming the key file).
 */
export async function requireInstallation(
  db: Queryable,
  cfg: Pick<Config, 'dataDir' | 'keyFile'>,
  options: { keys?: boolean } = {},
): Promise<Installation> {
  const installation = await readInstallation(db);
  if (!installation) {
    throw new UsageError(
      `this database has no installation recorded: the keys of this installation (key file ${cfg.keyFile}) were never initialised; run: ${INIT}`,
    );
  }
  sameDataDir(installation, cfg);
  if (options.keys) checkKeyFile(installation, await loadKeyring(cfg.keyFile));
  return installation;
}

/**
 * What a command's session needs of the installation, checked against its record: the chain context (its public
 * key must be the recorded one) and, on first use, the keyring (its key file must be the recorded one).
 */
export async function openInstallation(
  db: Queryable,
  cfg: ChainSettings,
  options: { signing?: boolean } = {},
): Promise<{ chain: ChainContext; keyring(): Promise<Keyring> }> {
  const installation = await requireInstallation(db, cfg);
  const chain = await loadChainContext(cfg, options);
  checkChainPublicKey(installation, chain.publicKey, chain.publicKeyFile);
  let keyring: Promise<Keyring> | undefined;
  const load = async () => {
    const ring = await loadKeyring(cfg.keyFile);
    checkKeyFile(installation, ring);
    return ring;
  };
  return { chain, keyring: () => (keyring ??= load()) };
}

/** Before anything is written for an installation already recorded: its keys must be the ones at hand. */
async function checkBeforeUpgrade(installation: Installation, cfg: InstallationSettings): Promise<void> {
  sameDataDir(installation, cfg);
  const data = await readKeyFile(cfg.keyFile);
  if (!data)
    throw new UsageError(
      `this installation's key file ${cfg.keyFile} is missing: restore it from its backup (${INIT} creates keys only for a new installation)`,
    );
  checkKeyFile(installation, keyringFrom(cfg.keyFile, data));
  const publicHalf = await chainPublicHalf(cfg.chainKeyFile);
  if (!publicHalf)
    throw new UsageError(
      `this installation's audit signing key ${cfg.chainKeyFile} is missing: restore it from its backup (${INIT} creates keys only for a new installation)`,
    );
  checkChainPublicKey(installation, publicHalf, cfg.chainKeyFile);
}

/**
 * A database without a record but with an audit chain is an installation of an older version: its key file must
 * be the one configured (upgraded in place), or new keys would be made beside the real ones.
 */
async function checkNewInstallation(db: Queryable, cfg: InstallationSettings): Promise<void> {
  const chained = (await db.query(`SELECT 1 FROM audit_chain LIMIT 1`)).rowCount ?? 0;
  if (chained > 0 && !(await readKeyFile(cfg.keyFile))) {
    throw new UsageError(
      `this database already has an audit chain (an installation of an older version) but there is no key file at ${cfg.keyFile}: ` +
        `run ${INIT} with that installation's data directory (AITU_GATEWAY_DATA_DIR) and key file, so its keys are upgraded rather than new ones made`,
    );
  }
}

export interface InitResult {
  keyFile: { path: string; created: boolean; added: string[] };
  chainKey: { path: string; publicPath: string; created: boolean; wrotePublic: boolean };
  /** false: the installation was recorded before (a repeated keys init) */
  recorded: boolean;
  seal: SealResult;
}

/**
 * `keys init`: the only way keys come into being. For a new installation it creates the key file and the audit
 * chain's signing key pair, records the installation in the database, audits it (as the OS user and host) and
 * seals. For an installation of an older version it adds only what is missing (the queue key, the signing key),
 * never replacing a key; for one already initialised it changes nothing. A database recorded with another data
 * directory or other keys is refused before any file is written.
 */
export async function initInstallation(store: Store, cfg: InstallationSettings): Promise<InitResult> {
  const existing = await readInstallation(store.pool);
  if (existing) await checkBeforeUpgrade(existing, cfg);
  else await checkNewInstallation(store.pool, cfg);
  const keyFile = await initKeyFile(cfg.keyFile);
  const chainKey = await initChainKeys(cfg.chainKeyFile, cfg.chainPublicKeyFile);
  const keyring = await loadKeyring(cfg.keyFile);
  const publicKey = await loadChainPublicKey(cfg.chainPublicKeyFile);
  if (!existing) {
    await store.pool.query(
      `INSERT INTO installation (id, data_dir, key_file, key_file_fingerprint, chain_key_file, chain_public_key_file, chain_public_key_fingerprint, created_by)
       VALUES (1, $1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
      [
        cfg.dataDir,
        cfg.keyFile,
        keyFileFingerprint(keyring),
        cfg.chainKeyFile,
        cfg.chainPublicKeyFile,
        publicKeyFingerprint(publicKey),
        machineActor().name,
      ],
    );
    // a keys init running at the same time may have recorded its own first: this one's keys must be those
    await checkBeforeUpgrade((await readInstallation(store.pool))!, cfg);
  }
  await writeAudit(store.pool, {
    actor: machineActor(),
    action: 'keys.init',
    subject: 'installation',
    details: {
      keyFile: keyFile.created ? 'created' : keyFile.added.length > 0 ? 'upgraded' : 'unchanged',
      added: keyFile.added,
      chainKey: chainKey.created ? 'created' : chainKey.wrotePublic ? 'public key written' : 'unchanged',
      installation: existing ? 'unchanged' : 'recorded',
    },
  });
  const seal = await sealAuditLog(store.pool, await loadChainContext(cfg));
  return {
    keyFile: { path: cfg.keyFile, ...keyFile },
    chainKey: { path: cfg.chainKeyFile, publicPath: cfg.chainPublicKeyFile, ...chainKey },
    recorded: !existing,
    seal,
  };
}
