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
