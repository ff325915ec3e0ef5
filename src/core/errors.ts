/**
 * Exit codes shared by every command:
 * 0 success; 1 the job ran and failed; 2 bad usage or invalid input; 3 a required service unreachable.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  serviceUnavailable: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error whose message is written for the person at the CLI; it never carries raw personal data. */
export class GatewayError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad usage or invalid input named on the command line (exit 2). */
export class UsageError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.usage, options);
  }
}

/**
 * No such thing that the person may see (exit 2, as any bad name on the command line): an unknown id and one of
 * another agency are reported alike, so the answer tells nothing about what exists elsewhere.
 */
export class NotFoundError extends UsageError {
  constructor(
    message: string,
    /** what was not found, for a front end that words it itself */
    readonly what: 'review-item' | 'agency' | 'message',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Malformed input data: a file, a line, a message (exit 2 when it stops a command before work began). */
export class InputError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.usage, options);
  }
}

/** A required service (Redis, PostgreSQL) cannot be reached (exit 3). */
export class ServiceUnavailableError extends GatewayError {
  constructor(
    readonly service: 'Redis' | 'PostgreSQL',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, ExitCode.serviceUnavailable, options);
  }
}

/** A live connector could not connect to its messenger, or its session was logged out (exit 3). */
export class ConnectorFailedError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.serviceUnavailable, options);
  }
}

/** The job ran and failed, or finished with failures it reports (exit 1). */
export class JobFailedError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.failed, options);
  }
}
