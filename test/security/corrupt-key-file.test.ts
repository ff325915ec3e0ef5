import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExitCode, GatewayError } from '../../src/core/errors.ts';
import { loadKeyring } from '../../src/core/keys.ts';
import { addAgency } from '../../src/store/agencies.ts';
import { runCli } from '../helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

/** Defect: a key file that is not valid JSON gave "unexpected error" without naming the file. */
describe('security: a corrupt key file is a configuration error naming the file', () => {
  let db: TestDatabase;
  let dir: string;

  before(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(path.join(tmpdir(), 'aitu-corrupt-'));
    await addAgency(db.store.prisma, { slug: 'a', name: 'Agency A' });
  });
  after(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const rejectsNaming = async (file: string) =>
    assert.rejects(loadKeyring(file), (error: unknown) => {
      assert.ok(error instanceof GatewayError, `a GatewayError, not ${String(error)}`);
      assert.equal(error.exitCode, ExitCode.usage);
      assert.ok(error.message.includes(file), error.message);
      assert.match(error.message, /keys init/);
      return true;
    });

  it('invalid JSON: loadKeyring names the file (exit 2)', async () => {
    const file = path.join(dir, 'truncated.json');
    writeFileSync(file, '{"current": "k1", "keys": [');
    await rejectsNaming(file);
  });

  it('a file that cannot be read (here a directory) names the file too', async () => {
    const file = path.join(dir, 'a-directory.json');
    mkdirSync(file);
    await rejectsNaming(file);
  });

  it('the CLI says which file is corrupt, exit 2, never "unexpected error"', async () => {
    const file = path.join(dir, 'keys.json');
    writeFileSync(file, '{ this is not json');
    const result = await runCli(['policy', 'check', 'a', 'Планерка в 10:00'], {
      env: { DATABASE_URL: db.url, AITU_GATEWAY_DATA_DIR: dir, AITU_GATEWAY_KEY_FILE: file },
    });
    assert.equal(result.code, ExitCode.usage, result.stdout + result.stderr);
    assert.ok(result.stderr.includes(file), result.stderr);
    assert.match(result.stderr, /not valid JSON/);
    assert.doesNotMatch(result.stderr, /unexpected error/);
  });
});
