import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditOf, cliAs } from '../helpers/actors.ts';
import { createReviewWorld, type ReviewWorld } from '../helpers/review-setup.ts';

/** The defect: tokens never expired, could not be reissued, and a disabled user could not be enabled again. */
describe('security: tokens expire, can be reissued, and users re-enabled', () => {
  let w: ReviewWorld;
  let admin: string;

  before(async () => {
    w = await createReviewWorld(['a']);
    admin = await w.addUser('root', 'admin');
  });
  after(async () => {
    await w?.close();
  });

  const works = async (token: string) => (await cliAs(w, token, ['audit', 'export', '--json'])).code === 0;

  it('user add --expires records the expiry; an expired token is refused with exit 2 and the refusal audited', async () => {
    const added = await cliAs(w, admin, ['user', 'add', 'ann', '--role', 'auditor', '--expires', '30d', '--json']);
    assert.equal(added.code, 0, added.stderr);
    const { token } = JSON.parse(added.stdout) as { token: string };
    const [row] = await w.query<{ expires_at: Date }>(`SELECT expires_at FROM users WHERE name = 'ann'`);
    const days = (row!.expires_at.getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 29.9 && days <= 30, `expires in ${days} days`);
    assert.ok(await works(token));

    await w.query(`UPDATE users SET expires_at = now() - interval '1 minute' WHERE name = 'ann'`);
    const refused = await cliAs(w, token, ['audit', 'export', '--json']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /expired/);
    const entry = (await auditOf(w, 'auth.refused')).find((r) => r.actor === 'ann');
    assert.ok(entry, 'the refusal is audited with the holder');
    assert.match(String(entry!.details.reason), /expired/);
  });

  it('--expires takes a date, and refuses one in the past or nonsense', async () => {
    const dated = await cliAs(w, admin, [
      'user',
      'add',
      'bob',
      '--role',
      'auditor',
      '--expires',
      '2999-01-31',
      '--json',
    ]);
    assert.equal(dated.code, 0, dated.stderr);
    const [row] = await w.query<{ expires_at: Date }>(`SELECT expires_at FROM users WHERE name = 'bob'`);
    assert.equal(row!.expires_at.toISOString().slice(0, 10), '2999-01-31');
    assert.equal(
      (await cliAs(w, admin, ['user', 'add', 'carl', '--role', 'auditor', '--expires', '2001-01-01'])).code,
      2,
    );
    assert.equal((await cliAs(w, admin, ['user', 'add', 'carl', '--role', 'auditor', '--expires', 'soon'])).code, 2);
  });

  it('user token <name> (admin) prints a new token once; the old one stops working; audited', async () => {
    const old = JSON.parse((await cliAs(w, admin, ['user', 'add', 'dana', '--role', 'auditor', '--json'])).stdout) as {
      token: string;
    };
    const reissued = await cliAs(w, admin, ['user', 'token', 'dana', '--expires', '7d', '--json']);
    assert.equal(reissued.code, 0, reissued.stderr);
    const { token } = JSON.parse(reissued.stdout) as { token: string };
    assert.notEqual(token, old.token);
    assert.ok(await works(token));
    assert.ok(!(await works(old.token)), 'the old token no longer works');
    const [entry] = await auditOf(w, 'user.token');
    assert.equal(entry?.actor, 'root');
    assert.equal(entry!.details.name, 'dana');
    assert.ok(!JSON.stringify(entry).includes(token));
    const [row] = await w.query<{ expires_at: Date; token_issued_at: Date }>(
      `SELECT expires_at, token_issued_at FROM users WHERE name = 'dana'`,
    );
    assert.ok(Date.now() - row!.token_issued_at.getTime() < 60_000);
    assert.ok(row!.expires_at.getTime() > Date.now() + 6 * 86_400_000);

    // an expired token is reissued the same way
    await w.query(`UPDATE users SET expires_at = now() - interval '1 minute' WHERE name = 'ann'`);
    const renewed = JSON.parse((await cliAs(w, admin, ['user', 'token', 'ann', '--json'])).stdout) as { token: string };
    assert.ok(await works(renewed.token));

    // only an admin reissues, and the refusal is audited
    const refused = await cliAs(w, token, ['user', 'token', 'dana']);
    assert.equal(refused.code, 1);
    assert.ok((await auditOf(w, 'auth.refused')).some((r) => r.actor === 'dana' && r.details.command === 'user token'));
  });

  it('user enable <name> (admin) re-enables a disabled user; audited', async () => {
    const { token } = JSON.parse(
      (await cliAs(w, admin, ['user', 'add', 'eva', '--role', 'auditor', '--json'])).stdout,
    ) as { token: string };
    assert.equal((await cliAs(w, admin, ['user', 'disable', 'eva'])).code, 0);
    const disabled = await cliAs(w, token, ['audit', 'export', '--json']);
    assert.equal(disabled.code, 2);
    assert.ok(
      (await auditOf(w, 'auth.refused')).some((r) => r.actor === 'eva' && /disabled/.test(String(r.details.reason))),
    );
    const enabled = await cliAs(w, admin, ['user', 'enable', 'eva']);
    assert.equal(enabled.code, 0, enabled.stderr);
    assert.ok(await works(token));
    const [entry] = await auditOf(w, 'user.enable');
    assert.equal(entry?.actor, 'root');
    assert.equal(entry!.details.name, 'eva');
    assert.equal((await cliAs(w, admin, ['user', 'enable', 'eva'])).code, 2, 'an enabled user cannot be enabled again');
  });
});
