import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from './helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { initTestInstallation } from './helpers/installation.ts';

describe('the aitu-gateway command', () => {
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let admin: NodeJS.ProcessEnv;

  before(async () => {
    db = await createTestDatabase();
    env = {
      DATABASE_URL: db.url,
      AITU_GATEWAY_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'aitu-data-')),
      AITU_GATEWAY_TOKEN: '',
    };
    await initTestInstallation(env);
    const first = await runCli(['user', 'add', 'root', '--role', 'admin', '--json'], { env });
    assert.equal(first.code, 0, first.stderr);
    admin = { ...env, AITU_GATEWAY_TOKEN: (JSON.parse(first.stdout) as { token: string }).token };
  });
  after(async () => {
    await db?.drop();
    if (env?.AITU_GATEWAY_DATA_DIR) rmSync(env.AITU_GATEWAY_DATA_DIR, { recursive: true, force: true });
  });

  it('lists every command with a description in --help', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    for (const command of ['doctor', 'db', 'agency', 'scan'])
      assert.match(help.stdout, new RegExp(`^  ${command}\\b.*\\S`, 'm'));
  });

  it('exits 2 on bad usage', async () => {
    const result = await runCli(['agency', 'add', 'x'], { env });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--name/);
    assert.equal((await runCli(['no-such-command'])).code, 2);
  });

  it('doctor exits 0 when Redis, PostgreSQL, migrations and the data directory are fine', async () => {
    const result = await runCli(['doctor', '--json'], { env });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: { name: string; ok: boolean }[] };
    assert.equal(report.ok, true);
    assert.deepEqual(
      report.checks.map((c) => c.name),
      [
        'Node.js',
        'Redis',
        'PostgreSQL',
        'migrations',
        'data directory',
        'data directory mode',
        'key file',
        'audit signing key',
      ],
    );
  });

  it('doctor fails on a key file others can read, naming the fix, and only warns when there is none yet', async () => {
    const keyFile = path.join(env.AITU_GATEWAY_DATA_DIR!, 'keys.json');
    chmodSync(keyFile, 0o644);
    try {
      const loose = await runCli(['doctor'], { env });
      assert.equal(loose.code, 1, loose.stdout);
      assert.match(loose.stdout, /FAIL key file: .*mode 644, readable beyond its owner/);
      assert.match(loose.stdout, /fix: chmod 600 /);
    } finally {
      chmodSync(keyFile, 0o600);
    }
    const none = await runCli(['doctor'], {
      env: { ...env, AITU_GATEWAY_KEY_FILE: path.join(env.AITU_GATEWAY_DATA_DIR!, 'absent.json') },
    });
    assert.match(none.stdout, /warn key file: .*none yet/);
    assert.match(none.stdout, /fix: aitu-gateway keys init/);
  });

  it('doctor exits 3 within 10 seconds when Redis is unreachable, and says how to start it', async () => {
    const result = await runCli(['doctor'], { env: { ...env, REDIS_URL: 'redis://127.0.0.1:1' } });
    assert.equal(result.code, 3);
    assert.ok(result.ms < 10_000, `took ${result.ms} ms`);
    assert.match(result.stdout, /FAIL Redis: Redis at 127\.0\.0\.1:1 is unreachable/);
    assert.match(result.stdout, /redis-server --daemonize yes/);
  });

  it('doctor exits 3 when PostgreSQL is unreachable', async () => {
    const result = await runCli(['doctor'], { env: { ...env, DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/x' } });
    assert.equal(result.code, 3);
    assert.ok(result.ms < 10_000, `took ${result.ms} ms`);
    assert.match(result.stdout, /FAIL PostgreSQL: .*unreachable.*pg_ctlcluster/);
  });

  it('an import exits 3 at once, naming Redis, when Redis is unreachable', async () => {
    const result = await runCli(['import', 'jsonl', 'samples/canonical/press-office.jsonl', '--agency', 'any'], {
      env: { ...env, REDIS_URL: 'redis://127.0.0.1:1' },
    });
    assert.equal(result.code, 3);
    assert.ok(result.ms < 10_000, `took ${result.ms} ms`);
    assert.match(result.stderr, /Redis at 127\.0\.0\.1:1 is unreachable/);
  });

  it('adds and lists agencies, and refuses a duplicate', async () => {
    const added = await runCli(['agency', 'add', 'mvd', '--name', 'Ministry of Internal Affairs', '--json'], {
      env: admin,
    });
    assert.equal(added.code, 0, added.stderr);
    assert.equal((JSON.parse(added.stdout) as { slug: string }).slug, 'mvd');
    const again = await runCli(['agency', 'add', 'mvd', '--name', 'Again'], { env: admin });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /agency "mvd" already exists/);
    const list = await runCli(['agency', 'list'], { env });
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^mvd\tMinistry of Internal Affairs$/m);
  });

  it('refuses an invalid slug and an invalid configuration with exit 2', async () => {
    assert.equal((await runCli(['agency', 'add', 'Bad Slug', '--name', 'x'], { env: admin })).code, 2);
    const badConfig = await runCli(['agency', 'list'], { env: { ...env, REDIS_URL: 'nonsense' } });
    assert.equal(badConfig.code, 2);
    assert.match(badConfig.stderr, /REDIS_URL/);
  });
});
