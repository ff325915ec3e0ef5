import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExitCode } from '../src/core/errors.ts';
import { reportError } from './common.ts';

/** What reportError writes to standard error, and its exit code. */
function report(error: unknown): { code: number; stderr: string } {
  const write = process.stderr.write;
  let stderr = '';
  process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
  try {
    return { code: reportError(error), stderr };
  } finally {
    process.stderr.write = write;
  }
}

describe('reportError', () => {
  it('PostgreSQL going away during a command: one line saying to run it again, exit 3', () => {
    const error = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    const { code, stderr } = report(error);
    assert.equal(code, ExitCode.serviceUnavailable);
    assert.equal(
      stderr,
      'aitu-gateway: PostgreSQL stopped answering (terminating connection due to administrator command); run the same command again once it is back\n',
    );
  });

  it('any other unexpected error stays one, exit 1', () => {
    const { code, stderr } = report(new TypeError('x is not a function'));
    assert.equal(code, ExitCode.failed);
    assert.match(stderr, /^aitu-gateway: unexpected error: x is not a function\n/);
  });
});
