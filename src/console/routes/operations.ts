import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Queue } from '../../core/bullmq.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireRole } from '../../auth/roles.ts';
import { actAsSignedIn } from '../../auth/session.ts';
import { PIPELINE_QUEUES } from '../../pipeline/queues.ts';
import { purgeDeadLetterItems, retryDeadLetterItems } from '../../service/dead-letters.ts';
import { readOperations } from '../../service/operations.ts';
import { actorOf, BadInput, pageContext, sendPage, type ConsoleDeps } from '../context.ts';
import { field, fieldList, type Fields } from '../input.ts';
import { operationsPage } from '../views/operations.ts';

export const BOARD_PATH = '/operations/queues';

function count(fields: Fields, name: string): number | null {
  const value = field(fields, name);
  return /^\d{1,9}$/.test(value) ? Number(value) : null;
}

export function registerOperations(app: FastifyInstance, deps: ConsoleDeps, boardMounted: boolean): void {
  const { store } = deps;

  app.get('/operations', async (request, reply) => {
    const actor = actorOf(request);
    const agencies = (await store.pool.query<{ id: string; slug: string }>(`SELECT id, slug FROM agencies`)).rows;
    const overview = await actAsSignedIn(store.pool, actor, 'console operations', (who) =>
      readOperations(
        who,
        deps.queues && deps.redis
          ? { queues: deps.queues, redis: deps.redis, prefix: deps.queuePrefix, agencyIds: agencies.map((a) => a.id) }
          : null,
      ),
    );
    const { tr } = request.ctx;
    const query = request.query as Fields;
    const retried = count(query, 'retried');
    const purged = count(query, 'purged');
    const message =
      retried !== null
        ? tr.t('ops.dl.retried', { count: retried, refused: count(query, 'refused') ?? 0 })
        : purged !== null
          ? tr.t('ops.dl.purged', { count: purged })
          : undefined;
    const slugs = new Map(agencies.map((a) => [a.id, a.slug]));
    return sendPage(
      reply,
      operationsPage(pageContext(request, reply), {
        overview,
        agencySlug: (id) => slugs.get(id) ?? id,
        boardMounted,
        message,
      }),
    );
  });

  app.post('/operations/dead-letters/retry', async (request, reply) => {
    const actor = actorOf(request);
    const ids = fieldList(request.body as Fields, 'ids');
    const outcome = await actAsSignedIn(store.pool, actor, 'console dlq retry', async (who) => {
      requireRole(who, ['admin'], 'retry dead letters from the console');
      if (!deps.queues) throw new BadInput('error.notConfigured');
      return retryDeadLetterItems(store.pool, who, deps.queues, ids);
    });
    return reply.redirect(`/operations?retried=${outcome.retried.length}&refused=${outcome.refused.length}`, 303);
  });

  app.post('/operations/dead-letters/purge', async (request, reply) => {
    const actor = actorOf(request);
    if (field(request.body as Fields, 'confirm') !== 'yes') throw new BadInput('error.badRequest');
    const purged = await actAsSignedIn(store.pool, actor, 'console dlq purge', async (who) => {
      requireRole(who, ['admin'], 'purge dead letters from the console');
      if (!deps.queues) throw new BadInput('error.notConfigured');
      return purgeDeadLetterItems(store.pool, who, deps.queues);
    });
    return reply.redirect(`/operations?purged=${purged}`, 303);
  });
}

/**
 * Bull Board at /operations/queues, read-only (every queue in readOnlyMode: its retry, clean and delete buttons are
 * gone and its API refuses them), for admins only. The pipeline's queues and every other queue that exists under
 * the prefix (each agency's outbound and backfill queues). Job payloads are sealed: it shows ids and routes only.
 * Returns what to close with the console.
 */
export async function mountQueueBoard(
  app: FastifyInstance,
  deps: ConsoleDeps & { queues: NonNullable<ConsoleDeps['queues']>; redis: NonNullable<ConsoleDeps['redis']> },
  onError: (error: unknown, request: FastifyRequest, reply: FastifyReply) => FastifyReply,
): Promise<{ close(): Promise<void> }> {
  const names = new Set<string>(PIPELINE_QUEUES);
  let cursor = '0';
  do {
    const [next, keys] = await deps.redis.scan(cursor, 'MATCH', `${deps.queuePrefix}:*:meta`, 'COUNT', 500);
    cursor = next;
    for (const key of keys) names.add(key.slice(deps.queuePrefix.length + 1, -':meta'.length));
  } while (cursor !== '0');
  const own = [...names]
    .filter((name) => !(name in deps.queues))
    .map((name) => new Queue(name, { connection: deps.queues.connection, prefix: deps.queuePrefix }));
  const queues = [deps.queues.classify, deps.queues.deliver, deps.queues['dead-letter'], ...own];
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BOARD_PATH);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: true })),
    // @bull-board/fastify pins its own copy of @bull-board/api's types; the adapter is the same at run time
    serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: { uiConfig: { boardTitle: 'aitu-gateway' } },
  });
  await app.register(async (scope) => {
    // the board's routes answer errors with its own handler: a refusal is answered here, as the console answers it
    scope.addHook('onRequest', async (request, reply) => {
      try {
        await actAsSignedIn(deps.store.pool, actorOf(request), 'console queue board', async (who) =>
          requireRole(who, ['admin'], 'watch the queues'),
        );
      } catch (error) {
        return onError(error, request, reply);
      }
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: BOARD_PATH });
  });
  return {
    async close() {
      await Promise.all(own.map((queue) => queue.close().catch(() => {})));
    },
  };
}
