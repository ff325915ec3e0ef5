import type { Command } from 'commander';
import { TOKEN_VARIABLE } from '../src/auth/token-variable.ts';
import { ExitCode, GatewayError, UsageError } from '../src/core/errors.ts';
import { maskPersonalData } from '../src/core/mask.ts';
import { isPostgresUnavailable } from '../src/store/postgres-errors.ts';

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
  // PostgreSQL went away while the command ran (the start checks it): a service problem, not a bug
  if (isPostgresUnavailable(error)) {
    process.stderr.write(
      `aitu-gateway: PostgreSQL stopped answering (${maskPersonalData(message)}); run the same command again once it is back\n`,
    );
    if (verbose && error instanceof Error && error.stack) process.stderr.write(`${maskPersonalData(error.stack)}\n`);
    return ExitCode.serviceUnavailable;
  }
  process.stderr.write(`aitu-gateway: unexpected error: ${maskPersonalData(message)}\n`);
  if (verbose && error instanceof Error && error.stack) process.stderr.write(`${maskPersonalData(error.stack)}\n`);
  else process.stderr.write('aitu-gateway: run again with --verbose for details\n');
  return ExitCode.failed;
}

/** An option's value as a whole number from `min` to `max`, or a usage error naming the option. */
export function wholeNumber(value: string, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}`);
  return n;
}

/** Writes exactly one JSON document to standard output (the only thing --json prints). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const tokenFileHelp = `a file holding your token, readable by you alone (- reads it from standard input; default: ${TOKEN_VARIABLE})`;
const tokenHelp = 'your token (deprecated: it shows in ps and in shell history; use --token-file)';

/** The options every command run as a person takes: `--token-file <path>` and the deprecated `--token <token>`. */
export function tokenOptions(command: Command): Command {
  return command.option('--token-file <path>', tokenFileHelp).option('--token <token>', tokenHelp);
}

/**
 * Gives every command that takes `--token` the `--token-file` option too, and says in `--token`'s help why not to
 * use it; called once, after every command is registered.
 */
export function addTokenFileOptions(program: Command): void {
  for (const command of program.commands) {
    const token = command.options.find((option) => option.long === '--token');
    if (token) {
      token.description = tokenHelp;
      if (!command.options.some((option) => option.long === '--token-file'))
        command.option('--token-file <path>', tokenFileHelp);
    }
    addTokenFileOptions(command);
  }
}
