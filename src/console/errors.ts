import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'winston';
import { AuthenticationError, ForbiddenError } from '../auth/roles.ts';
import { GatewayError, NotFoundError, ServiceUnavailableError } from '../core/errors.ts';
import { maskPersonalData } from '../core/mask.ts';
import { BadInput, pageContext, sendPage, SignInRequired, wantsJson, type RequestContext } from './context.ts';
import type { MessageKey } from '../i18n/index.ts';
import { errorBody, layout } from './views/layout.ts';

/** What a person is told about an error: the status, a code for scripts and the catalog's words. */
export interface ErrorAnswer {
  status: number;
  code: string;
  key: MessageKey;
}

/** PostgreSQL or Redis away (a refused connection, a server shutting down, a pool that cannot connect). */
function serviceAway(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    error instanceof ServiceUnavailableError ||
    code === 'ECONNREFUSED' ||
    code === 'ETIMEDOUT' ||
    code === '57P01' ||
    code === '57P03' ||
    code === '53300' ||
    /Connection terminated|timeout exceeded when trying to connect|Connection is closed/i.test(
      (error as Error | null)?.message ?? '',
    )
  );
}

export function answerFor(error: unknown): ErrorAnswer {
  if (error instanceof SignInRequired) return { status: 401, code: 'unauthenticated', key: 'error.unauthenticated' };
  if (error instanceof BadInput) return { status: 400, code: 'bad-request', key: error.key };
  if (error instanceof NotFoundError)
    return error.what === 'agency'
      ? { status: 404, code: 'not-found', key: 'error.agencyNotFound' }
      : { status: 404, code: 'not-found', key: 'error.itemNotFound' };
  if (error instanceof ForbiddenError)
    return { status: 403, code: `forbidden-${error.reason}`, key: `error.forbidden.${error.reason}` };
  if (error instanceof AuthenticationError) return { status: 401, code: 'unauthenticated', key: 'signIn.invalid' };
  if (serviceAway(error)) return { status: 503, code: 'unavailable', key: 'error.unavailable' };
  if (error instanceof GatewayError) return { status: 400, code: 'bad-request', key: 'error.badRequest' };
  const fastify = error as Partial<FastifyError>;
  if (fastify.code === 'FST_CSRF_MISSING_SECRET' || fastify.code === 'FST_CSRF_INVALID_TOKEN')
    return { status: 403, code: 'csrf', key: 'error.csrf' };
  if (fastify.statusCode === 429) return { status: 429, code: 'rate-limited', key: 'error.rateLimited' };
  if (fastify.statusCode === 404) return { status: 404, code: 'not-found', key: 'error.notFound' };
  if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500)
    return { status: fastify.statusCode, code: 'bad-request', key: 'error.badRequest' };
  return { status: 500, code: 'internal', key: 'error.internal' };
}

/**
 * Every error the console answers, in the person's language: pages get a page (a missing or ended session the
 * sign-in form), the API JSON `{ error, message }`. Server faults are logged by route, masked, without the query.
 */
export function errorHandler(logger: Logger | null, fallback: (request: FastifyRequest) => RequestContext) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    // an error before the session was read (a malformed request) is answered as to someone signed out
    request.ctx ??= fallback(request);
    const answer = answerFor(error);
    if (answer.status >= 500)
      logger?.error('console: request failed', {
        route: request.routeOptions.url ?? 'unknown',
        method: request.method,
        error: maskPersonalData((error as Error)?.message ?? String(error)),
      });
    const tr = request.ctx.tr;
    if (wantsJson(request)) return reply.code(answer.status).send({ error: answer.code, message: tr.t(answer.key) });
    if (answer.status === 401 && error instanceof SignInRequired)
      return reply.redirect(request.ctx.ended ? '/sign-in?expired=1' : '/sign-in', 303);
    const page = pageContext(request, reply);
    return sendPage(
      reply,
      layout(page, {
        title: tr.t('error.title'),
        section: null,
        body: errorBody(page, tr.t(answer.key)),
        pageName: 'error',
      }),
      answer.status,
    );
  };
}

/** Unknown paths: a 404 page (or JSON) like any other error. */
export function notFoundHandler(fallback: (request: FastifyRequest) => RequestContext) {
  const handle = errorHandler(null, fallback);
  return (request: FastifyRequest, reply: FastifyReply): FastifyReply =>
    handle(Object.assign(new Error('not found'), { statusCode: 404 }), request, reply);
}
