/**
 * The health model's features: hashed, allocation-free, one pass over the message.
 *
 * Every letter is folded to a script-free skeleton (Cyrillic, Kazakh in both alphabets with or without the 2021
 * diacritics, and English share one lower-case ASCII alphabet: жүктілік, jüktılık and zhuktilik are one word), so a
 * weight learnt from one spelling counts for the others. Per word the features are the whole word, its first four and
 * six letters (a stem for Russian and Kazakh endings), its letter 4-grams with word boundaries (morphology nobody
 * listed), and the pair with the word before. Words of digits are one token. Features are hashed (FNV-1a, seeded per
 * kind) into a table of 2^TABLE_BITS weights; the training script and `classify` call the same function.
 */
import { codeUnits } from '../chars.ts';

export const TABLE_BITS = 18;
const TABLE_MASK = (1 << TABLE_BITS) - 1;

const SKIP = 0xffff; // a letter that is dropped inside a word (ъ, ь, apostrophes inside words)
const BREAK = 0; // not part of a word
const DIGIT = 35; // '#'
const TABLE_SIZE = 0x500;
/** code unit → skeleton letter (a–z as 97–122), DIGIT, SKIP or BREAK */
const SKELETON = new Uint16Array(TABLE_SIZE);

const LETTERS: Record<string, string> = {
  а: 'a',
  ә: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  ғ: 'g',
  д: 'd',
  е: 'e',
  ё: 'e',
  э: 'e',
  ж: 'j',
  з: 'z',
  и: 'i',
  й: 'i',
  і: 'i',
  ы: 'i',
  к: 'k',
  қ: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  ң: 'n',
  о: 'o',
  ө: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ұ: 'u',
  ү: 'u',
  ф: 'f',
  х: 'h',
  һ: 'h',
  ц: 'c',
  ч: 'c',
  ш: 's',
  щ: 's',
  ю: 'u',
  я: 'a',
  ä: 'a',
  ğ: 'g',
  ñ: 'n',
  ö: 'o',
  ū: 'u',
  ü: 'u',
  ı: 'i',
  ş: 's',
  ç: 'c',
  é: 'e',
  è: 'e',
  ë: 'e',
  á: 'a',
  í: 'i',
  ó: 'o',
  ú: 'u',
  q: 'k',
  w: 'v',
  y: 'i',
};
for (let c = 97; c <= 122; c++) SKELETON[c] = c;
for (let c = 65; c <= 90; c++) SKELETON[c] = c + 32;
for (let c = 48; c <= 57; c++) SKELETON[c] = DIGIT;
for (const [from, to] of Object.entries(LETTERS)) {
  SKELETON[from.charCodeAt(0)] = to.charCodeAt(0);
  SKELETON[from.toUpperCase().charCodeAt(0)] = to.charCodeAt(0);
}
for (const ch of ['ъ', 'ь', 'Ъ', 'Ь', "'", '’', '\u0301']) SKELETON[ch.charCodeAt(0)] = SKIP;
// Latin look-alikes typed inside Cyrillic words (and the other way round) already fold to one letter here.

const H = 104; // 'h'
/** After these, a Latin `h` is a digraph's second letter: sh, ch, zh, kh → s, c, j, h. */
function digraph(last: number): number {
  if (last === 115 || last === 99) return last; // s, c
  if (last === 122) return 106; // z → j
  if (last === 107) return H; // k → h
  return 0;
}

// as a signed 32-bit integer (the same bits: mix reads it as one), since above 2^31 it is a double, and V8 then keeps
// the walk's hash in a double or boxed where it starts a word
const FNV_OFFSET = 0x811c9dc5 | 0;
function mix(h: number, x: number): number {
  return Math.imul(h ^ x, 0x01000193);
}
/** Final avalanche, so that nearby hashes spread over the table. */
function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h & TABLE_MASK;
}

const SEED_WORD = 1;
const SEED_PREFIX4 = 2;
const SEED_PREFIX6 = 3;
/** 4-grams are packed, not hashed: the salt keeps them apart from the other features' hashes. */
const GRAM_SALT = 0x5bd1e995;
const SEED_PAIR = 5;
const SEED_NAMED = 6;

const MAX_WORD = 48;
const word = new Uint8Array(MAX_WORD + 2);
/** The FNV hash of the skeleton in `word[1..length]` and a second, independent hash of it, made as the walk goes. */
let wordHash = FNV_OFFSET;
let wordCheck = 0;
const CHECK_SEED = 0x2545f491;
function checkStep(check: number, c: number): number {
  return Math.imul(check ^ c, 0x9e3779b1) ^ (check >>> 15);
}

/** Receives each feature's table index; a feature may come more than once (counts). */
export type FeatureSink = (index: number) => void;

/**
 * A second reader of the same characters, advanced inside the model's walk so that a message is walked once: the
 * vocabulary's trie of term starts (detectors/health.detector.ts). Its words are its own (letters and digits, `'`
 * ends one), and it may ask to go on past a term that reached beyond its word.
 */
export interface TrieReader {
  /** code unit (below `letters.length`) → 0: ends a word, 1: a word character outside the trie, else its letter */
  readonly letters: Uint16Array;
  /** the transitions as a double array (HealthTrie in detectors/health-trie.ts), read by `trieChild` */
  readonly base: Int32Array;
  readonly cells: Int32Array;
  /** each node's terms (null: none), one entry for every node */
  readonly termsAt: readonly (readonly number[] | null)[];
  /** the letter of a code unit past the table: 0 or 1 */
  letterOf(code: number): number;
  /** the word that starts at `start` has reached the start of `terms` */
  reached(text: string, start: number, terms: readonly number[]): void;
  /** a word in which `reached` was heard ends at `end`: where the trie reading goes on (past a longer term), or `end` */
  wordEnd(end: number): number;
}

/**
 * The child of `node` by `letter` (2 and up) in a double array (HealthTrie in detectors/health-trie.ts): the child
 * times two, plus one when terms end there; 0 for none.
 */
export function trieChild(base: Int32Array, cells: Int32Array, node: number, letter: number): number {
  const cell = (base[node] as number) + letter;
  return cells[2 * cell] === node ? (cells[2 * cell + 1] as number) : 0;
}

/**
 * Walks the words of `text`: for each, its skeleton is in `word[1..length]` when `onWord` hears it (`allDigits`: a
 * run of digits, one token). `onSentence` hears each end of a sentence before the next one's first word. `trie`, when
 * given, reads the same characters in the same loop. The buffers (the word's, the text's code units) are module-level:
 * the walk is not re-entrant (it never awaits, and what it calls walks no text).
 */
function walkWords(
  text: string,
  onWord: (start: number, end: number, length: number, allDigits: boolean) => void,
  onSentence?: () => void,
  trie?: TrieReader,
): void {
  const n = text.length;
  let wordStart = 0;
  let sentenceEnded = false;
  let words = 0;
  let length = 0;
  let allDigits = true;
  let h = FNV_OFFSET;
  let check = CHECK_SEED;
  // the hashes before the last letter, for a digraph that rewrites it
  let hBefore = h;
  let checkBefore = check;
  // the trie's reading: its word's start (-1 between words), its node (-1: off the trie), whether a term was reached
  const letters = trie?.letters;
  const trieBase = trie?.base;
  const trieCells = trie?.cells;
  const termsAt = trie?.termsAt;
  const lettersSize = letters?.length ?? 0;
  let trieStart = -1;
  let node = -1;
  let reached = false;
  let trieFrom = 0;
  // the text's end reads as a space (codeUnits puts one there): it ends the last word for both readers
  const units = codeUnits(text);
  for (let i = 0; i <= n; i++) {
    const code = units[i] as number;
    if (trie !== undefined && i >= trieFrom) {
      const letter = code < lettersSize ? (letters![code] as number) : trie.letterOf(code);
      if (letter === 0) {
        if (trieStart >= 0 && reached) trieFrom = trie.wordEnd(i);
        trieStart = -1;
        reached = false;
      } else {
        if (trieStart < 0) {
          trieStart = i;
          node = 0;
        }
        if (node >= 0) {
          const child = letter === 1 ? 0 : trieChild(trieBase!, trieCells!, node, letter);
          if (child === 0) node = -1;
          else {
            node = child >> 1;
            if ((child & 1) !== 0) {
              trie.reached(text, trieStart, termsAt![node] as readonly number[]);
              reached = true;
            }
          }
        }
      }
    }
    // outside the table (other scripts, emoji halves): not a word letter
    const s = code < TABLE_SIZE ? (SKELETON[code] as number) : BREAK;
    if (s === BREAK) {
      if (length > 0) {
        wordHash = h;
        wordCheck = check ^ Math.imul(length, 0x85ebca6b);
        if (sentenceEnded) {
          sentenceEnded = false;
          if (words > 0) onSentence?.();
        }
        words++;
        onWord(wordStart, i, length, allDigits);
        length = 0;
        allDigits = true;
        h = hBefore = FNV_OFFSET;
        check = checkBefore = CHECK_SEED;
      }
      if (!sentenceEnded && i < n && endsSentence(code, units, i)) sentenceEnded = true;
      continue;
    }
    if (length === 0) wordStart = i;
    if (s === SKIP) continue;
    if (s === H && length > 0 && code < 128) {
      const folded = digraph(word[length] as number);
      if (folded !== 0) {
        word[length] = folded;
        h = mix(hBefore, folded);
        check = checkStep(checkBefore, folded);
        continue;
      }
    }
    if (s !== DIGIT) allDigits = false;
    else if (length > 0 && word[length] === DIGIT) continue; // a run of digits is one #
    if (length < MAX_WORD) {
      word[++length] = s;
      hBefore = h;
      checkBefore = check;
      h = mix(h, s);
      check = checkStep(check, s);
    }
  }
}

/**
 * Calls `sink` with every feature of `text`; `onWord` hears each word's span (UTF-16 offsets) before its features,
 * `onSentence` each end of a sentence before the next one's first word (the pair feature does not cross it).
 */
export function eachFeature(
  text: string,
  sink: FeatureSink,
  onWord?: (start: number, end: number) => void,
  onSentence?: () => void,
): void {
  let previous = 0;
  walkWords(
    text,
    (start, end, length, allDigits) => {
      onWord?.(start, end);
      if (allDigits) {
        sink(DIGITS_WORD);
        if (previous !== 0) sink(pairIndex(previous, DIGITS_HASH));
        previous = DIGITS_HASH;
        return;
      }
      previous = wordFeatures(length, previous, sink);
    },
    () => {
      onSentence?.();
      previous = 0;
    },
  );
}

/**
 * A word's own features (all but the pair with the word before) weigh the same wherever the word stands, so their
 * sum is remembered per skeleton: a direct-mapped cache keyed by two independent hashes of the skeleton and its
 * length, cleared when another weight table is used. Chat vocabulary is small and repeats, so most words are hits.
 */
const CACHE_BITS = 15;
const CACHE_MASK = (1 << CACHE_BITS) - 1;
// one slot is 16 bytes, its two keys and its weight side by side: a lookup touches one cache line, not three
const cacheSlots = new ArrayBuffer(16 << CACHE_BITS);
const cachedKeys = new Int32Array(cacheSlots); // [4 * slot]: hash, [4 * slot + 1]: check
const cachedWeight = new Float64Array(cacheSlots); // [2 * slot + 1]
let cachedTable: Float32Array | null = null;
let weightTable: Float32Array = new Float32Array(0);
let ownWeight = 0;
const addOwn: FeatureSink = (index) => {
  ownWeight += weightTable[index] as number;
};

/** The cache slot of a word with the hash `h`. */
function slotOf(h: number): number {
  return (h ^ (h >>> 15)) & CACHE_MASK;
}

/** Fills `slot` with the word in `word[1..length]` (hashed by the walk): its keys, and its weight without the pair. */
function fillSlot(slot: number, length: number): void {
  ownWeight = 0;
  wordFeatures(length, 0, addOwn);
  cachedKeys[4 * slot] = wordHash;
  cachedKeys[4 * slot + 1] = wordCheck;
  cachedWeight[2 * slot + 1] = ownWeight;
}

/** The words of the last `wordWeights` call: `count` of them, each with its weight, span and sentence start. */
export interface WordWeights {
  count: number;
  weight: Float64Array;
  start: Int32Array;
  end: Int32Array;
  /** 1 where a sentence ended before the word (never for the first word) */
  sentenceStart: Uint8Array;
}

const words: WordWeights = {
  count: 0,
  weight: new Float64Array(256),
  start: new Int32Array(256),
  end: new Int32Array(256),
  sentenceStart: new Uint8Array(256),
};

function pushWord(start: number, end: number, weight: number, sentenceStart: number): void {
  const k = words.count++;
  if (k === words.weight.length) {
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(a: T): T => {
      const bigger = new (a.constructor as new (n: number) => T)(a.length * 2);
      bigger.set(a);
      return bigger;
    };
    words.weight = grow(words.weight);
    words.start = grow(words.start);
    words.end = grow(words.end);
    words.sentenceStart = grow(words.sentenceStart);
  }
  words.weight[k] = weight;
  words.start[k] = start;
  words.end[k] = end;
  words.sentenceStart[k] = sentenceStart;
}

/**
 * Each word of `text` with its span and the summed weight in `table` of its features: the same features added in the
 * same order as `eachFeature` gives them (so the sums are identical to adding them one by one). The arrays are
 * reused by the next call: read them before calling again.
 */
export function wordWeights(text: string, table: Float32Array, trie?: TrieReader): WordWeights {
  if (cachedTable !== table) {
    cachedKeys.fill(0);
    cachedTable = table;
  }
  weightTable = table;
  words.count = 0;
  let previous = 0;
  let sentenceStart = 0;
  walkWords(
    text,
    (start, end, length, allDigits) => {
      let own: number;
      let h: number;
      if (allDigits) {
        // 0 + the weight, as adding to a sum that starts at 0 (a weight of -0 sums to 0)
        own = 0 + (table[DIGITS_WORD] as number);
        h = DIGITS_HASH;
      } else {
        // the lookup is written out here and the weight read from the slot: a function returning it was not inlined
        // into the walk, and V8 boxed the number it returned for every word (docs/benchmarks.md)
        h = wordHash;
        const slot = slotOf(h);
        if (cachedKeys[4 * slot] !== h || cachedKeys[4 * slot + 1] !== wordCheck) fillSlot(slot, length);
        own = cachedWeight[2 * slot + 1] as number;
      }
      pushWord(start, end, previous === 0 ? own : own + (table[pairIndex(previous, h)] as number), sentenceStart);
      sentenceStart = 0;
      previous = h;
    },
    () => {
      sentenceStart = 1;
      previous = 0;
    },
    trie,
  );
  return words;
}

/**
 * `.`, `!`, `?`, `;` before a space or the end, or a line break: a sentence ends at `code`, the unit at `i` (below the
 * text's length) of `units` (codeUnits: the text's end reads as a space, so the unit after is always there).
 */
function endsSentence(code: number, units: Uint16Array, i: number): boolean {
  if (code === 10) return true;
  if (code !== 46 && code !== 33 && code !== 63 && code !== 59) return false;
  const after = units[i + 1] as number;
  return after === 32 || after === 10 || after === 13;
}

const DIGITS_HASH = mix(FNV_OFFSET, DIGIT);
const DIGITS_WORD = finish(mix(DIGITS_HASH, SEED_WORD));

/** The table index of the pair feature: the word before (its hash) and this one. */
function pairIndex(previous: number, h: number): number {
  return finish(mix(mix(previous, h), SEED_PAIR));
}

/**
 * One word's features from its skeleton in `word[1..length]`, in one loop: the word's hash (with its first four and
 * six letters on the way), and its letter 4-grams of ^word$ packed 7 bits a letter into one integer. Returns the
 * word's hash, the next word's `previous`.
 */
function wordFeatures(length: number, previous: number, sink: FeatureSink): number {
  let h = FNV_OFFSET;
  let gram = 94; // ^
  for (let k = 1; k <= length; k++) {
    const c = word[k] as number;
    h = mix(h, c);
    gram = ((gram << 7) | c) & 0xfffffff;
    if (k >= 3 && length >= 3) sink(finish(gram ^ GRAM_SALT));
    if (k === 4 && length > 4) sink(finish(mix(h, SEED_PREFIX4)));
    else if (k === 6 && length > 6) sink(finish(mix(h, SEED_PREFIX6)));
  }
  if (length >= 3) sink(finish((((gram << 7) | 36) & 0xfffffff) ^ GRAM_SALT)); // …$
  sink(finish(mix(h, SEED_WORD)));
  if (previous !== 0) sink(pairIndex(previous, h));
  return h;
}

/** A named feature (a vocabulary term id, a context cue): its table index. Names are few and recur: remembered. */
const NAMED_INDEX = new Map<string, number>();
export function namedFeature(name: string): number {
  let index = NAMED_INDEX.get(name);
  if (index === undefined) {
    let h = mix(FNV_OFFSET, SEED_NAMED);
    for (let k = 0; k < name.length; k++) h = mix(h, name.charCodeAt(k));
    index = finish(h);
    NAMED_INDEX.set(name, index);
  }
  return index;
}
