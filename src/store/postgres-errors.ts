/**
 * Telling PostgreSQL being away from a bad query, by the error alone. Without imports, so that the CLI's error
 * report can use it without loading the store.
 */

/** Network failures, and the server shutting down (57P01 admin, 57P02 crash) or not yet accepting (57P03). */
const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
  '57P01',
  '57P02',
  '57P03',
]);

/** True when the error means PostgreSQL is away (as opposed to a bad query); looks into `errors` and `cause`. */
export function isPostgresUnavailable(error: unknown, depth = 0): boolean {
  const e = error as { code?: string; message?: string; errors?: unknown[]; cause?: unknown } | undefined;
  if (!e || depth > 4) return false;
  // SQLSTATE class 08: connection exceptions
  if (e.code && (unreachableCodes.has(e.code) || /^08[0-9A-Z]{3}$/.test(e.code))) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isPostgresUnavailable(inner, depth + 1))) return true;
  if (e.cause && isPostgresUnavailable(e.cause, depth + 1)) return true;
  return /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED/i.test(e.message ?? '');
}

/** Overloaded, conflicting or cancelled: the same work may well succeed when tried again. */
const transientCodes = new Set(['40001', '40P01', '53300', '53400', '55P03', '57014']);

/** Errors worth trying the work again for: the database away, overloaded, or a serialization conflict. */
export function isTransientDatabaseError(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code ?? '';
  return transientCodes.has(code) || isPostgresUnavailable(error);
}
