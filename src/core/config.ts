import { packageRoot } from './package-root.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from './yaml.ts';
import { z } from 'zod';
import { UsageError } from './errors.ts';

/** A byte count or ratio from the environment (a string) or a config file (a number): a positive integer. */
const positiveInteger = z.coerce
  .number()
  .int('must be a whole number')
  .positive('must be positive')
  .max(Number.MAX_SAFE_INTEGER);

export { extractLimitDefaults, inputLimitDefaults } from './limit-defaults.ts';
import { extractLimitDefaults, inputLimitDefaults } from './limit-defaults.ts';

const inputLimitsSchema = {
  maxLineBytes: positiveInteger.default(inputLimitDefaults.maxLineBytes),
  maxTextChars: positiveInteger.default(inputLimitDefaults.maxTextChars),
  maxZipEntryBytes: positiveInteger.default(inputLimitDefaults.maxZipEntryBytes),
  maxZipRatio: positiveInteger.default(inputLimitDefaults.maxZipRatio),
  maxImportAttachmentBytes: positiveInteger.default(inputLimitDefaults.maxImportAttachmentBytes),
  extractMaxBytes: positiveInteger.default(extractLimitDefaults.extractMaxBytes),
  extractMaxPages: positiveInteger.default(extractLimitDefaults.extractMaxPages),
  extractMaxPixels: positiveInteger.default(extractLimitDefaults.extractMaxPixels),
  extractTimeoutSeconds: positiveInteger.default(extractLimitDefaults.extractTimeoutSeconds),
};

/**
 * Settings come from the environment, optionally from a config file named by AITU_GATEWAY_CONFIG
 * (YAML or JSON, keys as below in camelCase); the environment wins. Validated once, at start.
 */
const configSchema = z.object({
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
    .default('postgresql://postgres@127.0.0.1:5432/aitu_gateway'),
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .default('redis://127.0.0.1:6379'),
  dataDir: z.string().min(1).default('data'),
  logLevel: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  // in braces, a Redis Cluster hash tag: every key of the installation's queues then lives in one slot, as BullMQ needs
  queuePrefix: z
    .string()
    .regex(/^(?:[A-Za-z0-9_-]+|\{[A-Za-z0-9_-]+\})$/, 'letters, digits, _ and - only, or those in braces ({aitu})')
    .default('aitu'),
  keyFile: z.string().min(1).optional(),
  chainKeyFile: z.string().min(1).optional(),
  chainPublicKeyFile: z.string().min(1).optional(),
  /** the Bot API the Telegram bridge talks to (a local Bot API server, or a test's stand-in) */
  telegramApiRoot: z
    .url({ protocol: /^https?$/, message: 'must be an http(s):// URL' })
    .default('https://api.telegram.org'),
  /** a file holding the Telegram bot token (the token itself is never a setting that could be printed) */
  telegramBotTokenFile: z.string().min(1).optional(),
  /** Aitu's Bot API root (its host has changed over the years; a test's stand-in) */
  aituApiRoot: z.url({ protocol: /^https?$/, message: 'must be an http(s):// URL' }).default('https://botapi.aitu.io'),
  /** a file holding the Aitu bot token */
  aituBotTokenFile: z.string().min(1).optional(),
  /** the console's sessions end after this many minutes without a request */
  consoleIdleMinutes: positiveInteger.default(30),
  /** and this many hours after sign-in, whatever the activity */
  consoleAbsoluteHours: positiveInteger.default(12),
  ...inputLimitsSchema,
});

/** Every path absolute: see `installationRoot`. */
export type Config = z.infer<typeof configSchema> & {
  keyFile: string;
  chainKeyFile: string;
  chainPublicKeyFile: string;
};

/**
 * The installation directory (the package's own folder). A relative data directory or key file is taken from here,
 * never from the directory a command happens to start in, so every command of one installation finds the same
 * key files (and `keys init` records them with the installation in the database).
 */
export const installationRoot = packageRoot(import.meta.url);

/** Environment variable → config key; also the README's configuration table. */
export const environmentVariables = {
  DATABASE_URL: 'databaseUrl',
  REDIS_URL: 'redisUrl',
  AITU_GATEWAY_DATA_DIR: 'dataDir',
  LOG_LEVEL: 'logLevel',
  AITU_GATEWAY_QUEUE_PREFIX: 'queuePrefix',
  AITU_GATEWAY_KEY_FILE: 'keyFile',
  AITU_GATEWAY_CHAIN_KEY_FILE: 'chainKeyFile',
  AITU_GATEWAY_CHAIN_PUBLIC_KEY_FILE: 'chainPublicKeyFile',
  TELEGRAM_API_ROOT: 'telegramApiRoot',
  TELEGRAM_BOT_TOKEN_FILE: 'telegramBotTokenFile',
  AITU_API_ROOT: 'aituApiRoot',
  AITU_BOT_TOKEN_FILE: 'aituBotTokenFile',
  CONSOLE_IDLE_MINUTES: 'consoleIdleMinutes',
  CONSOLE_ABSOLUTE_HOURS: 'consoleAbsoluteHours',
  // input limits
  AITU_GATEWAY_MAX_LINE_BYTES: 'maxLineBytes',
  AITU_GATEWAY_MAX_TEXT_CHARS: 'maxTextChars',
  AITU_GATEWAY_MAX_ZIP_ENTRY_BYTES: 'maxZipEntryBytes',
  AITU_GATEWAY_MAX_ZIP_RATIO: 'maxZipRatio',
  AITU_GATEWAY_MAX_IMPORT_ATTACHMENT_BYTES: 'maxImportAttachmentBytes',
  // reading attachments
  AITU_GATEWAY_EXTRACT_MAX_BYTES: 'extractMaxBytes',
  AITU_GATEWAY_EXTRACT_MAX_PAGES: 'extractMaxPages',
  AITU_GATEWAY_EXTRACT_MAX_PIXELS: 'extractMaxPixels',
  AITU_GATEWAY_EXTRACT_TIMEOUT_SECONDS: 'extractTimeoutSeconds',
} as const satisfies Record<string, keyof z.infer<typeof configSchema>>;

/**
 * Secret settings. Each is read from `<NAME>` or from the file named by `<NAME>_FILE` (as Docker and Kubernetes
 * secrets mount them), never both: setting both is a UsageError naming the two variables, since silently
 * preferring one would hide a stale secret. The file's trailing line break is not part of the value.
 */
export const secretVariables = ['DATABASE_URL', 'REDIS_URL', 'TELEGRAM_BOT_TOKEN', 'AITU_BOT_TOKEN'] as const;
export type SecretVariable = (typeof secretVariables)[number];

/**
 * Every environment variable the configuration reads (the table above, AITU_GATEWAY_CONFIG, and each secret and
 * its `_FILE` form): what a deployment may set. Checked against docker-compose.yml by test/deploy.test.ts.
 */
export const configEnvironmentNames: readonly string[] = [
  ...new Set([
    'AITU_GATEWAY_CONFIG',
    ...Object.keys(environmentVariables),
    ...secretVariables.flatMap((name) => [name, `${name}_FILE`]),
  ]),
];

/** A secret file's content without its trailing line break(s); errors name the source and the file, never the content. */
export function readSecretFile(file: string, source: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file} (${source}): ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  const value = text.replace(/[\r\n]+$/, '');
  if (value === '') throw new UsageError(`${file} (${source}) is empty`);
  return value;
}

/** Refuses `<NAME>` and `<NAME>_FILE` set together (an empty value counts as unset). */
function refuseBothSet(name: SecretVariable, env: NodeJS.ProcessEnv): void {
  if (env[name] && env[`${name}_FILE`]) throw new UsageError(`both ${name} and ${name}_FILE are set: set one of them`);
}

/** A secret setting from `<NAME>`, else from the file named by `<NAME>_FILE`; undefined when neither is set. */
export function secretFromEnvironment(name: SecretVariable, env: NodeJS.ProcessEnv = process.env): string | undefined {
  refuseBothSet(name, env);
  const file = env[`${name}_FILE`];
  if (file) return readSecretFile(file, `${name}_FILE`);
  return env[name] || undefined;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read config file ${file} (AITU_GATEWAY_CONFIG): ${(error as Error).message}`);
  }
  try {
    const parsed: unknown = parseYaml(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the top level must be a mapping');
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`config file ${file} is not valid YAML/JSON: ${(error as Error).message}`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const fromFile = env.AITU_GATEWAY_CONFIG ? readConfigFile(env.AITU_GATEWAY_CONFIG) : {};
  const raw: Record<string, unknown> = { ...fromFile };
  for (const name of secretVariables) refuseBothSet(name, env);
  for (const [variable, key] of Object.entries(environmentVariables)) {
    const value =
      variable === 'DATABASE_URL' || variable === 'REDIS_URL' ? secretFromEnvironment(variable, env) : env[variable];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const keyToVariable = Object.fromEntries(Object.entries(environmentVariables).map(([v, k]) => [k, v]));
    const lines = result.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      const name = keyToVariable[key] ? `${keyToVariable[key]} (${key})` : key || 'config';
      return `  ${name}: ${issue.message}`;
    });
    throw new UsageError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const dataDir = path.resolve(installationRoot, result.data.dataDir);
  const inDataDir = (setting: string | undefined, name: string) =>
    path.resolve(installationRoot, setting ?? path.join(dataDir, name));
  return {
    ...result.data,
    dataDir,
    keyFile: inDataDir(result.data.keyFile, 'keys.json'),
    chainKeyFile: inDataDir(result.data.chainKeyFile, 'audit-signing.key'),
    chainPublicKeyFile: inDataDir(result.data.chainPublicKeyFile, 'audit-signing.pub'),
  };
}

let cached: Config | undefined;

/** The process's configuration, validated on first use. */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}

/** The shape of a Bot API token (`<bot id>:<secret>`), checked so a wrong file fails at start, not at the first call. */
const BOT_TOKEN = /^\d+:[A-Za-z0-9_-]{20,}$/;

/**
 * The Telegram bot token: from the file named by `--bot-token-file`, else TELEGRAM_BOT_TOKEN_FILE, else
 * TELEGRAM_BOT_TOKEN (the two variables together are refused, see `secretVariables`). Never from a flag's value (it would show in `ps` and shell history), never kept in the
 * Config (which may be printed). Errors name the variables and files, never the token.
 */
export function telegramBotToken(
  cfg: Pick<Config, 'telegramBotTokenFile'>,
  tokenFileOption?: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return readBotToken(
    { variable: 'TELEGRAM_BOT_TOKEN', file: cfg.telegramBotTokenFile, shape: BOT_TOKEN, origin: '@BotFather' },
    tokenFileOption,
    env,
  );
}

/** Aitu's bot tokens are opaque (the contract says nothing of their shape): any printable text without spaces. */
const AITU_TOKEN = /^[\x21-\x7e]{8,512}$/;

/** The Aitu bot token, read as the Telegram one is: `--bot-token-file`, AITU_BOT_TOKEN_FILE or AITU_BOT_TOKEN. */
export function aituBotToken(
  cfg: Pick<Config, 'aituBotTokenFile'>,
  tokenFileOption?: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return readBotToken(
    { variable: 'AITU_BOT_TOKEN', file: cfg.aituBotTokenFile, shape: AITU_TOKEN, origin: "Aitu's bot platform" },
    tokenFileOption,
    env,
  );
}

function readBotToken(
  kind: { variable: 'TELEGRAM_BOT_TOKEN' | 'AITU_BOT_TOKEN'; file: string | undefined; shape: RegExp; origin: string },
  tokenFileOption: string | undefined,
  env: NodeJS.ProcessEnv,
): string {
  refuseBothSet(kind.variable, env);
  const file = tokenFileOption ?? kind.file;
  let token: string | undefined;
  let from: string;
  if (file) {
    from = `the token file ${file}`;
    token = readSecretFile(file, tokenFileOption ? '--bot-token-file' : `${kind.variable}_FILE`).trim();
  } else {
    from = kind.variable;
    token = env[kind.variable]?.trim();
  }
  const platform = kind.variable === 'AITU_BOT_TOKEN' ? 'Aitu' : 'Telegram';
  if (!token) {
    throw new UsageError(
      `no ${platform} bot token: set ${kind.variable}, or ${kind.variable}_FILE (or --bot-token-file) naming a file that holds it (from ${kind.origin})`,
    );
  }
  if (!kind.shape.test(token))
    throw new UsageError(
      kind.variable === 'AITU_BOT_TOKEN'
        ? `${from} does not hold an Aitu bot token (printable characters, no spaces)`
        : `${from} does not hold a bot token of the form <bot id>:<secret> (from @BotFather)`,
    );
  return token;
}
