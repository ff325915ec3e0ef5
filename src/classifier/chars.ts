import { Buffer } from 'node:buffer';

/**
 * `text.charCodeAt(i)` for hot loops. Written as a method call, the load of `charCodeAt` is cached per string
 * representation (flat or concatenated, sliced, one- or two-byte, internalized); the classifier meets them all, the
 * cache turns megamorphic, and V8 then looks the method up and calls it generically at every character. Called
 * through one constant function, it is inlined whatever the string's representation (docs/benchmarks.md).
 */
const charCodeAtOf = String.prototype.charCodeAt;

export function codeAt(text: string, i: number): number {
  return charCodeAtOf.call(text, i);
}

/** Texts up to this many code units are copied into the one array `codeUnits` keeps; a longer one gets its own. */
const UNITS_KEPT = 1 << 16;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Below this many code units a loop copies the text faster than the native call's fixed cost (docs/benchmarks.md). */
const NATIVE_FROM = 32;
const keptBytes = Buffer.allocUnsafeSlow(2 * (UNITS_KEPT + 1));
const keptUnits = new Uint16Array(keptBytes.buffer, keptBytes.byteOffset, UNITS_KEPT + 1);

/**
 * The code units of `text` in a typed array, followed by a space (at index `text.length`), for the hottest loop: even
 * inlined, `charCodeAt` looks up the string's representation again at every character; one native copy of the text
 * costs less than those lookups over a long message and about as much over a short one (docs/benchmarks.md). The
 * array is reused by the next call: read it before calling again, and only up to `text.length`.
 */
export function codeUnits(text: string): Uint16Array {
  const n = text.length;
  const units = n < UNITS_KEPT ? keptUnits : new Uint16Array(n + 1);
  if (n < NATIVE_FROM || !LITTLE_ENDIAN) {
    for (let i = 0; i < n; i++) units[i] = codeAt(text, i);
  } else {
    const bytes = units === keptUnits ? keptBytes : Buffer.from(units.buffer, units.byteOffset, 2 * (n + 1));
    bytes.write(text, 0, 'utf16le');
  }
  units[n] = 32;
  return units;
}

/**
 * For hot loops: 1 for each code unit below `size` that `re` (a one-character test, without the `g` flag) matches,
 * else 0. A table read instead of the regex: a Unicode property's range table is consulted at every character.
 */
export function codeUnitTable(re: RegExp, size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, code) => (re.test(String.fromCharCode(code)) ? 1 : 0));
}

/**
 * The code units below `size` that `re` (a one-character test, without the `g` flag) matches, as the inside of a
 * regex character class (`\u0041-\u005a\u00aa…`): a short class to stand in for a Unicode property where the text
 * is known to hold nothing else that the property matches.
 */
export function codeUnitRanges(re: RegExp, size: number): string {
  const table = codeUnitTable(re, size);
  const hex = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;
  let ranges = '';
  for (let code = 0; code < size; code++) {
    if (table[code] !== 1) continue;
    const first = code;
    while (code + 1 < size && table[code + 1] === 1) code++;
    ranges += code > first ? `${hex(first)}-${hex(code)}` : hex(first);
  }
  return ranges;
}
