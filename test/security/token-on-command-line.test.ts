import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliAs } from '../helpers/actors.ts';
import { createReviewWorld, type ReviewWorld } from '../helpers/review-setup.ts';

/** The defect: a token could only be given as `--token <token>`, which shows in `ps` and in shell history. */
describe('security: tokens from a file or standard input; --token warns', () => {
  let w: ReviewWorld;
  let admin: string;

  before(async () => {
    w = await createReviewWorld(['a']);
    admin = await w.addUser('root', 'admin');
  });
  after(async () => {
    await w?.close();
  });

  it('--token-file <path> reads the token from a file only its owner can read', async () => {
    const file = path.join(w.dir, 'admin.token');
    writeFileSync(file, `${admin}\n`, { mode: 0o600 });
    const result = await cliAs(w, null, ['user', 'list', '--token-file', file]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^root\tadmin/m);
    assert.equal(result.stderr, '');
  });

  it('refuses a token file that group or others can read (exit 2, naming the file)', async () => {
    const file = path.join(w.dir, 'open.token');
    writeFileSync(file, admin);
    chmodSync(file, 0o644);
    const result = await cliAs(w, null, ['user', 'list', '--token-file', file]);
    assert.equal(result.code, 2);
    assert.ok(result.stderr.includes(file), result.stderr);
    assert.match(result.stderr, /chmod 600/);
  });

  it('names a missing token file (exit 2)', async () => {
    const result = await cliAs(w, null, ['user', 'list', '--token-file', path.join(w.dir, 'nope.token')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /nope\.token/);
  });

  it('--token-file - reads the token from standard input', async () => {
    const result = await cliAs(w, null, ['user', 'list', '--token-file', '-'], { input: `${admin}\n` });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^root\tadmin/m);
  });

  it('AITU_GATEWAY_TOKEN works without a warning', async () => {
    const result = await cliAs(w, admin, ['user', 'list']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
  });

  it('--token still works, with a warning on standard error that it shows in ps and shell history', async () => {
    for (const args of [
      ['user', 'list'],
      ['audit', 'export', '--json'],
    ]) {
      const result = await cliAs(w, null, [...args, '--token', admin]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /warning: --token .*ps.*history/);
      assert.match(result.stderr, /--token-file/);
    }
  });
});
