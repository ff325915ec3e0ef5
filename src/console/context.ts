import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { ChainContext } from '../audit/chain.ts';
import type { Actor } from '../auth/roles.ts';
import type { Queues } from '../pipeline/queues.ts';
import type { KeyringSource } from '../service/review.ts';
import type { Store } from '../store/database.ts';
import type { SafeHtml } from './html.ts';
import type { MessageKey, Translator } from '../i18n/index.ts';
import type { ConsoleSession, SessionLimits } from './sessions.ts';
import type { PageContext } from './views/layout.ts';

/** What every route of the console works with. */
export interface ConsoleDeps {
  store: Store;
  keyring: KeyringSource;
  /** the installation's data directory: attachments' bytes and sealed originals */
  dataDir: string;
  chain: ChainContext;
  /** opened with the queue key; null without Redis */
  queues: Queues | null;
  redis: Redis | null;
  queuePrefix: string;
  limits: SessionLimits;
  now: () => Date;
  secure: boolean;
  timeZone: string;
}

/** What the console knows of a request once its session is read. */
export interface RequestContext {
  session: ConsoleSession | null;
  /** a session cookie came with the request but its session is over */
  ended: boolean;
  tr: Translator;
}

declare module 'fastify' {
  interface FastifyRequest {
    ctx: RequestContext;
  }
}

/** A request that needs a signed-in person came without one: pages go to the sign-in form, the API answers 401. */
export class SignInRequired extends Error {
  constructor() {
    super('sign in first');
  }
}

/** Input the console itself refuses before any service sees it; `key` is what the person is told. */
export class BadInput extends Error {
  constructor(readonly key: MessageKey) {
    super(key);
  }
}

/** The signed-in person, or SignInRequired. */
export function actorOf(request: FastifyRequest): Actor {
  const session = request.ctx.session;
  if (!session) throw new SignInRequired();
  return session.actor;
}

/** What CSRF tokens are bound to: the session, or (before sign-in) the browser's CSRF cookie alone. */
export function csrfUserInfo(request: FastifyRequest): string {
  return request.ctx?.session?.idHash ?? 'signed-out';
}

export function csrfToken(request: FastifyRequest, reply: FastifyReply): string {
  return reply.generateCsrf({ userInfo: csrfUserInfo(request) });
}

/** `here`: where a language change returns to; a page shown in answer to a form names its own address. */
export function pageContext(request: FastifyRequest, reply: FastifyReply, here?: string): PageContext {
  return {
    tr: request.ctx.tr,
    csrfToken: csrfToken(request, reply),
    actor: request.ctx.session?.actor ?? null,
    here: here ?? (request.method === 'GET' ? request.url : '/'),
  };
}

export function sendPage(reply: FastifyReply, page: SafeHtml, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(page.text);
}

/** Requests answered with JSON: the API, and the queue's preview the page's script asks for. */
export function wantsJson(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0] ?? '';
  return path.startsWith('/api/') || path === '/queue/preview';
}
