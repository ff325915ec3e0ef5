import type { FastifyInstance } from 'fastify';
import { actAsSignedIn } from '../../auth/session.ts';
import { reportCsv } from '../../review/report.ts';
import { reportFor } from '../../service/report.ts';
import { actorOf, BadInput, pageContext, sendPage, type ConsoleDeps } from '../context.ts';
import { field, type Fields } from '../input.ts';
import { reportsPage } from '../views/reports.ts';
import { agenciesFor } from './queue.ts';

export function registerReports(app: FastifyInstance, deps: ConsoleDeps): void {
  const { store } = deps;

  app.get('/reports', async (request, reply) => {
    const actor = actorOf(request);
    const agencies = await agenciesFor(deps, actor);
    // one agency to choose from: its report at once
    const selected = field(request.query as Fields, 'agency') || (agencies.length === 1 ? agencies[0]!.slug : '');
    const report = selected
      ? await actAsSignedIn(store.pool, actor, 'console report', (who) =>
          reportFor(store, who, selected, { format: 'html', timeline: true }),
        )
      : null;
    return sendPage(reply, reportsPage(pageContext(request, reply), { agencies, selected, report }));
  });

  app.get('/reports.csv', async (request, reply) => {
    const actor = actorOf(request);
    const slug = field(request.query as Fields, 'agency');
    if (!slug) throw new BadInput('reports.choose');
    const report = await actAsSignedIn(store.pool, actor, 'console report', (who) =>
      reportFor(store, who, slug, { format: 'csv' }),
    );
    const day = deps.now().toISOString().slice(0, 10);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="report-${report.agency.slug}-${day}.csv"`)
      .send(reportCsv(report));
  });
}
