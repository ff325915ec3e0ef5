import type { FastifyInstance, FastifyRequest } from 'fastify';
import { visibleAgencies, type Actor } from '../../auth/roles.ts';
import { actAsSignedIn } from '../../auth/session.ts';
import { countQueue, decideReviewItems, listReview, previewDecision } from '../../service/review.ts';
import { actorOf, BadInput, pageContext, sendPage, type ConsoleDeps } from '../context.ts';
import { decisionOf, field, fieldList, noteOf, queueFilter, type Fields } from '../input.ts';
import { confirmPage, filterQuery, queuePage } from '../views/queue.ts';

/** How many rows the queue page shows; the count above them says how many match in all. */
const PAGE_ROWS = 200;

/** The agencies the person may see, for the filter's list. */
export async function agenciesFor(
  deps: ConsoleDeps,
  actor: Actor,
): Promise<{ id: string; slug: string; name: string }[]> {
  const ids = visibleAgencies(actor);
  const rows = await deps.store.pool.query<{ id: string; slug: string; name: string }>(
    `SELECT id, slug, name FROM agencies WHERE $1::uuid[] IS NULL OR id = ANY($1::uuid[]) ORDER BY slug`,
    [ids],
  );
  return rows.rows;
}

function count(request: FastifyRequest, name: string): number | null {
  const value = field(request.query as Fields, name);
  return /^\d{1,9}$/.test(value) ? Number(value) : null;
}

export function registerQueue(app: FastifyInstance, deps: ConsoleDeps): void {
  const { store } = deps;

  app.get('/queue', async (request, reply) => {
    const actor = actorOf(request);
    const { form, filter } = queueFilter(request.query as Fields, deps.timeZone);
    const view = await actAsSignedIn(store.pool, actor, 'console queue', async (who) => {
      const items = await listReview(store, who, filter, { limit: PAGE_ROWS });
      const { total, byCategory, previewCount } = await countQueue(store, who, filter);
      return {
        filter: form,
        agencies: await agenciesFor(deps, who),
        items,
        total,
        byCategory,
        canDecide: previewCount !== null,
        previewCount,
      };
    });
    const done = count(request, 'decided');
    const failed = count(request, 'failed');
    return sendPage(
      reply,
      queuePage(pageContext(request, reply), {
        ...view,
        done: done !== null ? { done, failed: failed ?? 0 } : undefined,
      }),
    );
  });

  app.get('/queue/preview', async (request) => {
    const actor = actorOf(request);
    const { filter } = queueFilter(request.query as Fields, deps.timeZone);
    return {
      count: await actAsSignedIn(store.pool, actor, 'console queue preview', (who) =>
        previewDecision(store, who, filter),
      ),
    };
  });

  app.post('/queue/decide', async (request, reply) => {
    const actor = actorOf(request);
    const body = request.body as Fields;
    const { form, filter } = queueFilter(body, deps.timeZone);
    const decision = decisionOf(body);
    const note = noteOf(body);
    const byFilter = field(body, 'scope') === 'filter';
    const outcome = await actAsSignedIn(store.pool, actor, 'console review decide', async (who) => {
      if (!byFilter) {
        const ids = fieldList(body, 'ids');
        if (ids.length === 0) throw new BadInput('queue.bulk.none');
        return decideReviewItems(store, who, deps.keyring, { ids }, decision, note);
      }
      // a decision by filter decides exactly the number the person confirmed, or asks again
      const expected = await previewDecision(store, who, filter);
      const confirmed = field(body, 'confirmed');
      if (confirmed !== String(expected)) return { confirm: expected, changed: confirmed !== '' };
      return decideReviewItems(store, who, deps.keyring, { filter }, decision, note);
    });
    if ('confirm' in outcome)
      return sendPage(
        reply,
        confirmPage(pageContext(request, reply, `/queue?${filterQuery(form)}`), {
          filter: form,
          decision,
          note: note ?? '',
          count: outcome.confirm,
          changed: outcome.changed,
        }),
      );
    const query = `${filterQuery(form)}&decided=${outcome.done.length}&failed=${outcome.failed.length}`;
    return reply.redirect(`/queue?${query}`, 303);
  });
}
