import { hkdfSync } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'winston';
import type { ChainContext } from '../audit/chain.ts';
import { loadChainContext } from '../audit/context.ts';
import { UsageError } from '../core/errors.ts';
import { loadKeyring } from '../core/keys.ts';
import { metricsResponder } from '../metrics/server.ts';
import { PIPELINE_QUEUES, type Queues } from '../pipeline/queues.ts';
import { startSealTimer } from '../service/seal-timer.ts';
import type { Store } from '../store/database.ts';
import { checkChainPublicKey, checkKeyFile, readInstallation } from '../store/installation.ts';
import { csrfUserInfo, type ConsoleDeps, type RequestContext } from './context.ts';
import { errorHandler, notFoundHandler } from './errors.ts';
import { isLanguage, LANGUAGES, languageFromHeader, translator, type Language } from '../i18n/index.ts';
import { registerApi } from './routes/api.ts';
import { registerAudit } from './routes/audit.ts';
import { registerItems } from './routes/items.ts';
import { BOARD_PATH, mountQueueBoard, registerOperations } from './routes/operations.ts';
import { registerQueue } from './routes/queue.ts';
import { registerReports } from './routes/reports.ts';
import { registerSubjects } from './routes/subjects.ts';
import { LANGUAGE_COOKIE, registerSignIn, SESSION_COOKIE } from './routes/sign-in.ts';
import { readSession } from './sessions.ts';

export interface ConsoleOptions {
  /** the national store (src/store/database.ts openStore) */
  store: Store;
  /** the pipeline's queues, opened with the queue key: operations page, dead letters, Bull Board */
  queues?: Queues;
  /** connectors' state, readiness, and a sign-in limit shared by every console behind one proxy */
  redis?: Redis;
  queuePrefix?: string;
  /** the installation's key file (the CLI's AITU_GATEWAY_KEY_FILE) */
  keyFile: string;
  /** the audit chain's keys; by default those the installation recorded (verifying; sealing when the key is here) */
  chain?: ChainContext;
  /** behind TLS: cookies are Secure */
  secure?: boolean;
  idleMinutes?: number;
  absoluteHours?: number;
  signInPerMinute?: number;
  now?: () => Date;
  /** dates and times are shown in this zone */
  timeZone?: string;
  /** the language before anyone chose one and when the browser names none of ours */
  defaultLanguage?: Language;
  /** Fastify's trustProxy: behind a reverse proxy, the client's address for the sign-in limit */
  trustProxy?: boolean | string;
  /** seal the audit log this often while serving (0: never; needs the chain's signing key) */
  sealIntervalMs?: number;
  logger?: Logger;
}

const staticRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), 'static');

/** The cookie-signing and CSRF keys, derived from the installation's hash key: stable across restarts and replicas. */
function consoleKey(hashKey: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', hashKey, Buffer.alloc(0), `aitu-gateway console ${purpose}`, 32));
}

/**
 * The officers' console (issue 20): server-rendered pages and a JSON API over the same service layer as the CLI.
 * Checks the key file and the chain's public key against the installation before it serves anything.
 */
export async function buildConsole(options: ConsoleOptions): Promise<FastifyInstance> {
  const { store } = options;
  const installation = await readInstallation(store.pool);
  if (!installation)
    throw new UsageError(
      `this database has no installation recorded (key file ${options.keyFile}); run: aitu-gateway keys init`,
    );
  const keyring = await loadKeyring(options.keyFile);
  checkKeyFile(installation, keyring);
  const chain =
    options.chain ??
    (await loadChainContext(
      {
        dataDir: installation.dataDir,
        keyFile: options.keyFile,
        chainKeyFile: installation.chainKeyFile,
        chainPublicKeyFile: installation.chainPublicKeyFile,
      },
      { signing: false },
    ));
  checkChainPublicKey(installation, chain.publicKey, chain.publicKeyFile);

  const timeZone = options.timeZone ?? 'Asia/Almaty';
  const defaultLanguage = options.defaultLanguage ?? 'kk';
  const deps: ConsoleDeps = {
    store,
    keyring: async () => keyring,
    dataDir: installation.dataDir,
    chain,
    queues: options.queues ?? null,
    redis: options.redis ?? null,
    queuePrefix: options.queuePrefix ?? 'aitu',
    limits: {
      idleMs: (options.idleMinutes ?? 30) * 60_000,
      absoluteMs: (options.absoluteHours ?? 12) * 3_600_000,
    },
    now: options.now ?? (() => new Date()),
    secure: options.secure ?? false,
    timeZone,
  };

  const app = Fastify({ logger: false, trustProxy: options.trustProxy ?? false, bodyLimit: 256 * 1024 });
  await app.register(fastifyCookie, { secret: consoleKey(keyring.hashKey, 'cookies').toString('base64') });
  await app.register(fastifyFormbody);
  await app.register(fastifyRateLimit, {
    global: false,
    ...(options.redis ? { redis: options.redis, nameSpace: `${deps.queuePrefix}:console-rate-limit:` } : {}),
    errorResponseBuilder: (_request, context) =>
      Object.assign(new Error('too many sign-in attempts'), { statusCode: context.statusCode }),
  });
  await app.register(fastifyCsrf, {
    cookieKey: 'aitu_csrf',
    cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true, secure: deps.secure, signed: true },
    csrfOpts: { hmacKey: consoleKey(keyring.hashKey, 'csrf'), userInfo: true },
    getUserInfo: csrfUserInfo,
  });
  await app.register(fastifyStatic, { root: staticRoot, prefix: '/static/', decorateReply: false, maxAge: 3_600_000 });

  const languageOf = (request: FastifyRequest, chosen: Language | null): Language => {
    const cookie = request.cookies[LANGUAGE_COOKIE];
    return (
      chosen ??
      (isLanguage(cookie) ? cookie : null) ??
      languageFromHeader(request.headers['accept-language']) ??
      defaultLanguage
    );
  };
  // one translator per language, its Intl formatters built once
  const translators = new Map(LANGUAGES.map((language) => [language, translator(language, timeZone)]));
  const translatorFor = (language: Language) => translators.get(language)!;
  const signedOut = (request: FastifyRequest): RequestContext => ({
    session: null,
    ended: false,
    tr: translatorFor(languageOf(request, null)),
  });

  app.decorateRequest('ctx', null as unknown as RequestContext);
  const quiet = /^\/(static\/|healthz$|readyz$|metrics$)/;
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0] ?? '/';
    if (quiet.test(path)) {
      request.ctx = signedOut(request);
      return;
    }
    const lookup = await readSession(store.pool, request.cookies[SESSION_COOKIE], deps.limits, deps.now());
    const session = lookup.state === 'live' ? lookup.session : null;
    request.ctx = {
      session,
      ended: lookup.state === 'ended',
      tr: translatorFor(languageOf(request, session?.language ?? null)),
    };
  });
  // every state-changing request carries the token of its session (or, before sign-in, of its CSRF cookie)
  app.addHook('preHandler', (request, reply, done) => {
    if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return done();
    app.csrfProtection(request, reply, done);
  });
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html') && !request.url.startsWith(BOARD_PATH)) {
      reply.header(
        'content-security-policy',
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      );
      reply.header('x-frame-options', 'DENY');
    }
    if (!request.url.startsWith('/static/')) reply.header('cache-control', 'no-store');
    return payload;
  });
  const onError = errorHandler(options.logger ?? null, signedOut);
  app.setErrorHandler(onError);
  app.setNotFoundHandler(notFoundHandler(signedOut));
  if (options.logger) {
    const log = options.logger;
    // by route pattern, never the address itself: a filter's chat title may name a person
    app.addHook('onResponse', async (request, reply) => {
      log.debug('console request', {
        method: request.method,
        route: request.routeOptions.url ?? 'unknown',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      });
    });
  }

  const metrics = metricsResponder({
    redis: options.redis ?? null,
    prefix: deps.queuePrefix,
    pool: store.pool,
    queueNames: options.redis ? PIPELINE_QUEUES : [],
  });
  for (const path of ['/healthz', '/readyz', '/metrics'])
    app.get(path, async (_request, reply) => {
      const answer = (await metrics.answer(path))!;
      return reply.code(answer.status).type(answer.type).send(answer.body);
    });

  registerSignIn(app, deps, { signInPerMinute: options.signInPerMinute ?? 10 });
  registerQueue(app, deps);
  registerItems(app, deps);
  registerReports(app, deps);
  registerSubjects(app, deps);
  registerAudit(app, deps);
  const board =
    deps.queues && deps.redis
      ? await mountQueueBoard(app, { ...deps, queues: deps.queues, redis: deps.redis }, onError)
      : null;
  registerOperations(app, deps, board !== null);
  registerApi(app, deps);

  const sealEvery = options.sealIntervalMs ?? 30_000;
  const sealer =
    chain.signingKey && sealEvery > 0
      ? startSealTimer(store, chain, sealEvery, (error) =>
          options.logger?.warn('console: could not seal the audit log', { error: error.message }),
        )
      : null;
  app.addHook('onClose', async () => {
    await sealer?.stop();
    await board?.close();
    await metrics.close();
  });
  return app;
}
