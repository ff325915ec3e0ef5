import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { writeAudit } from '../../audit/log.ts';
import { AuthenticationError } from '../../auth/roles.ts';
import { actAs } from '../../auth/session.ts';
import { setUserLanguage } from '../../auth/users.ts';
import { pageContext, sendPage, type ConsoleDeps } from '../context.ts';
import { isLanguage } from '../../i18n/index.ts';
import { field, localPath, type Fields } from '../input.ts';
import { endSession, openSession } from '../sessions.ts';
import { signInPage } from '../views/sign-in.ts';

export const SESSION_COOKIE = 'aitu_session';
export const LANGUAGE_COOKIE = 'aitu_lang';

/** A session's id in the audit log: enough to tell sessions apart, nothing that opens one. */
function sessionRef(idHash: string): string {
  return createHash('sha256').update(`audit:${idHash}`).digest('hex').slice(0, 16);
}

export function registerSignIn(app: FastifyInstance, deps: ConsoleDeps, options: { signInPerMinute: number }): void {
  const cookieBase = { path: '/', httpOnly: true, sameSite: 'strict' as const, secure: deps.secure };

  const clearSession = (reply: FastifyReply) => reply.clearCookie(SESSION_COOKIE, cookieBase);

  app.get('/', async (request, reply) => reply.redirect(request.ctx.session ? '/queue' : '/sign-in', 303));

  app.get('/sign-in', async (request, reply) => {
    if (request.ctx.session) return reply.redirect('/queue', 303);
    const { tr } = request.ctx;
    const query = request.query as Fields;
    const info =
      field(query, 'expired') || request.ctx.ended
        ? tr.t('signIn.expired')
        : field(query, 'signed-out')
          ? tr.t('signIn.signedOut')
          : undefined;
    if (request.ctx.ended) clearSession(reply);
    return sendPage(reply, signInPage(pageContext(request, reply), { info }));
  });

  app.post(
    '/sign-in',
    { config: { rateLimit: { max: options.signInPerMinute, timeWindow: 60_000 } } },
    async (request, reply) => {
      const token = field(request.body as Fields, 'token');
      const pool = deps.store.pool;
      try {
        const opened = await actAs(pool, token, 'console sign-in', async (actor) => {
          const session = await openSession(pool, actor, token, deps.limits, deps.now());
          await writeAudit(pool, {
            actor,
            action: 'console.sign-in',
            details: { session: sessionRef(session.idHash) },
          });
          return session;
        });
        if (request.ctx.session) await endSession(pool, request.ctx.session.idHash);
        reply.setCookie(SESSION_COOKIE, opened.cookieId, { ...cookieBase, maxAge: deps.limits.absoluteMs / 1000 });
        return reply.redirect('/queue', 303);
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        const { tr } = request.ctx;
        return sendPage(reply, signInPage(pageContext(request, reply), { error: tr.t('signIn.invalid') }), 401);
      }
    },
  );

  app.post('/sign-out', async (request, reply) => {
    const session = request.ctx.session;
    if (session) {
      await endSession(deps.store.pool, session.idHash);
      await writeAudit(deps.store.pool, {
        actor: session.actor,
        action: 'console.sign-out',
        details: { session: sessionRef(session.idHash) },
      });
    }
    clearSession(reply);
    return reply.redirect('/sign-in?signed-out=1', 303);
  });

  app.post('/language', async (request, reply) => {
    const body = request.body as Fields;
    const language = field(body, 'language');
    if (isLanguage(language)) {
      const session = request.ctx.session;
      if (session) await setUserLanguage(deps.store.pool, session.actor.id, language);
      reply.setCookie(LANGUAGE_COOKIE, language, { ...cookieBase, maxAge: 365 * 24 * 3600 });
    }
    return reply.redirect(localPath(field(body, 'back'), request.ctx.session ? '/queue' : '/sign-in'), 303);
  });
}
