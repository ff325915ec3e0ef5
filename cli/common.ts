import { ExitCode, GatewayError } from '../src/core/errors.ts';
import { maskPersonalData } from '../src/core/mask.ts';

let verbose = process.argv.includes('--verbose');

export function setVerbose(on: boolean): void {
  verbose = on;
}

/**
 * Wraps a command's work: the work returns an exit code (or nothing for success); any error becomes
 * one line on standard error naming what is wrong, and the matching exit code. Stack traces only with --verbose.
 */
export function action<A extends unknown[]>(work: (...args: A) => Promise<number | void> | number | void) {
  return async (...args: A): Promise<void> => {
    try {
      const code = await work(...args);
      process.exitCode = code ?? ExitCode.ok;
    } catch (error) {
      process.exitCode = reportError(error);
    }
  };
}

export function reportError(error: unknown): number {
  if (error instanceof GatewayError) {
    process.stderr.write(`aitu-gateway: ${maskPersonalData(error.message)}\n`);
    if (verbose && error.stack) process.stderr.write(`${maskPersonalData(error.stack)}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`aitu-gateway: unexpected error: ${maskPersonalData(message)}\n`);
  if (verbose && error instanceof Error && error.stack) process.stderr.write(`${maskPersonalData(error.stack)}\n`);
  else process.stderr.write('aitu-gateway: run again with --verbose for details\n');
  return ExitCode.failed;
}

/** Writes exactly one JSON document to standard output (the only thing --json prints). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
