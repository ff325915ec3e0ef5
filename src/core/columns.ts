/**
 * Empty arrays in the elements kind their values need from the start. An empty array literal starts in V8's kind for
 * small integers and changes kind at its first string, object, null, boolean or fraction. Code that fills arrays made
 * anew for every batch, optimized while it met them in both kinds, was thrown away and optimized again, column after
 * column (docs/benchmarks.md, nineteenth session).
 */

/** An empty array for values of any kind but small integers alone (strings, objects, null, booleans). */
export function emptyColumn<T>(): T[] {
  const values: unknown[] = [null];
  values.pop();
  return values as T[];
}

/** An empty array for numbers with fractions. */
export function emptyFractions(): number[] {
  const values = [0.5];
  values.pop();
  return values;
}
