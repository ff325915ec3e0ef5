import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HEALTH_TERMS, type HealthTerm } from '../health-vocabulary.ts';
import { trieChild } from '../health-model/features.ts';
import { healthTrie, makeHealthTrie, TABLE_SIZE, vocabularyDigest, type HealthTrie } from './health-trie.ts';
import { HEALTH_TRIE } from './health-trie.generated.ts';

/** Two tries read the same: every table cell, every node's entries, every entry's term, start and source. */
function assertSameTrie(actual: HealthTrie, expected: HealthTrie): void {
  assert.ok(Buffer.from(actual.letters.buffer).equals(Buffer.from(expected.letters.buffer)), 'the letter tables');
  assert.ok(Buffer.from(actual.base.buffer).equals(Buffer.from(expected.base.buffer)), 'the bases');
  assert.ok(Buffer.from(actual.cells.buffer).equals(Buffer.from(expected.cells.buffer)), 'the cells');
  assert.deepEqual(actual.termsAt, expected.termsAt);
  assert.equal(actual.entries.length, expected.entries.length);
  actual.entries.forEach((entry, k) => {
    const other = expected.entries[k]!;
    assert.equal(entry.term, other.term, `entry ${k}: the same term object`);
    assert.equal(entry.prefix, other.prefix);
    assert.equal(entry.source, other.source);
  });
}

test('the shipped trie is the one the vocabulary makes (else: npm run generate:health-trie)', () => {
  const { shipped } = makeHealthTrie(HEALTH_TERMS);
  assert.equal(HEALTH_TRIE.vocabulary, vocabularyDigest(HEALTH_TERMS), 'made from the vocabulary as it stands');
  assert.deepEqual(HEALTH_TRIE, shipped);
});

test("the shipped trie, loaded, leads each entry's start letter by letter to a marked node that lists it", () => {
  const trie = healthTrie(HEALTH_TERMS, HEALTH_TRIE);
  assert.ok(trie.termsAt.length > 10_000 && trie.entries.length > 2_000, 'the whole vocabulary');
  trie.entries.forEach(({ prefix }, k) => {
    let node = 0;
    let cell = 0;
    for (const ch of prefix) {
      const code = ch.charCodeAt(0);
      assert.ok(code < TABLE_SIZE, `entry ${k}: a letter the tables cover`);
      cell = trieChild(trie.base, trie.cells, node, trie.letters[code]!);
      assert.notEqual(cell, 0, `entry ${k} (${prefix}): its path goes on`);
      node = cell >> 1;
    }
    if (node !== 0) assert.equal(cell & 1, 1, `entry ${k}: its node is marked`);
    assert.ok(trie.termsAt[node]?.includes(k), `entry ${k}: its node lists it`);
  });
  // every node but the root is one cell: no cell leads anywhere else
  const taken = trie.cells.filter((_, k) => k % 2 === 0).filter((check) => check >= 0);
  assert.equal(taken.length, trie.termsAt.length - 1);
});

test('the double array gives each node its children and nothing else, for every node and letter', () => {
  const trie = healthTrie(HEALTH_TERMS, HEALTH_TRIE);
  const letterCount = Math.max(...trie.letters) + 1;
  // the children as the cells were filled: a node's child is the node the cell names
  const expected = new Map<string, number>();
  for (let cell = 0; 2 * cell < trie.cells.length; cell++) {
    const check = trie.cells[2 * cell]!;
    if (check >= 0) expected.set(`${check}:${cell - trie.base[check]!}`, trie.cells[2 * cell + 1]!);
  }
  let children = 0;
  for (let node = 0; node < trie.termsAt.length; node++) {
    assert.ok(trie.base[node]! + letterCount <= trie.cells.length / 2, `node ${node}: every lookup stays inside`);
    for (let letter = 2; letter < letterCount; letter++) {
      const child = trieChild(trie.base, trie.cells, node, letter);
      assert.equal(child, expected.get(`${node}:${letter}`) ?? 0, `node ${node}, letter ${letter}`);
      if (child !== 0) {
        children++;
        assert.equal(child & 1, trie.termsAt[child >> 1] === null ? 0 : 1, `node ${child >> 1}: marked when terms end`);
      }
    }
  }
  assert.equal(children, trie.termsAt.length - 1, "every node but the root is some node's child once");
});

test('a shipped trie made from another vocabulary is not used: the trie is made from the terms given', () => {
  const changed: HealthTerm[] = [...HEALTH_TERMS, { id: 'test-only', term: 'зюзюкаліт*', weight: 0.9, lang: 'kk' }];
  const trie = healthTrie(changed, HEALTH_TRIE);
  assertSameTrie(trie, makeHealthTrie(changed).trie);
  const last = trie.entries.findIndex((e) => e.term.id === 'test-only');
  assert.ok(last >= 0 && trie.termsAt.some((at) => at?.includes(last)), 'the new term is reached');
  assert.ok(trie.termsAt.length > healthTrie(HEALTH_TERMS, HEALTH_TRIE).termsAt.length);
});

test('the raw phrases are indexed once per alternative, short leading words moved into a lookbehind', () => {
  const raw: HealthTerm = {
    id: 'raw-test',
    term: 'x',
    raw: '(?:на|в)\\s+декрет\\p{L}*|maternity\\s+leave',
    weight: 0.9,
    lang: 'any',
  };
  const { entries } = makeHealthTrie([raw]).trie;
  assert.deepEqual(
    entries.map((e) => [e.prefix, e.source]),
    [
      ['декрет', '(?<=(?<![\\p{L}])на\\s+)декрет\\p{L}*'],
      ['декрет', '(?<=(?<![\\p{L}])в\\s+)декрет\\p{L}*'],
      ['maternity', 'maternity\\s+leave'],
    ],
  );
});
