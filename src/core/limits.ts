import { Readable } from 'node:stream';
import { config, environmentVariables, inputLimitDefaults, type Config } from './config.ts';
import { InputError } from './errors.ts';

/** The input limits of src/core/config.ts (table in docs/security.md). */
export type InputLimits = { -readonly [K in keyof typeof inputLimitDefaults]: number };
export type InputLimitName = keyof InputLimits;

/** The limits of a configuration; by default the process's own. */
export function inputLimits(cfg: Pick<Config, InputLimitName> = config()): InputLimits {
  return {
    maxLineBytes: cfg.maxLineBytes,
    maxTextChars: cfg.maxTextChars,
    maxZipEntryBytes: cfg.maxZipEntryBytes,
    maxZipRatio: cfg.maxZipRatio,
    maxImportAttachmentBytes: cfg.maxImportAttachmentBytes,
  };
}

/** Limits on reading one attachment (src/extract/), as that module takes them. */
export interface AttachmentLimits {
  maxBytes: number;
  maxPages: number;
  maxPixels: number;
  timeoutMs: number;
}

/** The configured limits on reading an attachment; by default the process's own. */
export function attachmentLimits(
  cfg: Pick<Config, 'extractMaxBytes' | 'extractMaxPages' | 'extractMaxPixels' | 'extractTimeoutSeconds'> = config(),
): AttachmentLimits {
  return {
    maxBytes: cfg.extractMaxBytes,
    maxPages: cfg.extractMaxPages,
    maxPixels: cfg.extractMaxPixels,
    timeoutMs: cfg.extractTimeoutSeconds * 1000,
  };
}

/** The configured limits with some replaced (tests, and callers that pass their own). */
export function withLimits(overrides: Partial<InputLimits> | undefined): InputLimits {
  return { ...inputLimits(), ...overrides };
}

/** 1048576 → "1,048,576": limits and sizes are read by people. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

const variableOf = Object.fromEntries(
  Object.entries(environmentVariables).map(([variable, key]) => [key, variable]),
) as Record<string, string>;

/** "maxLineBytes 1,048,576": how a message names a limit. */
export function describeLimit(name: InputLimitName, value: number): string {
  return `${name} ${formatCount(value)}`;
}

/** Where an operator raises a limit: the environment variable (or the config key of the same name). */
export function limitVariable(name: InputLimitName): string {
  return variableOf[name] ?? name;
}

/** A per-file limit was passed: the import stops (exit 2), naming the limit and the file. */
export class LimitError extends InputError {
  constructor(
    readonly limit: InputLimitName,
    message: string,
  ) {
    super(`${message} (raise it with ${limitVariable(limit)} if the input is genuine)`);
  }
}

/**
 * The attachment bytes one import reads into the store, against maxImportAttachmentBytes. Every attachment stream a
 * source hands out passes through `meter`; past the limit the stream fails with a LimitError, which stops the
 * import, and `exceeded` keeps it so the command can exit 2.
 */
export class AttachmentBudget {
  used = 0;
  exceeded: LimitError | null = null;

  constructor(
    readonly max: number,
    /** the input the attachments belong to, for the message */
    readonly label: string,
  ) {}

  meter(stream: Readable, name: string): Readable {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- a generator function cannot be an arrow, and it updates this budget
    const budget = this;
    async function* counted(): AsyncGenerator<Buffer> {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        budget.used += chunk.length;
        if (budget.used > budget.max) {
          budget.exceeded ??= new LimitError(
            'maxImportAttachmentBytes',
            `${budget.label}: the attachments of this import exceed ${describeLimit('maxImportAttachmentBytes', budget.max)} bytes (at ${name})`,
          );
          stream.destroy();
          throw budget.exceeded;
        }
        yield chunk;
      }
    }
    // A file stream opens at once and may fail before it is read (a file gone or unreadable since it was looked at):
    // the error is kept for the reader (the stream's `errored`), never an unhandled 'error' event ending the process.
    stream.on('error', () => {});
    const metered = Readable.from(counted(), { objectMode: false });
    // destroyed before it was read (a dry run only looks): the file it would have read is closed too
    metered.once('close', () => stream.destroy());
    return metered;
  }
}
