import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from './helpers/cli.ts';

describe('the application logger', () => {
  it('never writes an IIN, a phone number or an e-mail, in the message, metadata or an Error', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(projectRoot, 'test/fixtures/log-personal-data.ts')],
      {
        cwd: projectRoot,
        encoding: 'utf8',
        env: { ...process.env, LOG_LEVEL: 'info' },
      },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, '', 'logs go to standard error only');
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 5, run.stderr);
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);

    // what was logged is still there, only the personal data is gone
    assert.match(String(entries[0]!.message), /^citizen \S+ called from \S+, reply to \S+$/);
    assert.equal(entries[0]!.run, 'run-1');
    assert.equal(entries[2]!.level, 'error');
    assert.match(String(entries[2]!.message), /delivery failed/);
    assert.match(run.stderr, /lookup failed for/);
    assert.match(run.stderr, /inner/);

    const all = run.stderr;
    for (const secret of [
      '940101300123',
      '+7 701 234 56 78',
      '7012345678',
      '701 234 56 78',
      'aigerim.s@health.gov.kz',
      'aigerim.s',
    ]) {
      assert.ok(!all.includes(secret), `log output contains ${secret.slice(0, 3)}…`);
    }
    assert.ok(!/\d{9,}/.test(all.replace(/"timestamp":"[^"]*"/g, '')), 'no run of 9+ digits remains');
  });
});
