import assert from 'node:assert/strict';
import { loadConfig, type Config } from '../../src/core/config.ts';
import { initKeyFile } from '../../src/core/keys.ts';
import { openStore } from '../../src/store/database.ts';
import { initInstallation, type InitResult } from '../../src/store/installation.ts';

/** The configuration a CLI child process started with this environment has. */
export function configFor(env: NodeJS.ProcessEnv): Config {
  return loadConfig({ ...process.env, ...env });
}

/**
 * `aitu-gateway keys init` for a test's installation, in this process: the key files in the data directory that
 * `env` names, the installation recorded in its database. Keys are never made on first use, so every test that
 * runs commands needing them starts with this, as an operator starts with `keys init`.
 */
export async function initTestInstallation(env: NodeJS.ProcessEnv): Promise<InitResult> {
  assert.ok(env.AITU_GATEWAY_DATA_DIR, "a test installation names its own data directory (never the project's data/)");
  const cfg = configFor(env);
  const store = await openStore(cfg.databaseUrl);
  try {
    return await initInstallation(store, cfg);
  } finally {
    await store.close();
  }
}

/** A key file alone, for tests that use the keys without an installation's database (in-process stages and workers). */
export async function createTestKeyFile(keyFile: string): Promise<void> {
  await initKeyFile(keyFile);
}
