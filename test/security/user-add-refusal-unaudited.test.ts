import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { auditOf, cliAs, unsealedRows } from '../helpers/actors.ts';
import { createReviewWorld, type ReviewWorld } from '../helpers/review-setup.ts';

/** The defect: `user add` did not go through the session check, so a refused attempt left no audit entry. */
describe('security: a refused user add is audited', () => {
  let w: ReviewWorld;
  let admin: string;
  let officer: string;

  before(async () => {
    w = await createReviewWorld(['a']);
    admin = await w.addUser('root', 'admin');
    officer = await w.addUser('olga', 'officer', ['a'], admin);
  });
  after(async () => {
    await w?.close();
  });

  const refusals = async () => (await auditOf(w, 'auth.refused')).filter((r) => r.details.command === 'user add');

  it('by an officer: exit 1, audited with that person, and no user created', async () => {
    const result = await cliAs(w, officer, ['user', 'add', 'mallory', '--role', 'admin']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /may not add users/);
    assert.equal((await w.query(`SELECT 1 FROM users WHERE name = 'mallory'`)).length, 0);
    const [entry] = await refusals();
    assert.equal(entry?.actor, 'olga');
    assert.equal(entry!.details.role, 'officer');
    assert.deepEqual(await unsealedRows(w), [], 'the refusal is sealed');
  });

  it('without a token once an admin exists: exit 2, audited', async () => {
    const result = await cliAs(w, null, ['user', 'add', 'mallory', '--role', 'admin']);
    assert.equal(result.code, 2, result.stderr);
    assert.equal((await refusals()).length, 2);
    assert.equal((await w.query(`SELECT 1 FROM users WHERE name = 'mallory'`)).length, 0);
  });

  it('with a token no user has: exit 2, audited by a prefix of its sha256, never the token', async () => {
    const forged = 'agt_forged-token-that-nobody-was-ever-given-0000000000';
    const result = await cliAs(w, forged, ['user', 'add', 'mallory', '--role', 'admin']);
    assert.equal(result.code, 2, result.stderr);
    const entries = await refusals();
    assert.equal(entries.length, 3);
    const last = entries[2]!;
    assert.ok(!JSON.stringify(last).includes(forged), 'the token itself is not stored');
    const digest = createHash('sha256').update(forged).digest('hex');
    assert.ok(
      typeof last.details.tokenSha256 === 'string' &&
        digest.startsWith(last.details.tokenSha256) &&
        last.details.tokenSha256.length < digest.length,
      JSON.stringify(last.details),
    );
  });
});
