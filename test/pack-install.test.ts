import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { projectRoot } from './helpers/cli.ts';
import { urlFor, withAdmin } from './helpers/database.ts';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'aitu-pack-'));
const database = `aitu_pack_${process.pid}`;

after(async () => {
  await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The package as an operator installs it: `npm pack`, then `npm install -g` into an empty prefix, then the
 * installed command makes and migrates a database and `doctor` passes. The tarball is packed from the build the
 * set-up made (--ignore-scripts: rebuilding dist/ here would pull it from under the other test files' CLI runs).
 */
test(
  'npm pack, installed into an empty prefix: db migrate and doctor work from the package',
  { timeout: 600_000 },
  async () => {
    assert.ok(
      existsSync(path.join(projectRoot, 'dist', '.built')),
      'dist/ is built (npm run build; the set-up runs it)',
    );
    await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: projectRoot });
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack made a tarball');
    const prefix = path.join(dir, 'prefix');
    await run(
      'npm',
      ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', path.join(dir, tarball)],
      { cwd: dir, maxBuffer: 1 << 24 },
    );
    const installed = path.join(prefix, 'bin', 'aitu-gateway');
    assert.ok(existsSync(installed), 'the package installs its command');
    assert.ok(
      !existsSync(path.join(prefix, 'lib', 'node_modules', 'aitu-gateway', 'src')),
      'the package ships compiled code, not sources',
    );

    const env = {
      ...process.env,
      DATABASE_URL: urlFor(database),
      AITU_GATEWAY_DATA_DIR: path.join(dir, 'data'),
      AITU_GATEWAY_CONFIG: '',
    };
    const migrated = await run(installed, ['db', 'migrate'], { cwd: dir, env });
    assert.match(migrated.stdout + migrated.stderr, /applied: \d{14}_init/);
    const doctor = await run(installed, ['doctor'], { cwd: dir, env });
    assert.match(doctor.stdout, /ok {3}migrations: \d+ applied/);
    assert.match(doctor.stdout, /ok {3}PostgreSQL/);
    const version = await run(installed, ['--version'], { cwd: dir, env });
    assert.match(version.stdout, /^\d+\.\d+\.\d+/);
  },
);
