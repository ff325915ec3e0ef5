/**
 * The vocabulary's trie of term starts, which the health walk reads (health.detector.ts), and the entries it indexes:
 * each term under its literal start, and a raw phrase once per alternative of its top level (and of a group it starts
 * with), each under its own literal start, so that every alternative can be reached.
 *
 * Making the trie (splitting the phrases, folding each letter, a node for each distinct start of a prefix) was the
 * largest part of importing the classifier, so the trie `npm run generate:health-trie` makes ships beside this module
 * (health-trie.generated.ts), with a digest of the vocabulary it was made from. `healthTrie` uses it when the
 * vocabulary is still that one and makes the trie otherwise: a stale file costs start-up time, never a wrong match.
 * A test holds the shipped trie to the one made here.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { HealthTerm } from '../health-vocabulary.ts';

const FOLDED = new Map<string, string>();
/**
 * A letter as the trie compares it (lower case, ё as е); remembered, since the tables ask for each letter thousands
 * of times.
 */
export function fold(ch: string): string {
  let folded = FOLDED.get(ch);
  if (folded === undefined) FOLDED.set(ch, (folded = ch.toLowerCase().replace('ё', 'е')));
  return folded;
}

/**
 * The regex syntax characters of `source` from `from` on, with the group depth each stands at (a `(` and its `)`
 * at the depth outside them); escaped characters and the insides of character classes are skipped.
 */
function* syntaxOf(source: string, from = 0): Generator<{ at: number; char: string; depth: number }> {
  let depth = 0;
  let inClass = false;
  for (let i = from; i < source.length; i++) {
    const char = source[i]!;
    if (char === '\\') i++;
    else if (inClass) inClass = char !== ']';
    else if (char === '[') inClass = true;
    else if (char === '(') yield { at: i, char, depth: depth++ };
    else if (char === ')') yield { at: i, char, depth: --depth };
    else yield { at: i, char, depth };
  }
}

/** Splits a regex source at its top-level `|` (outside groups and classes). */
export function splitTopLevel(source: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (const { at, char, depth } of syntaxOf(source)) {
    if (char !== '|' || depth !== 0) continue;
    parts.push(source.slice(start, at));
    start = at + 1;
  }
  parts.push(source.slice(start));
  return parts;
}

/** The end of the group that starts at `open` (a `(`), or -1. */
export function groupEnd(source: string, open: number): number {
  for (const { at, char, depth } of syntaxOf(source, open)) if (char === ')' && depth === 0) return at;
  return -1;
}

/**
 * A raw phrase's alternatives, each a regex of its own: its top-level `|` split, and a leading `(?:a|b)` group
 * (not made optional) written out as `a…` and `b…`, recursively.
 */
function rawAlternatives(source: string): string[] {
  return splitTopLevel(source).flatMap((alternative) => {
    if (!alternative.startsWith('(?:')) return [alternative];
    const end = groupEnd(alternative, 0);
    const after = alternative.slice(end + 1);
    if (end < 0 || /^[?*{]/.test(after)) return [alternative];
    return splitTopLevel(alternative.slice(3, end)).flatMap((inner) => rawAlternatives(`${inner}${after}`));
  });
}

/**
 * Short words, each with its space (and an optional word after it), at the start of an alternative (на, к, is,
 * had a…).
 */
const SHORT_WORDS_START = /^((?:\p{L}{1,3}\\s[+*](?:\(\?:\\p\{L\}\+\\s\+\)\?)?)+)(.+)$/u;

/**
 * An alternative that starts with short, common words (на декрет, к врачу, is sick, had a stroke) would be tried at
 * every word that starts like them; the short words move into a lookbehind, so the alternative is indexed under the
 * word after them (декрет, врачу, sick, stroke) and tried only there.
 */
function hoistShortWords(alternative: string): string[] {
  const m = SHORT_WORDS_START.exec(alternative);
  if (!m) return [alternative];
  const [, words, rest] = m as unknown as [string, string, string];
  const inner = rawAlternatives(rest).flatMap(hoistShortWords);
  if (!inner.every((r) => leadingLetters(r) !== '')) return [alternative];
  return inner.map((r) => {
    // an alternative hoisted again carries its own lookbehind: the words before it join it
    const own = r.startsWith(LOOKBEHIND_OPEN) ? r.slice(LOOKBEHIND_OPEN.length, groupEnd(r, 0)) : '';
    const body = own ? r.slice(groupEnd(r, 0) + 1) : r;
    return `${LOOKBEHIND_OPEN}${words}${own})${body}`;
  });
}

const LOOKBEHIND_OPEN = '(?<=(?<![\\p{L}])';

/**
 * The letters a regex alternative starts with, up to its first syntax or lookbehind; a letter made optional is left
 * out.
 */
function leadingLetters(source: string): string {
  const body = source.startsWith('(?<=') ? source.slice(groupEnd(source, 0) + 1) : source;
  if (body === source && source.startsWith('(?<=')) return '';
  // `[её]` is one letter to the walk (it folds ё to е): a term written with е starts with more than its first letters
  const units = /^(?:\p{L}|\[[еЕ][ёЁ]\])+/u.exec(body)?.[0].match(/\p{L}|\[[еЕ][ёЁ]\]/gu) ?? [];
  // a last letter made optional or repeated is not part of the start
  if (/^[?*{]/.test(body.slice(units.join('').length))) units.pop();
  return units.map((unit) => (unit.length > 1 ? (unit[1] as string) : unit)).join('');
}

/** The literal letters a term starts with (the part the trie walks); a letter made optional by `?` is not. */
export function literalPrefix(term: string): string {
  const prefix = /^\p{L}+/u.exec(term)?.[0] ?? '';
  return term[prefix.length] === '?' ? prefix.slice(0, -1) : prefix;
}

export const TABLE_SIZE = 0x500; // ASCII, Latin-1 and Cyrillic (Kazakh letters included) are looked up in tables
export const WORD_CHAR = /[\p{L}\p{N}]/u;

/** A term (or one alternative of a raw phrase) under the literal start the trie walks. */
export interface TrieEntry {
  term: HealthTerm;
  prefix: string;
  /** a raw phrase's alternative; null for a term, whose source is compiled from its syntax when first needed */
  source: string | null;
}

/** The trie as the walk reads it (health-model/features.ts TrieReader), and its entries. */
export interface HealthTrie {
  /** in the trie's order: `termsAt` holds indexes into it */
  entries: readonly TrieEntry[];
  /** code unit (below TABLE_SIZE) → 0: ends a word, 1: a word character outside the trie's alphabet, else its letter */
  letters: Uint16Array;
  /**
   * The transitions as a double array (`trieChild` in health-model/features.ts reads it): the cell of `node`'s child
   * by `letter` is `base[node] + letter`, and it is that child when the cell's check, `cells[2 * cell]`, is `node`;
   * `cells[2 * cell + 1]` is then the child times two, plus one when terms end there. A free cell's check is -1, and
   * `base[node] + letter` is inside the cells for every node and letter, so a lookup never reads past the end.
   */
  base: Int32Array;
  cells: Int32Array;
  /** each node's entries (null: none), one item for every node */
  termsAt: (readonly number[] | null)[];
}

/** The trie as health-trie.generated.ts holds it. */
export interface ShippedTrie {
  /** the digest of the vocabulary it was made from (vocabularyDigest) */
  vocabulary: string;
  /** the folded letters, numbered from 2 */
  letters: readonly string[];
  /** in the trie's order: the term's index in the vocabulary, the prefix, the alternative's source, its node */
  entries: readonly (readonly [term: number, prefix: string, source: string | null, node: number])[];
  /** base64 of each node's parent and letter, from node 1 on, as 32-bit little-endian pairs */
  nodes: string;
  /** base64 of each node's base in the double array (HealthTrie), from node 0 on, 32-bit little-endian */
  bases: string;
}

/** What the trie depends on in the vocabulary: each term's text and raw phrase, in order. */
export function vocabularyDigest(terms: readonly HealthTerm[]): string {
  return createHash('sha256')
    .update(terms.map((t) => `${t.term}\u0001${t.raw ?? ''}`).join('\u0000'))
    .digest('base64');
}

/** The trie of `terms`: the shipped one when it was made from them, else made now. */
export function healthTrie(terms: readonly HealthTerm[], shipped: ShippedTrie): HealthTrie {
  return shipped.vocabulary === vocabularyDigest(terms) ? loadTrie(terms, shipped) : makeHealthTrie(terms).trie;
}

/** The letter table of an alphabet: word characters with a letter of their own, 1 for the others, 0 for the rest. */
function letterTable(alphabet: ReadonlyMap<string, number>): Uint16Array {
  const letters = new Uint16Array(TABLE_SIZE);
  for (let c = 0; c < TABLE_SIZE; c++) {
    const ch = String.fromCharCode(c);
    if (WORD_CHAR.test(ch)) letters[c] = alphabet.get(fold(ch)) ?? 1;
  }
  return letters;
}

/** The shipped trie as the walk reads it: each node's cell set from its parent, its letter and its parent's base. */
function loadTrie(terms: readonly HealthTerm[], shipped: ShippedTrie): HealthTrie {
  const alphabet = new Map(shipped.letters.map((letter, k) => [letter, k + 2]));
  const size = shipped.letters.length + 2;
  const nodes = Buffer.from(shipped.nodes, 'base64');
  const count = nodes.length / 8 + 1;
  const termsAt: (number[] | null)[] = new Array<number[] | null>(count).fill(null);
  const entries = shipped.entries.map(([term, prefix, source, node], k): TrieEntry => {
    (termsAt[node] ??= []).push(k);
    return { term: terms[term] as HealthTerm, prefix, source };
  });
  const parents = new Int32Array(count);
  const letters = new Int32Array(count);
  for (let node = 1; node < count; node++) {
    parents[node] = nodes.readUInt32LE(8 * (node - 1));
    letters[node] = nodes.readUInt32LE(8 * (node - 1) + 4);
  }
  const bases = Buffer.from(shipped.bases, 'base64');
  const base = new Int32Array(count);
  for (let node = 0; node < count; node++) base[node] = bases.readInt32LE(4 * node);
  const cells = fillCells(parents, letters, base, size, (node) => 2 * node + (termsAt[node] === null ? 0 : 1));
  return { entries, letters: letterTable(alphabet), base, cells, termsAt };
}

/** How many bases above the first free cell a node with several children tries (placeChildren). */
const FIT_TRIES = 32;

/**
 * Each node's base in the double array of a trie given as each node's parent and letter (node 0 the root). A dense
 * table of a row of `size` cells a node is nearly all empty cells, many times the processor's cache, and the walk's
 * reads in it missed the caches (docs/benchmarks.md); the double array holds each node about once. Each node's
 * children are placed at the first base where all their cells are free (first fit), node by node in order.
 */
function placeChildren(parents: Int32Array, letters: Int32Array, size: number): Int32Array {
  const count = parents.length;
  const children = childrenOf(parents);
  const base = new Int32Array(count);
  let used = new Uint8Array(count + 2 * size);
  const free = (cell: number) => cell >= used.length || used[cell] === 0;
  const fits = (b: number, kids: readonly number[]) => kids.every((kid) => free(b + (letters[kid] as number)));
  let firstFree = 0;
  let top = 0;
  for (let p = 0; p < count; p++) {
    const kids = children[p] as number[];
    if (kids.length === 0) continue;
    while (!free(firstFree)) firstFree++;
    const lowest = Math.min(...kids.map((kid) => letters[kid] as number));
    // a node with one child takes the first free cell; one with several tries a few bases above it, then goes past
    // the last cell used, where all are free (searching on made the placement quadratic)
    let b = Math.max(0, firstFree - lowest);
    for (let tries = 1; !fits(b, kids); tries++) b = tries < FIT_TRIES ? b + 1 : Math.max(0, top + 1 - lowest);
    base[p] = b;
    for (const kid of kids) {
      const cell = b + (letters[kid] as number);
      if (cell >= used.length) {
        const more = new Uint8Array(2 * cell);
        more.set(used);
        used = more;
      }
      used[cell] = 1;
      top = Math.max(top, cell);
    }
  }
  return base;
}

/** Each node's children, in node order. */
function childrenOf(parents: Int32Array): number[][] {
  const children = Array.from({ length: parents.length }, (): number[] => []);
  for (let node = 1; node < parents.length; node++) (children[parents[node] as number] as number[]).push(node);
  return children;
}

/**
 * The double array's cells (HealthTrie) of a trie given as each node's parent, letter and base, each node's cell
 * holding its parent (the check) and `value(node)`; free cells' checks are -1. There are enough cells for
 * `base[node] + letter` of every node and letter below `size`.
 */
function fillCells(
  parents: Int32Array,
  letters: Int32Array,
  base: Int32Array,
  size: number,
  value: (node: number) => number,
): Int32Array {
  let last = 0;
  for (let node = 0; node < base.length; node++) last = Math.max(last, (base[node] as number) + size);
  const cells = new Int32Array(2 * last).fill(-1);
  for (let node = 1; node < parents.length; node++) {
    const cell = (base[parents[node] as number] as number) + (letters[node] as number);
    cells[2 * cell] = parents[node] as number;
    cells[2 * cell + 1] = value(node);
  }
  return cells;
}

/** The entries of `terms`, each with its term's index, in the vocabulary's order. */
function entriesOf(terms: readonly HealthTerm[]): (TrieEntry & { index: number })[] {
  return terms.flatMap((term, index): (TrieEntry & { index: number })[] => {
    if (!term.raw) return [{ term, index, prefix: literalPrefix(term.term), source: null }];
    return rawAlternatives(term.raw)
      .flatMap(hoistShortWords)
      .map((source) => ({ term, index, prefix: leadingLetters(source) || literalPrefix(term.term), source }));
  });
}

/**
 * The trie of `terms`, made from them, and the form it ships in; the trie is read from that form as a shipped one
 * is, so the two cannot differ. Node 0 is the root; letters are numbered in the order the entries first use them;
 * the entries are taken longest term first (so that, of a node's terms, the longer is tried first), and a node is
 * numbered when first made.
 */
export function makeHealthTrie(terms: readonly HealthTerm[]): { trie: HealthTrie; shipped: ShippedTrie } {
  const all = entriesOf(terms);
  const alphabet = new Map<string, number>();
  for (const { prefix } of all)
    for (const ch of prefix) {
      const key = fold(ch);
      if (!alphabet.has(key)) alphabet.set(key, alphabet.size + 2);
    }
  const size = alphabet.size + 2;
  /** node * size + letter → the child */
  const children = new Map<number, number>();
  const parents = [0];
  const letterOfNode = [0];
  const ordered = [...all].sort((a, b) => b.term.term.length - a.term.term.length);
  const ends = ordered.map(({ prefix }) => {
    let node = 0;
    for (const ch of prefix) {
      const letter = alphabet.get(fold(ch)) as number;
      let child = children.get(node * size + letter);
      if (child === undefined) {
        child = parents.length;
        parents.push(node);
        letterOfNode.push(letter);
        children.set(node * size + letter, child);
      }
      node = child;
    }
    return node;
  });
  const shipped: ShippedTrie = {
    vocabulary: vocabularyDigest(terms),
    letters: [...alphabet.keys()],
    entries: ordered.map(({ index, prefix, source }, k) => [index, prefix, source, ends[k] as number] as const),
    nodes: encodeNodes(parents, letterOfNode),
    bases: encodeBases(placeChildren(Int32Array.from(parents), Int32Array.from(letterOfNode), size)),
  };
  return { trie: loadTrie(terms, shipped), shipped };
}

/** Each node's parent and letter from node 1 on, as ShippedTrie's `nodes`. */
function encodeNodes(parents: readonly number[], letters: readonly number[]): string {
  const nodes = Buffer.alloc(8 * (parents.length - 1));
  for (let node = 1; node < parents.length; node++) {
    nodes.writeUInt32LE(parents[node] as number, 8 * (node - 1));
    nodes.writeUInt32LE(letters[node] as number, 8 * (node - 1) + 4);
  }
  return nodes.toString('base64');
}

/** Each node's base, as ShippedTrie's `bases`. */
function encodeBases(base: Int32Array): string {
  const bases = Buffer.alloc(4 * base.length);
  base.forEach((b, node) => bases.writeInt32LE(b, 4 * node));
  return bases.toString('base64');
}
