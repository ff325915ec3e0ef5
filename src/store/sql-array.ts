/**
 * A PostgreSQL array literal (`{"a","b",NULL}`) for one column of a batch, passed as a single text parameter and
 * cast in SQL (`$3::text[]`, `$9::timestamptz[]`…). Building it here in one pass costs a fraction of what the
 * driver's generic array serialization does per element, on the deliver stage's hot path.
 */
export function sqlArray(values: readonly (string | number | boolean | bigint | null | undefined)[]): string {
  let literal = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) literal += ',';
    const value = values[i];
    if (value === null || value === undefined) literal += 'NULL';
    else if (typeof value === 'string') literal += `"${NEEDS_ESCAPE.test(value) ? value.replace(ESCAPED, '\\$&') : value}"`;
    else if (typeof value === 'boolean') literal += value ? 't' : 'f';
    else literal += String(value);
  }
  return `${literal}}`;
}

const NEEDS_ESCAPE = /["\\]/;
const ESCAPED = /["\\]/g;
