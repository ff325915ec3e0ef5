import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson, GENESIS_HASH, linkHash, type AuditRow } from '../src/audit/chain.ts';

const row: AuditRow = { id: '7', at: new Date('2024-02-01T09:00:00.123Z'), actor: 'olga', action: 'review.decide', agency_id: null, subject: 'x', details: { b: 1, a: [2, { d: 1, c: 2 }] } };
const key = Buffer.alloc(32, 1);

describe('audit chain: canonical form and links (pure)', () => {
  it('canonical JSON sorts keys at every level and is stable', () => {
    assert.equal(canonicalJson({ b: 1, a: [2, { d: 1, c: 2 }] }), '{"a":[2,{"c":2,"d":1}],"b":1}');
    assert.equal(canonicalJson({ a: undefined, b: null }), '{"b":null}');
  });

  it('a link changes with any column, the previous hash, the position or the previous entry', () => {
    const base = linkHash(key, GENESIS_HASH, '1', null, row);
    assert.match(base, /^[0-9a-f]{64}$/);
    assert.equal(linkHash(key, GENESIS_HASH, '1', null, { ...row, details: { a: [2, { c: 2, d: 1 }], b: 1 } }), base, 'key order does not matter');
    const variants: [string, string][] = [
      ['actor', linkHash(key, GENESIS_HASH, '1', null, { ...row, actor: 'eve' })],
      ['time', linkHash(key, GENESIS_HASH, '1', null, { ...row, at: new Date(row.at.getTime() + 1) })],
      ['id', linkHash(key, GENESIS_HASH, '1', null, { ...row, id: '8' })],
      ['details', linkHash(key, GENESIS_HASH, '1', null, { ...row, details: { b: 2, a: [2, { d: 1, c: 2 }] } })],
      ['prev hash', linkHash(key, '1'.repeat(64), '1', null, row)],
      ['position', linkHash(key, GENESIS_HASH, '2', null, row)],
      ['prev entry', linkHash(key, GENESIS_HASH, '1', '6', row)],
      ['key', linkHash(Buffer.alloc(32, 2), GENESIS_HASH, '1', null, row)],
    ];
    for (const [what, hash] of variants) assert.notEqual(hash, base, what);
  });
});
