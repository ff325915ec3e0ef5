import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  canSeeAgency,
  canViewOriginal,
  decisionRefusal,
  ForbiddenError,
  requireRole,
  visibleAgencies,
  type Actor,
} from '../src/auth/roles.ts';
import { hashToken, newToken } from '../src/auth/users.ts';

const actor = (role: Actor['role'], agencyIds: string[] = []): Actor => ({
  id: `${role}-id`,
  name: role,
  role,
  agencyIds,
});
const A = 'agency-a';
const B = 'agency-b';

describe('auth: roles and what each may do (pure)', () => {
  it('who sees an agency, who reads originals', () => {
    const table: [Actor, boolean, boolean, boolean, boolean][] = [
      // actor, sees A, sees B, original of A, original of B
      [actor('admin'), true, true, true, true],
      [actor('officer', [A]), true, false, true, false],
      [actor('auditor'), true, true, false, false],
      [actor('auditor', [B]), false, true, false, false],
      [actor('operator'), false, false, false, false],
    ];
    for (const [who, seesA, seesB, readsA, readsB] of table) {
      const label = `${who.role} ${who.agencyIds.join(',')}`;
      assert.equal(canSeeAgency(who, A), seesA, label);
      assert.equal(canSeeAgency(who, B), seesB, label);
      assert.equal(canViewOriginal(who, A), readsA, label);
      assert.equal(canViewOriginal(who, B), readsB, label);
    }
    assert.equal(visibleAgencies(actor('admin')), null);
    assert.deepEqual(visibleAgencies(actor('officer', [A])), [A]);
    assert.deepEqual(visibleAgencies(actor('operator')), []);
  });

  it('decisions: open by an officer of the agency or an admin, escalated by an admin only, decided never', () => {
    const officer = actor('officer', [A]);
    const table: [Actor, string, string, 'decide' | 'escalate', RegExp | null][] = [
      [officer, A, 'open', 'decide', null],
      [officer, A, 'open', 'escalate', null],
      [officer, B, 'open', 'decide', /not an officer of its agency/],
      [officer, A, 'escalated', 'decide', /only an admin/],
      [officer, A, 'escalated', 'escalate', /already escalated/],
      [actor('admin'), A, 'escalated', 'decide', null],
      [actor('admin'), A, 'approved', 'decide', /final/],
      [officer, A, 'rejected', 'decide', /final/],
      [actor('auditor'), A, 'open', 'decide', /not an officer/],
    ];
    for (const [who, agencyId, status, kind, expected] of table) {
      const refusal = decisionRefusal(who, { agencyId, status }, kind);
      if (expected === null) assert.equal(refusal, null, `${who.role} ${kind} ${status}`);
      else assert.match(refusal ?? '', expected, `${who.role} ${kind} ${status}`);
    }
  });

  it('requireRole throws a ForbiddenError (exit 1) naming the role needed', () => {
    assert.doesNotThrow(() => requireRole(actor('admin'), ['admin'], 'rotate keys'));
    assert.throws(
      () => requireRole(actor('auditor'), ['admin'], 'rotate keys'),
      (e: unknown) => e instanceof ForbiddenError && e.exitCode === 1 && /needs the role admin/.test(e.message),
    );
  });

  it('tokens: 32 random bytes, base64url; only a sha256 is stored', () => {
    const token = newToken();
    assert.match(token, /^agt_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(newToken(), token);
    assert.match(hashToken(token), /^[0-9a-f]{64}$/);
    assert.equal(hashToken(token), hashToken(token));
  });
});
