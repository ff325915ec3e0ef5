import type { FastifyInstance } from 'fastify';
import { actAsSignedIn } from '../../auth/session.ts';
import {
  countReview,
  decideReviewItem,
  escalateReviewItem,
  listReview,
  showRedactedReviewItem,
  viewOriginal,
} from '../../service/review.ts';
import { actorOf, BadInput, csrfToken, type ConsoleDeps } from '../context.ts';
import { decisionOf, field, noteOf, queueFilter, type Fields } from '../input.ts';
import { itemIdOf } from './items.ts';
import { agenciesFor } from './queue.ts';

/**
 * The console's JSON API: the same service calls as the pages (and the CLI), so the same roles, scope and audit
 * entries. State-changing calls carry the session's CSRF token in `x-csrf-token`.
 */
export function registerApi(app: FastifyInstance, deps: ConsoleDeps): void {
  const { store } = deps;

  app.get('/api/session', async (request, reply) => {
    const session = request.ctx.session;
    const actor = actorOf(request);
    const agencies = actor.agencyIds.length > 0 ? (await agenciesFor(deps, actor)).map((a) => a.slug) : [];
    return {
      csrfToken: csrfToken(request, reply),
      person: actor.name,
      role: actor.role,
      agencies,
      language: request.ctx.tr.language,
      startedAt: session!.createdAt.toISOString(),
    };
  });

  app.get('/api/review', async (request) => {
    const actor = actorOf(request);
    const query = request.query as Fields;
    // the API lists every status unless one is asked for, as the CLI does
    const { filter } = queueFilter({ status: '', ...query }, deps.timeZone);
    const limitText = field(query, 'limit');
    const limit = limitText === '' ? 500 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 5000) throw new BadInput('error.badRequest');
    return actAsSignedIn(store.pool, actor, 'console review list', async (who) => {
      const items = await listReview(store, who, filter, { limit });
      const { total, byCategory } = await countReview(store, who, filter);
      return { items, total, counts: byCategory };
    });
  });

  app.get('/api/review/:id', async (request) => {
    const id = itemIdOf(request);
    return actAsSignedIn(store.pool, actorOf(request), 'console review show', (who) =>
      showRedactedReviewItem(store, who, id),
    );
  });

  app.post('/api/review/:id/original', async (request, reply) => {
    const id = itemIdOf(request);
    const { original } = await actAsSignedIn(store.pool, actorOf(request), 'console review original', (who) =>
      viewOriginal(store, who, id, deps.keyring),
    );
    reply.header('cache-control', 'no-store');
    return { ...original, text: original.text };
  });

  app.post('/api/review/:id/decision', async (request) => {
    const id = itemIdOf(request);
    const body = (request.body ?? {}) as Fields;
    const decision = decisionOf(body);
    const outcome = await actAsSignedIn(store.pool, actorOf(request), 'console review decide', (who) =>
      decideReviewItem(store, who, deps.keyring, id, decision, noteOf(body)),
    );
    return { outcome };
  });

  app.post('/api/review/:id/escalate', async (request) => {
    const id = itemIdOf(request);
    const body = (request.body ?? {}) as Fields;
    const outcome = await actAsSignedIn(store.pool, actorOf(request), 'console review escalate', (who) =>
      escalateReviewItem(store, who, id, noteOf(body)),
    );
    return { outcome };
  });
}
