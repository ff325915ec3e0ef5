import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuthenticationError, ForbiddenError, type Actor } from '../src/auth/roles.ts';
import { authenticate } from '../src/auth/users.ts';
import { UsageError } from '../src/core/errors.ts';
import { addUser, disableUser, enableUser, listUsers, reissueToken } from '../src/service/users.ts';
import { auditOf } from './helpers/actors.ts';
import { createReviewWorld, type ReviewWorld } from './helpers/review-setup.ts';

/** People managed through the service layer: the first admin's bootstrap, then admins only, every change audited. */
describe('service: users — the first admin, then admins alone; every change audited in its transaction', () => {
  let w: ReviewWorld;
  let root: Actor;
  let olga: Actor;
  let olgaToken: string;

  before(async () => {
    w = await createReviewWorld(['a']);
  });
  after(async () => {
    await w?.close();
  });

  const userCount = async () => (await w.query<{ n: number }>(`SELECT count(*)::int AS n FROM users`))[0]!.n;

  it('without an admin, only the first admin may be created, without a token, audited as bootstrap', async () => {
    await assert.rejects(
      addUser(w.db.store, null, { name: 'olga', role: 'officer', agencies: ['a'] }),
      (e: unknown) => e instanceof UsageError && /no admin exists yet/.test(e.message),
    );
    const { token, user } = await addUser(w.db.store, null, { name: 'root', role: 'admin', agencies: [] });
    root = await authenticate(w.db.store.pool, token);
    assert.deepEqual([root.name, root.role, user.createdBy], ['root', 'admin', null]);
    const [entry] = await auditOf(w, 'user.add-first-admin');
    assert.deepEqual([entry?.actor, entry?.subject], ['bootstrap', `user:${user.id}`]);
    assert.ok(!JSON.stringify(entry).includes(token), 'the token is never audited');
    await assert.rejects(
      addUser(w.db.store, null, { name: 'mallory', role: 'admin', agencies: [] }),
      AuthenticationError,
      'once an admin exists, a request without a token is refused',
    );
  });

  it('an admin adds people; an officer may neither add nor list them', async () => {
    const added = await addUser(w.db.store, root, { name: 'olga', role: 'officer', agencies: ['a'] });
    olgaToken = added.token;
    olga = await authenticate(w.db.store.pool, olgaToken);
    assert.deepEqual(olga.agencyIds, [w.agencies.a]);
    const [entry] = await auditOf(w, 'user.add');
    assert.deepEqual([entry?.actor, entry?.details.name, entry?.details.agencies], ['root', 'olga', ['a']]);
    const before = await userCount();
    await assert.rejects(
      addUser(w.db.store, olga, { name: 'mallory', role: 'admin', agencies: [] }),
      (e: unknown) => e instanceof ForbiddenError && /may not add users/.test(e.message),
    );
    assert.equal(await userCount(), before, 'no user was created');
    await assert.rejects(listUsers(w.db.store, olga), ForbiddenError);
    assert.deepEqual(
      (await listUsers(w.db.store, root)).map((u) => [u.name, u.role, u.agencies]),
      [
        ['olga', 'officer', ['a']],
        ['root', 'admin', []],
      ],
    );
  });

  it('disable, enable and a new token: admin only, audited, and the last admin stays', async () => {
    await assert.rejects(disableUser(w.db.store, olga, 'root'), ForbiddenError);
    await assert.rejects(
      disableUser(w.db.store, root, 'root'),
      (e: unknown) => e instanceof UsageError && /last enabled admin/.test(e.message),
    );
    await disableUser(w.db.store, root, 'olga');
    await assert.rejects(authenticate(w.db.store.pool, olgaToken), AuthenticationError, 'a disabled user’s token');
    await enableUser(w.db.store, root, 'olga');
    assert.equal((await authenticate(w.db.store.pool, olgaToken)).name, 'olga');
    await assert.rejects(reissueToken(w.db.store, olga, 'olga', null), ForbiddenError);
    const reissued = await reissueToken(w.db.store, root, 'olga', null);
    await assert.rejects(authenticate(w.db.store.pool, olgaToken), AuthenticationError, 'the old token stops working');
    assert.equal((await authenticate(w.db.store.pool, reissued.token)).name, 'olga');
    for (const action of ['user.disable', 'user.enable', 'user.token']) {
      const entries = await auditOf(w, action);
      assert.deepEqual(
        entries.map((e) => [e.actor, e.details.name]),
        [['root', 'olga']],
        action,
      );
    }
  });
});
