import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPostgresUnavailable, isTransientDatabaseError } from './postgres-errors.ts';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('telling PostgreSQL away from a bad query', () => {
  const cases: [string, unknown, boolean, boolean][] = [
    // what, error, away, transient
    ['connection refused', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), true, true],
    ['reset', pgError('ECONNRESET'), true, true],
    [
      'shut down by the administrator (restart)',
      pgError('57P01', 'terminating connection due to administrator command'),
      true,
      true,
    ],
    ['crash shutdown', pgError('57P02'), true, true],
    ['starting up', pgError('57P03', 'the database system is starting up'), true, true],
    ['a connection exception', pgError('08006'), true, true],
    ['connection terminated (no code)', new Error('Connection terminated unexpectedly'), true, true],
    ['pool connect timeout', new Error('timeout exceeded when trying to connect'), true, true],
    ['wrapped, as a driver adapter wraps it', new Error('query failed', { cause: pgError('57P01') }), true, true],
    [
      'one of several (AggregateError)',
      Object.assign(new Error('all failed'), { errors: [pgError('ECONNREFUSED')] }),
      true,
      true,
    ],
    ['a serialization conflict', pgError('40001'), false, true],
    ['a deadlock', pgError('40P01'), false, true],
    ['a unique violation', pgError('23505', 'duplicate key value'), false, false],
    ['a syntax error', pgError('42601'), false, false],
    ['no such database', pgError('3D000'), false, false],
    ['nothing', undefined, false, false],
  ];
  for (const [what, error, away, transient] of cases) {
    it(`${what}: ${away ? 'away' : 'not away'}, ${transient ? 'transient' : 'not transient'}`, () => {
      assert.equal(isPostgresUnavailable(error), away);
      assert.equal(isTransientDatabaseError(error), transient);
    });
  }
});
