import type { FastifyInstance } from 'fastify';
import { actAsSignedIn } from '../../auth/session.ts';
import { isSubjectCategory } from '../../core/subject.ts';
import { eraseSubject } from '../../service/erasure.ts';
import { findSubject } from '../../service/subjects.ts';
import { actorOf, BadInput, pageContext, sendPage, type ConsoleDeps } from '../context.ts';
import { field, type Fields } from '../input.ts';
import { subjectsPage } from '../views/subjects.ts';

/** `subject find` and `subject erase` in the console: the same service functions, the same roles and audit. */
export function registerSubjects(app: FastifyInstance, deps: ConsoleDeps): void {
  const { store } = deps;
  const queryOf = (body: Fields) => {
    const category = field(body, 'category');
    const value = field(body, 'value').trim();
    if (!isSubjectCategory(category) || !value) throw new BadInput('subjects.invalid');
    return { category, value };
  };

  app.get('/subjects', async (request, reply) => {
    const view = { category: 'IIN', value: '', places: null, mayErase: false, erased: null };
    return sendPage(reply.header('cache-control', 'no-store'), subjectsPage(pageContext(request, reply), view));
  });

  app.post('/subjects', async (request, reply) => {
    const actor = actorOf(request);
    const query = queryOf(request.body as Fields);
    const places = await actAsSignedIn(store.pool, actor, 'console subject find', (who) =>
      findSubject(store, who, deps.keyring, query),
    );
    const view = { ...query, places, mayErase: actor.role === 'admin', erased: null };
    return sendPage(
      reply.header('cache-control', 'no-store'),
      subjectsPage(pageContext(request, reply, '/subjects'), view),
    );
  });

  app.post('/subjects/erase', async (request, reply) => {
    const actor = actorOf(request);
    const body = request.body as Fields;
    const query = queryOf(body);
    const note = field(body, 'note').trim();
    if (!note) throw new BadInput('subjects.invalid');
    const result = await actAsSignedIn(store.pool, actor, 'console subject erase', (who) =>
      eraseSubject(store, who, deps.keyring, deps.dataDir, { ...query, note }),
    );
    const erased = { messages: result.counts.messages, attachments: result.counts.attachments };
    const view = { category: query.category, value: '', places: null, mayErase: false, erased };
    return sendPage(
      reply.header('cache-control', 'no-store'),
      subjectsPage(pageContext(request, reply, '/subjects'), view),
    );
  });
}
