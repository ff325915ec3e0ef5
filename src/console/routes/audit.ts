import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actAsSignedIn } from '../../auth/session.ts';
import { readAuditEntries, verifyAuditLog, type AuditVerification } from '../../service/audit.ts';
import { actorOf, pageContext, sendPage, type ConsoleDeps } from '../context.ts';
import { auditFilter, type Fields } from '../input.ts';
import { auditPage } from '../views/audit.ts';

export function registerAudit(app: FastifyInstance, deps: ConsoleDeps): void {
  const { store } = deps;

  async function show(
    request: FastifyRequest,
    reply: FastifyReply,
    fields: Fields,
    verification: AuditVerification | null,
  ): Promise<FastifyReply> {
    const actor = actorOf(request);
    const { form, filter } = auditFilter(fields, deps.timeZone);
    const entries = await actAsSignedIn(store.pool, actor, 'console audit list', (who) =>
      readAuditEntries(store, who, filter),
    );
    return sendPage(reply, auditPage(pageContext(request, reply, '/audit'), { filter: form, entries, verification }));
  }

  app.get('/audit', async (request, reply) => show(request, reply, request.query as Fields, null));

  app.post('/audit/verify', async (request, reply) => {
    const verification = await actAsSignedIn(store.pool, actorOf(request), 'console audit verify', (who) =>
      verifyAuditLog(store, who, deps.chain),
    );
    return show(request, reply, {}, verification);
  });
}
