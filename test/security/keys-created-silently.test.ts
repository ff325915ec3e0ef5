import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/core/config.ts';
import { ExitCode, GatewayError } from '../../src/core/errors.ts';
import { loadKeyring } from '../../src/core/keys.ts';
import { addAgency } from '../../src/store/agencies.ts';
import { projectRoot, runCli } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { makeMessages, writeJsonl } from '../helpers/messages.ts';
import { removePrefix, testPrefix } from '../helpers/redis.ts';

/**
 * Defect: a command run from another directory, with the default relative data directory, made a new key file
 * there and encrypted originals (and sealed the audit log) under keys the installation's key file lacks.
 */
describe('security: keys are never created silently', () => {
  let db: TestDatabase;
  let elsewhere: string;
  const prefix = testPrefix();

  before(async () => {
    db = await createTestDatabase();
    elsewhere = mkdtempSync(path.join(tmpdir(), 'aitu-elsewhere-'));
    await addAgency(db.store.prisma, { slug: 'a', name: 'Agency A' });
  });
  after(async () => {
    await db?.drop();
    await removePrefix(prefix);
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it('an import started in another directory with the default data directory creates no key file and exits 2 naming it', async () => {
    const defaultKeyFile = path.join(projectRoot, 'data', 'keys.json');
    const existedBefore = existsSync(defaultKeyFile);
    const file = path.join(elsewhere, 'messages.jsonl');
    writeJsonl(file, makeMessages(12));
    // every path setting left to its default (an empty value counts as unset)
    const env = {
      DATABASE_URL: db.url,
      AITU_GATEWAY_QUEUE_PREFIX: prefix,
      AITU_GATEWAY_CONFIG: '',
      AITU_GATEWAY_DATA_DIR: '',
      AITU_GATEWAY_KEY_FILE: '',
      AITU_GATEWAY_CHAIN_KEY_FILE: '',
      AITU_GATEWAY_CHAIN_PUBLIC_KEY_FILE: '',
      LOG_LEVEL: 'warn',
    };
    const result = await runCli(['import', 'jsonl', file, '--agency', 'a', '--json', '--no-progress'], {
      env,
      cwd: elsewhere,
    });
    assert.equal(result.code, ExitCode.usage, `exit 2 expected:\n${result.stdout}${result.stderr}`);
    assert.ok(result.stderr.includes(defaultKeyFile), `the key file is named: ${result.stderr}`);
    assert.match(result.stderr, /aitu-gateway keys init/);
    assert.doesNotMatch(result.stderr, /unexpected error/);
    assert.ok(!existsSync(path.join(elsewhere, 'data')), 'nothing is created in the directory the command started in');
    assert.equal(
      existsSync(defaultKeyFile),
      existedBefore,
      "the installation's key file is neither created nor removed",
    );
    const stored = await db.store.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages`);
    assert.equal(stored.rows[0]!.n, 0, 'nothing was delivered');
  });

  it('loadKeyring with a missing key file is a usage error naming the file, and creates nothing', async () => {
    const file = path.join(elsewhere, 'no-keys-here', 'keys.json');
    await assert.rejects(loadKeyring(file), (error: unknown) => {
      assert.ok(error instanceof GatewayError, `a GatewayError, not ${String(error)}`);
      assert.equal(error.exitCode, ExitCode.usage);
      assert.ok(error.message.includes(file), error.message);
      assert.match(error.message, /aitu-gateway keys init/);
      return true;
    });
    assert.ok(!existsSync(path.dirname(file)), 'neither the file nor its directory is created');
  });

  it('the default data directory is the installation directory, whichever directory a command starts in', () => {
    const started = process.cwd();
    process.chdir(elsewhere);
    try {
      const defaults = loadConfig({});
      assert.equal(defaults.dataDir, path.join(projectRoot, 'data'));
      assert.equal(defaults.keyFile, path.join(projectRoot, 'data', 'keys.json'));
      // a relative setting is taken from the installation directory too, never from the current one
      assert.equal(
        loadConfig({ AITU_GATEWAY_DATA_DIR: 'var/gateway' }).dataDir,
        path.join(projectRoot, 'var', 'gateway'),
      );
    } finally {
      process.chdir(started);
    }
  });
});
