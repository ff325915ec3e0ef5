import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  canonicalJson,
  GENESIS_HASH,
  headText,
  legacyLinkHash,
  linkHash,
  linkMatches,
  LinkFormat,
  type AuditRow,
} from '../src/audit/chain.ts';
import { signText, verifyText } from '../src/audit/signing.ts';

const row: AuditRow = {
  id: '7',
  at: new Date('2024-02-01T09:00:00.123Z'),
  actor: 'olga',
  action: 'review.decide',
  agency_id: null,
  subject: 'x',
  details: { b: 1, a: [2, { d: 1, c: 2 }] },
};

describe('audit chain: canonical form, links and the signed head (pure)', () => {
  it('canonical JSON sorts keys at every level and is stable', () => {
    assert.equal(canonicalJson({ b: 1, a: [2, { d: 1, c: 2 }] }), '{"a":[2,{"c":2,"d":1}],"b":1}');
    assert.equal(canonicalJson({ a: undefined, b: null }), '{"b":null}');
  });

  it('a link is a plain SHA-256 that changes with any column, the previous hash, the position or the previous entry', () => {
    const base = linkHash(GENESIS_HASH, '1', null, row);
    assert.match(base, /^[0-9a-f]{64}$/);
    assert.equal(
      linkHash(GENESIS_HASH, '1', null, { ...row, details: { a: [2, { c: 2, d: 1 }], b: 1 } }),
      base,
      'key order does not matter',
    );
    const variants: [string, string][] = [
      ['actor', linkHash(GENESIS_HASH, '1', null, { ...row, actor: 'eve' })],
      ['time', linkHash(GENESIS_HASH, '1', null, { ...row, at: new Date(row.at.getTime() + 1) })],
      ['id', linkHash(GENESIS_HASH, '1', null, { ...row, id: '8' })],
      ['details', linkHash(GENESIS_HASH, '1', null, { ...row, details: { b: 2, a: [2, { d: 1, c: 2 }] } })],
      ['prev hash', linkHash('1'.repeat(64), '1', null, row)],
      ['position', linkHash(GENESIS_HASH, '2', null, row)],
      ['prev entry', linkHash(GENESIS_HASH, '1', '6', row)],
    ];
    for (const [what, hash] of variants) assert.notEqual(hash, base, what);
  });

  it('a pre-upgrade link is checked with its HMAC key when it is at hand, and left unchecked without it', () => {
    const key = Buffer.alloc(32, 1);
    const link = {
      seq: '1',
      prev_entry_id: null,
      prev_hash: GENESIS_HASH,
      hash: legacyLinkHash(key, GENESIS_HASH, '1', null, row),
      format: LinkFormat.hmac,
    };
    assert.equal(linkMatches({ legacyChainKey: key }, link, row), 'ok');
    assert.equal(linkMatches({ legacyChainKey: Buffer.alloc(32, 2) }, link, row), 'mismatch');
    assert.equal(linkMatches({}, link, row), 'unchecked');
    assert.equal(
      linkMatches({}, { ...link, format: LinkFormat.sha256 }, row),
      'mismatch',
      'a link cannot claim another format',
    );
    assert.equal(linkMatches({}, { ...link, format: 'none' }, row), 'mismatch');
  });

  it('the head signature covers the database and every field of the head, and verifies with the public key only', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const head = { seq: '12', entryId: '40', hash: 'a'.repeat(64), at: '2024-02-01T09:00:00.000Z' };
    const signature = signText(privateKey, headText('aitu_gateway', head));
    assert.ok(verifyText(publicKey, headText('aitu_gateway', head), signature));
    for (const [what, text] of [
      ['database', headText('other', head)],
      ['seq', headText('aitu_gateway', { ...head, seq: '11' })],
      ['entry', headText('aitu_gateway', { ...head, entryId: '39' })],
      ['hash', headText('aitu_gateway', { ...head, hash: 'b'.repeat(64) })],
      ['time', headText('aitu_gateway', { ...head, at: '2024-02-01T09:00:00.001Z' })],
    ]) {
      assert.equal(verifyText(publicKey, text!, signature), false, what);
    }
    assert.equal(
      verifyText(generateKeyPairSync('ed25519').publicKey, headText('aitu_gateway', head), signature),
      false,
      'another key',
    );
    assert.equal(verifyText(publicKey, headText('aitu_gateway', head), 'not base64 at all'), false);
  });
});
