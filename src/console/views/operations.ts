import { CONNECTOR_STATES } from '../../core/connector.ts';
import type { OperationsView } from '../../service/operations.ts';
import { html, type SafeHtml } from '../html.ts';
import type { Translator } from '../../i18n/index.ts';
import { csrfField, layout, notice, type PageContext } from './layout.ts';

export interface OperationsPageView {
  /** null: the console runs without Redis and its queues */
  overview: OperationsView | null;
  agencySlug(id: string): string;
  boardMounted: boolean;
  message?: string;
}

const STATES = [...CONNECTOR_STATES, 'stopped', 'gone'] as const;

function stateLabel(tr: Translator, state: string): string {
  return (STATES as readonly string[]).includes(state)
    ? tr.t(`ops.conn.state.${state as (typeof STATES)[number]}`)
    : state;
}

function queues(tr: Translator, overview: OperationsView, boardMounted: boolean): SafeHtml {
  return html`<section aria-labelledby="queues-title">
    <h2 id="queues-title">${tr.t('ops.queues')}</h2>
    <table class="data">
      <thead>
        <tr>
          <th scope="col">${tr.t('ops.queue')}</th>
          <th scope="col">${tr.t('ops.waiting')}</th>
          <th scope="col">${tr.t('ops.active')}</th>
          <th scope="col">${tr.t('ops.delayed')}</th>
          <th scope="col">${tr.t('ops.failed')}</th>
          <th scope="col">${tr.t('ops.workers')}</th>
        </tr>
      </thead>
      <tbody>
        ${overview.queues.map(
          (q) =>
            html`<tr data-testid="queue-counts" data-queue="${q.name}">
              <th scope="row"><code>${q.name}</code></th>
              <td>${tr.number(q.waiting)}</td>
              <td>${tr.number(q.active)}</td>
              <td>${tr.number(q.delayed)}</td>
              <td>${tr.number(q.failed)}</td>
              <td>${tr.number(q.workers)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${boardMounted ? html`<p><a href="/operations/queues/">${tr.t('ops.board')}</a></p>` : ''}
  </section>`;
}

function deadLetters(page: PageContext, overview: OperationsView, view: OperationsPageView): SafeHtml {
  const { tr } = page;
  const letters = overview.deadLetters;
  const list =
    letters.length === 0
      ? html`<p>${tr.t('ops.dl.none')}</p>`
      : html`<table class="data">
            <thead>
              <tr>
                <th scope="col">${tr.t('ops.dl.col.id')}</th>
                <th scope="col">${tr.t('ops.dl.col.failed')}</th>
                <th scope="col">${tr.t('ops.dl.col.stage')}</th>
                <th scope="col">${tr.t('ops.conn.col.agency')}</th>
                <th scope="col">${tr.t('ops.dl.col.source')}</th>
                <th scope="col">${tr.t('ops.dl.col.reason')}</th>
                <th scope="col"><span class="visually-hidden">${tr.t('ops.dl.retry')}</span></th>
              </tr>
            </thead>
            <tbody>
              ${letters.map(
                (l) =>
                  html`<tr data-testid="dead-letter" data-id="${l.id}">
                    <td><code>${l.id}</code></td>
                    <td><time datetime="${l.failedAt}">${tr.dateTime(l.failedAt)}</time></td>
                    <td>${l.stage}</td>
                    <td>${view.agencySlug(l.agencyId)}</td>
                    <td><code>${l.source}</code></td>
                    <td>${l.reason}</td>
                    <td>
                      <form method="post" action="/operations/dead-letters/retry">
                        ${csrfField(page)}<input type="hidden" name="ids" value="${l.id}" />
                        <button type="submit" aria-label="${tr.t('ops.dl.retryLabel', { id: l.id })}">
                          ${tr.t('ops.dl.retry')}
                        </button>
                      </form>
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>
          <form method="post" action="/operations/dead-letters/retry">
            ${csrfField(page)}<button type="submit" id="retry-all">${tr.t('ops.dl.retryAll')}</button>
          </form>
          <form method="post" action="/operations/dead-letters/purge" class="danger">
            ${csrfField(page)} <input type="checkbox" id="purge-confirm" name="confirm" value="yes" required /><label
              for="purge-confirm"
              >${tr.t('ops.dl.purgeConfirm')}</label
            >
            <button type="submit" id="purge">${tr.t('ops.dl.purge')}</button>
          </form>`;
  return html`<section aria-labelledby="dl-title">
    <h2 id="dl-title">${tr.t('ops.deadLetters')}</h2>
    ${list}
  </section>`;
}

function connectors(tr: Translator, overview: OperationsView, view: OperationsPageView): SafeHtml {
  const list = overview.connectors;
  const table =
    list.length === 0
      ? html`<p>${tr.t('ops.conn.none')}</p>`
      : html`<table class="data">
          <thead>
            <tr>
              <th scope="col">${tr.t('ops.conn.col.platform')}</th>
              <th scope="col">${tr.t('ops.conn.col.agency')}</th>
              <th scope="col">${tr.t('ops.conn.col.state')}</th>
              <th scope="col">${tr.t('ops.conn.col.since')}</th>
              <th scope="col">${tr.t('ops.conn.col.lastEvent')}</th>
              <th scope="col">${tr.t('ops.conn.col.rate')}</th>
            </tr>
          </thead>
          <tbody>
            ${list.map(
              (c) =>
                html`<tr data-testid="connector" data-platform="${c.platform}" data-state="${c.state}">
                  <td>${c.platform}</td>
                  <td>${view.agencySlug(c.agencyId)}</td>
                  <td>${stateLabel(tr, c.state)}${c.detail ? html` (<code>${c.detail}</code>)` : ''}</td>
                  <td>${c.since ? tr.dateTime(c.since) : '—'}</td>
                  <td>${c.lastEventAt ? tr.dateTime(c.lastEventAt) : tr.t('ops.never')}</td>
                  <td>${tr.number(c.eventsPerMinute, { maximumFractionDigits: 1 })}</td>
                </tr>`,
            )}
          </tbody>
        </table>`;
  return html`<section aria-labelledby="conn-title">
    <h2 id="conn-title">${tr.t('ops.connectors')}</h2>
    ${table}
  </section>`;
}

export function operationsPage(page: PageContext, view: OperationsPageView): SafeHtml {
  const { tr } = page;
  const body = view.overview
    ? html`${view.message ? notice(view.message) : ''}${queues(tr, view.overview, view.boardMounted)}${deadLetters(page, view.overview, view)}${connectors(tr, view.overview, view)}`
    : notice(tr.t('error.notConfigured'));
  return layout(page, { title: tr.t('ops.title'), section: 'operations', body, pageName: 'operations' });
}
