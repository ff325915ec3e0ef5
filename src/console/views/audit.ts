import type { ExportedEntry } from '../../audit/export.ts';
import type { AuditVerification } from '../../service/audit.ts';
import { html, type SafeHtml } from '../html.ts';
import type { Translator } from '../../i18n/index.ts';
import { csrfField, layout, type PageContext } from './layout.ts';

export interface AuditFilterForm {
  action: string;
  actor: string;
  since: string;
  until: string;
}

export interface AuditView {
  filter: AuditFilterForm;
  entries: readonly ExportedEntry[];
  verification: AuditVerification | null;
}

const PROBLEM_KINDS = [
  'edited',
  'deleted',
  'link-broken',
  'missing-tail',
  'head-mismatch',
  'head-altered',
  'head-missing',
  'unsealed',
] as const;

function problemLabel(tr: Translator, kind: string): string {
  return (PROBLEM_KINDS as readonly string[]).includes(kind)
    ? tr.t(`audit.problem.${kind as (typeof PROBLEM_KINDS)[number]}`)
    : kind;
}

function verificationResult(tr: Translator, v: AuditVerification): SafeHtml {
  const { result } = v;
  const headline = result.ok
    ? tr.t('audit.verify.ok', { checked: result.checked })
    : tr.t('audit.verify.failed', { count: result.problems.length });
  return html`<section aria-labelledby="verify-title" class="verify ${result.ok ? 'ok' : 'failed'}">
    <h2 id="verify-title">${tr.t('audit.verify.title')}</h2>
    <div data-testid="verify-result" data-ok="${String(result.ok)}" role="status">
      <p>${headline}</p>
      ${v.sealRefused ? html`<p>${tr.t('audit.verify.sealRefused')}</p>` : ''}
      ${result.legacyUnchecked > 0 ? html`<p>${tr.t('audit.verify.legacy', { count: result.legacyUnchecked })}</p>` : ''}
      ${
        result.problems.length > 0
          ? html`<ul>
              ${result.problems.map((p) => html`<li>${tr.t('audit.verify.problem', { kind: problemLabel(tr, p.kind), entry: p.entryId ?? '—' })}</li>`)}
            </ul>`
          : ''
      }
    </div>
  </section>`;
}

function filters(page: PageContext, filter: AuditFilterForm): SafeHtml {
  const { tr } = page;
  const field = (name: keyof AuditFilterForm, label: string, type = 'text') =>
    html`<div class="field">
      <label for="audit-${name}">${label}</label
      ><input id="audit-${name}" name="${name}" type="${type}" value="${filter[name]}" />
    </div>`;
  return html`<form class="filters" method="get" action="/audit" aria-labelledby="audit-filters-title">
    <h2 id="audit-filters-title">${tr.t('audit.filters')}</h2>
    <div class="fields">
      ${field('action', tr.t('audit.action'))}${field('actor', tr.t('audit.actor'))}
      ${field('since', tr.t('audit.since'), 'date')}${field('until', tr.t('audit.until'), 'date')}
    </div>
    <button type="submit" id="apply-audit-filters">${tr.t('audit.apply')}</button>
  </form>`;
}

function entries(tr: Translator, list: readonly ExportedEntry[]): SafeHtml {
  if (list.length === 0) return html`<p>${tr.t('audit.empty')}</p>`;
  return html`<table class="audit">
    <caption>
      ${tr.t('audit.showing', { count: list.length })}
    </caption>
    <thead>
      <tr>
        <th scope="col">${tr.t('audit.col.id')}</th>
        <th scope="col">${tr.t('audit.col.at')}</th>
        <th scope="col">${tr.t('audit.col.actor')}</th>
        <th scope="col">${tr.t('audit.col.action')}</th>
        <th scope="col">${tr.t('audit.col.agency')}</th>
        <th scope="col">${tr.t('audit.col.subject')}</th>
        <th scope="col">${tr.t('audit.col.details')}</th>
        <th scope="col">${tr.t('audit.col.seq')}</th>
      </tr>
    </thead>
    <tbody>
      ${list.map(
        (e) =>
          html`<tr data-testid="audit-row" data-action="${e.action}" data-entry-id="${e.id}">
            <td>${e.id}</td>
            <td><time datetime="${e.at}">${tr.dateTime(e.at)}</time></td>
            <td>${e.actor}</td>
            <td><code>${e.action}</code></td>
            <td>${e.agency ?? '—'}</td>
            <td>${e.subject ?? '—'}</td>
            <td><code class="details">${JSON.stringify(e.details)}</code></td>
            <td>${e.seq ?? tr.t('audit.unsealed')}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function auditPage(page: PageContext, view: AuditView): SafeHtml {
  const { tr } = page;
  const body = html` <form method="post" action="/audit/verify" class="verify-form">
      ${csrfField(page)} <button type="submit" id="verify">${tr.t('audit.verify')}</button>
    </form>
    ${view.verification ? verificationResult(tr, view.verification) : ''} ${filters(page, view.filter)}
    <section aria-labelledby="entries-title">
      <h2 id="entries-title" class="visually-hidden">${tr.t('audit.title')}</h2>
      ${entries(tr, view.entries)}
    </section>`;
  return layout(page, { title: tr.t('audit.title'), section: 'audit', body, pageName: 'audit' });
}
