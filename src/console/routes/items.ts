import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { canViewOriginal, decisionRefusal, type Actor } from '../../auth/roles.ts';
import { actAsSignedIn } from '../../auth/session.ts';
import { NotFoundError } from '../../core/errors.ts';
import type { OriginalMessage } from '../../core/original.ts';
import { STATUSES } from '../../review/items.ts';
import { viewItemFile } from '../../service/attachments.ts';
import { decideReviewItem, escalateReviewItem, showRedactedReviewItem, viewOriginal } from '../../service/review.ts';
import { actorOf, pageContext, sendPage, type ConsoleDeps } from '../context.ts';
import { decisionOf, field, noteOf, type Fields } from '../input.ts';
import { itemPage } from '../views/item.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The item id of the address; one that cannot be an id is not found, like any unknown one. */
export function itemIdOf(request: FastifyRequest): string {
  const id = (request.params as { id: string }).id;
  if (!UUID.test(id)) throw new NotFoundError(`no review item ${id}`, 'review-item');
  return id;
}
const idOf = itemIdOf;

export function registerItems(app: FastifyInstance, deps: ConsoleDeps): void {
  const { store } = deps;

  /** The item page; `original` when it was just asked for (and audited). */
  async function showItem(
    request: FastifyRequest,
    reply: FastifyReply,
    actor: Actor,
    original: OriginalMessage | null,
  ): Promise<FastifyReply> {
    const id = idOf(request);
    const shown = await actAsSignedIn(store.pool, actor, 'console review show', (who) =>
      showRedactedReviewItem(store, who, id),
    );
    const state = { agencyId: shown.item.agencyId, status: shown.item.status };
    const outcome = field(request.query as Fields, 'outcome');
    return sendPage(
      reply,
      itemPage(pageContext(request, reply, `/items/${shown.item.id}`), {
        ...shown,
        mayViewOriginal: canViewOriginal(actor, shown.item.agencyId),
        original,
        mayDecide: decisionRefusal(actor, state, 'decide') === null,
        mayEscalate: decisionRefusal(actor, state, 'escalate') === null,
        outcome: (STATUSES as readonly string[]).includes(outcome) ? outcome : undefined,
      }),
    );
  }

  app.get('/items/:id', async (request, reply) => showItem(request, reply, actorOf(request), null));

  app.post('/items/:id/original', async (request, reply) => {
    const actor = actorOf(request);
    const { original } = await actAsSignedIn(store.pool, actor, 'console review original', (who) =>
      viewOriginal(store, who, idOf(request), deps.keyring),
    );
    reply.header('cache-control', 'no-store');
    return showItem(request, reply, actor, original);
  });

  // a file as received, for those who may view originals (audited by the service); always a download, never shown
  // in the console's origin, whatever type its sender declared
  app.post('/items/:id/files/:position', async (request, reply) => {
    const position = Number((request.params as { position: string }).position);
    if (!Number.isInteger(position) || position < 1 || position > 10_000)
      throw new NotFoundError(`no attachment ${(request.params as { position: string }).position}`, 'message');
    const file = await actAsSignedIn(store.pool, actorOf(request), 'console review file', (who) =>
      viewItemFile(store, who, idOf(request), position, deps.keyring, deps.dataDir),
    );
    return reply
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .header('content-disposition', `attachment; filename="attachment-${position}"`)
      .type('application/octet-stream')
      .send(file.bytes);
  });

  app.post('/items/:id/decision', async (request, reply) => {
    const actor = actorOf(request);
    const body = request.body as Fields;
    const decision = decisionOf(body);
    const outcome = await actAsSignedIn(store.pool, actor, 'console review decide', (who) =>
      decideReviewItem(store, who, deps.keyring, idOf(request), decision, noteOf(body)),
    );
    return reply.redirect(`/items/${outcome.id}?outcome=${outcome.status}`, 303);
  });

  app.post('/items/:id/escalate', async (request, reply) => {
    const actor = actorOf(request);
    const body = request.body as Fields;
    const outcome = await actAsSignedIn(store.pool, actor, 'console review escalate', (who) =>
      escalateReviewItem(store, who, idOf(request), noteOf(body)),
    );
    return reply.redirect(`/items/${outcome.id}?outcome=${outcome.status}`, 303);
  });
}
