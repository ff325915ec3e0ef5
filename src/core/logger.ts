import { createRequire } from 'node:module';
import type * as Winston from 'winston';
import { config } from './config.ts';
import { classify, HEALTH_MODEL_DETECTOR, redact } from '../classifier/index.ts';
import { maskDeep, useClassifierForMasking } from './mask.ts';

// loaded with `require`, for the reason src/core/bullmq.ts gives (node lexes a CommonJS module imported from an ES
// module)
const winston = createRequire(import.meta.url)('winston') as typeof Winston;

// the classifier finds what the digit and e-mail patterns alone would miss (health data, IBANs, passports)
// A log line is the gateway's own English, unlike any chat the health model learnt from: only its listed terms mask
// there (a line about keys once came out with "with" masked as health); every identifier and listed term still does.
useClassifierForMasking((text) =>
  redact(
    text,
    classify(text).filter((f) => f.detector !== HEALTH_MODEL_DETECTOR),
    { kind: 'tag' },
  ),
);

const { format } = winston;

/** Masks personal data in the message, the metadata and any error the call carries. */
const maskPersonalDataFormat = format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level') continue;
    (info as Record<string, unknown>)[key] = maskDeep((info as Record<string, unknown>)[key]);
  }
  return info;
});

const readable = format.printf((info) => {
  const { level, message, timestamp, stack, ...meta } = info as Record<string, unknown>;
  const rest = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : '';
  const trace = typeof stack === 'string' && stack ? `\n${stack}` : '';
  return `${String(timestamp)} ${String(level)}: ${String(message)}${rest}${trace}`;
});

export interface LoggerOptions {
  level?: string;
  /** JSON lines unless the output is a terminal */
  json?: boolean;
  stream?: NodeJS.WritableStream;
}

/** Logs always go to standard error: standard output carries only what a command is asked to print. */
export function createLogger(options: LoggerOptions = {}): Winston.Logger {
  const stream = options.stream ?? process.stderr;
  const json = options.json ?? !(stream as NodeJS.WriteStream).isTTY;
  return winston.createLogger({
    level: options.level ?? config().logLevel,
    format: format.combine(
      format.errors({ stack: true }),
      maskPersonalDataFormat(),
      format.timestamp(),
      json ? format.json() : format.combine(format.colorize(), readable),
    ),
    transports: [new winston.transports.Stream({ stream })],
  });
}

let shared: Winston.Logger | undefined;

/** The application's logger; tag it per unit of work with `logger().child({ run, chat, job })`. */
export function logger(): Winston.Logger {
  shared ??= createLogger();
  return shared;
}
