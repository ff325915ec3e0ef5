import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { projectRoot, runCli } from '../helpers/cli.ts';
import { withAdmin } from '../helpers/database.ts';
import { sleep } from '../helpers/wait.ts';

/**
 * docs/security.md, "Deploying so that this holds": the gateway runs as a database role without superuser that
 * only owns its database, against a Redis that demands a password over TLS (`rediss://`), and leaves its key files
 * and data directory private to its OS user. A private redis-server with a throwaway certificate, and a role and
 * database of this test's own, on the machine's PostgreSQL.
 */
const baseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/aitu_gateway';
const suffix = randomBytes(5).toString('hex');
const role = `aitu_app_${suffix}`;
const database = `aitu_deploy_${suffix}`;
const redisPassword = randomBytes(12).toString('hex');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

describe('security: a deployment without superuser, with Redis AUTH and TLS, keeps its files private', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aitu-deploy-'));
  const dataDir = path.join(dir, 'data');
  let redis: ChildProcess | undefined;
  let port = 0;
  let env: NodeJS.ProcessEnv = {};

  before(async () => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        path.join(dir, 'redis.key'),
        '-out',
        path.join(dir, 'redis.crt'),
      ],
      { stdio: 'ignore' },
    );
    port = await freePort();
    redis = spawn(
      'redis-server',
      [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        path.join(dir, 'redis.crt'),
        '--tls-key-file',
        path.join(dir, 'redis.key'),
        '--tls-auth-clients',
        'no',
        '--requirepass',
        redisPassword,
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100; i++) {
      const probe = new Redis({
        port,
        host: '127.0.0.1',
        password: redisPassword,
        tls: { ca: execFileSync('cat', [path.join(dir, 'redis.crt')]) },
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on('error', () => {});
      const up = await probe
        .connect()
        .then(() => probe.ping())
        .then(
          () => true,
          () => false,
        );
      probe.disconnect();
      if (up) break;
      await sleep(100);
    }
    await withAdmin(async (admin) => {
      await admin.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`);
      await admin.query(`CREATE DATABASE ${database} OWNER ${role}`);
    });
    const url = new URL(baseUrl);
    url.username = role;
    url.password = '';
    url.pathname = `/${database}`;
    env = {
      DATABASE_URL: url.toString(),
      REDIS_URL: `rediss://:${redisPassword}@127.0.0.1:${port}`,
      NODE_EXTRA_CA_CERTS: path.join(dir, 'redis.crt'),
      AITU_GATEWAY_DATA_DIR: dataDir,
      AITU_GATEWAY_QUEUE_PREFIX: `deploy${suffix}`,
      AITU_GATEWAY_TOKEN: '',
    };
  });

  after(async () => {
    redis?.kill('SIGKILL');
    await withAdmin(async (admin) => {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
    });
    rmSync(dir, { recursive: true, force: true });
  });

  it('the role is no superuser, and Redis refuses a client without the password', async () => {
    const attributes = await withAdmin((admin) =>
      admin.query<{ rolsuper: boolean; rolcreatedb: boolean }>(
        `SELECT rolsuper, rolcreatedb FROM pg_roles WHERE rolname = $1`,
        [role],
      ),
    );
    assert.deepEqual(attributes.rows[0], { rolsuper: false, rolcreatedb: false });
    const anonymous = new Redis({
      port,
      host: '127.0.0.1',
      tls: { rejectUnauthorized: false },
      lazyConnect: true,
      enableReadyCheck: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    anonymous.on('error', () => {});
    await anonymous.connect().catch(() => {});
    await assert.rejects(anonymous.ping(), /NOAUTH|Authentication required/);
    anonymous.disconnect();
  });

  it('migrates, initialises its keys, imports and verifies its audit log as that role, over rediss://', async () => {
    const step = async (args: string[], extra: NodeJS.ProcessEnv = {}) => {
      const result = await runCli(args, { env: { ...env, ...extra } });
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
      return result;
    };
    await step(['db', 'migrate']);
    await step(['keys', 'init']);
    const admin = JSON.parse((await step(['user', 'add', 'root', '--role', 'admin', '--json'])).stdout) as {
      token: string;
    };
    await step(['agency', 'add', 'press', '--name', 'Press office'], { AITU_GATEWAY_TOKEN: admin.token });
    const imported = await step([
      'import',
      'jsonl',
      path.join(projectRoot, 'samples/canonical/press-office.jsonl'),
      '--agency',
      'press',
      '--json',
      '--no-progress',
    ]);
    const summary = JSON.parse(imported.stdout) as { read: number; delivered: number; failed: number };
    assert.ok(summary.delivered > 0, imported.stdout);
    assert.equal(summary.failed, 0);
    const auditor = JSON.parse(
      (await step(['user', 'add', 'audrey', '--role', 'auditor', '--json'], { AITU_GATEWAY_TOKEN: admin.token }))
        .stdout,
    ) as { token: string };
    const verified = await step(['audit', 'verify', '--json'], { AITU_GATEWAY_TOKEN: auditor.token });
    assert.equal((JSON.parse(verified.stdout) as { ok: boolean }).ok, true, verified.stdout);
  });

  it('its data directory is 0700, its key file and signing key 0600', () => {
    const mode = (file: string) => statSync(file).mode & 0o777;
    assert.equal(mode(dataDir), 0o700);
    assert.equal(mode(path.join(dataDir, 'keys.json')), 0o600);
    assert.equal(mode(path.join(dataDir, 'audit-signing.key')), 0o600);
  });
});
