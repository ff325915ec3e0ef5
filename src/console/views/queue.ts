import { CATEGORIES } from '../../classifier/types.ts';
import { DECISIONS, type Decision } from '../../review/decide.ts';
import { STATUSES, type ReviewItemView } from '../../review/items.ts';
import { html, type SafeHtml } from '../html.ts';
import type { Translator } from '../../i18n/index.ts';
import { csrfField, layout, notice, type PageContext } from './layout.ts';

/** The queue's filters as the form holds them (strings; '' for none). */
export interface QueueFilterForm {
  agency: string;
  category: string;
  status: string;
  chat: string;
  since: string;
  until: string;
}

export const FILTER_FIELDS = ['agency', 'category', 'status', 'chat', 'since', 'until'] as const;

/** The filter as a query string (every field, so an empty status stays "any" rather than the default). */
export function filterQuery(filter: QueueFilterForm): string {
  return new URLSearchParams(FILTER_FIELDS.map((name): [string, string] => [name, filter[name]])).toString();
}

export interface QueueView {
  filter: QueueFilterForm;
  agencies: readonly { slug: string; name: string }[];
  items: readonly ReviewItemView[];
  total: number;
  byCategory: Readonly<Record<string, number>>;
  /** officers and admins decide; auditors only read */
  canDecide: boolean;
  /** how many items a decision by the filter would touch (open ones unless a status is chosen) */
  previewCount: number | null;
  done?: { done: number; failed: number };
}

export function statusLabel(tr: Translator, status: string): string {
  return (STATUSES as readonly string[]).includes(status)
    ? tr.t(`status.${status as (typeof STATUSES)[number]}`)
    : status;
}

export function categoryLabel(tr: Translator, category: string): string {
  return (CATEGORIES as readonly string[]).includes(category)
    ? tr.t(`category.${category as (typeof CATEGORIES)[number]}`)
    : category;
}

export function decisionOptions(tr: Translator, selected?: Decision): SafeHtml[] {
  return DECISIONS.map(
    (d) => html`<option value="${d}" ${d === selected ? html` selected` : ''}>${tr.t(`decision.${d}`)}</option>`,
  );
}

function oneLine(text: string, max = 140): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function select(
  name: string,
  label: string,
  anyLabel: string,
  value: string,
  options: readonly { value: string; label: string }[],
): SafeHtml {
  return html`<div class="field">
    <label for="filter-${name}">${label}</label>
    <select id="filter-${name}" name="${name}">
      <option value="">${anyLabel}</option>
      ${options.map(
        (o) => html`<option value="${o.value}" ${o.value === value ? html` selected` : ''}>${o.label}</option>`,
      )}
    </select>
  </div>`;
}

function filters(page: PageContext, view: QueueView): SafeHtml {
  const { tr } = page;
  const f = view.filter;
  return html`<form class="filters" method="get" action="/queue" aria-labelledby="filters-title">
    <h2 id="filters-title">${tr.t('queue.filters')}</h2>
    <div class="fields">
      ${select(
        'agency',
        tr.t('queue.agency'),
        tr.t('queue.any'),
        f.agency,
        view.agencies.map((a) => ({ value: a.slug, label: `${a.name} (${a.slug})` })),
      )}
      ${select(
        'category',
        tr.t('queue.category'),
        tr.t('queue.any'),
        f.category,
        CATEGORIES.map((c) => ({ value: c, label: categoryLabel(tr, c) })),
      )}
      ${select(
        'status',
        tr.t('queue.status'),
        tr.t('queue.any'),
        f.status,
        STATUSES.map((s) => ({ value: s, label: statusLabel(tr, s) })),
      )}
      <div class="field">
        <label for="filter-chat">${tr.t('queue.chat')}</label><input id="filter-chat" name="chat" value="${f.chat}" />
      </div>
      <div class="field">
        <label for="filter-since">${tr.t('queue.since')}</label
        ><input id="filter-since" name="since" type="date" value="${f.since}" />
      </div>
      <div class="field">
        <label for="filter-until">${tr.t('queue.until')}</label
        ><input id="filter-until" name="until" type="date" value="${f.until}" />
      </div>
    </div>
    <button type="submit" id="apply-filters">${tr.t('queue.apply')}</button>
  </form>`;
}

function counts(page: PageContext, view: QueueView): SafeHtml {
  const { tr } = page;
  const base = { ...view.filter };
  return html`<section aria-labelledby="counts-title" class="counts">
    <h2 id="counts-title">${tr.t('queue.counts')}</h2>
    <ul>
      ${CATEGORIES.map(
        (c) =>
          html`<li data-testid="category-count" data-category="${c}">
            <a href="/queue?${filterQuery({ ...base, category: c })}">${categoryLabel(tr, c)}</a>:
            <strong>${tr.number(view.byCategory[c] ?? 0)}</strong>
          </li>`,
      )}
    </ul>
  </section>`;
}

function rows(page: PageContext, view: QueueView): SafeHtml {
  const { tr } = page;
  if (view.items.length === 0) return html`<p data-testid="queue-empty">${tr.t('queue.empty')}</p>`;
  const body = view.items.map((item) => {
    const sent = tr.dateTime(item.sentAt);
    return html`<tr data-testid="queue-row" data-item-id="${item.id}" data-status="${item.status}">
      <td>
        ${view.canDecide ? html`<input type="checkbox" name="ids" value="${item.id}" form="bulk" aria-label="${tr.t('queue.selectRow', { at: sent })}" />` : ''}
      </td>
      <td><time datetime="${item.sentAt}">${sent}</time></td>
      <td>${item.agency}</td>
      <td>${item.chat?.title ?? item.sourceChatId}</td>
      <td>${item.categories.map((c) => categoryLabel(tr, c)).join(', ')}</td>
      <td>${statusLabel(tr, item.status)}</td>
      <td class="text">${oneLine(item.redactedText)}</td>
      <td><a class="open" href="/items/${item.id}">${tr.t('queue.open')}</a></td>
    </tr>`;
  });
  return html`<table class="queue">
      <caption>
        ${tr.t('queue.total', { count: view.total })}
      </caption>
      <thead>
        <tr>
          <th scope="col">${tr.t('queue.col.select')}</th>
          <th scope="col">${tr.t('queue.col.sent')}</th>
          <th scope="col">${tr.t('queue.col.agency')}</th>
          <th scope="col">${tr.t('queue.col.chat')}</th>
          <th scope="col">${tr.t('queue.col.categories')}</th>
          <th scope="col">${tr.t('queue.col.status')}</th>
          <th scope="col">${tr.t('queue.col.text')}</th>
          <th scope="col"><span class="visually-hidden">${tr.t('queue.open')}</span></th>
        </tr>
      </thead>
      <tbody>
        ${body}
      </tbody>
    </table>
    ${view.total > view.items.length ? html`<p>${tr.t('queue.showing', { shown: view.items.length, total: view.total })}</p>` : ''}`;
}

/** The filter's fields as hidden inputs, so a decision by filter decides what the person saw. */
export function hiddenFilter(filter: QueueFilterForm): SafeHtml[] {
  return FILTER_FIELDS.map((name) => html`<input type="hidden" name="${name}" value="${filter[name]}" />`);
}

function bulkForm(page: PageContext, view: QueueView): SafeHtml {
  const { tr } = page;
  return html`<form
    id="bulk"
    class="bulk"
    method="post"
    action="/queue/decide"
    aria-labelledby="bulk-title"
    data-preview-url="/queue/preview?${filterQuery(view.filter)}"
  >
    <h2 id="bulk-title">${tr.t('queue.bulk')}</h2>
    ${csrfField(page)}${hiddenFilter(view.filter)}
    <input type="hidden" name="confirmed" value="" />
    <fieldset>
      <legend>${tr.t('queue.bulk.scope')}</legend>
      <div>
        <input type="radio" id="scope-selected" name="scope" value="selected" checked /><label for="scope-selected"
          >${tr.t('queue.bulk.selected')}</label
        >
      </div>
      <div>
        <input type="radio" id="scope-filter" name="scope" value="filter" /><label for="scope-filter"
          >${tr.t('queue.bulk.filter')}</label
        >
      </div>
    </fieldset>
    <div class="field">
      <label for="bulk-decision">${tr.t('decision.label')}</label>
      <select id="bulk-decision" name="decision">
        ${decisionOptions(tr)}
      </select>
    </div>
    <div class="field">
      <label for="bulk-note">${tr.t('decision.note')}</label> <textarea id="bulk-note" name="note" rows="2"></textarea>
    </div>
    <p
      data-testid="preview-count"
      aria-live="polite"
      data-filter-count="${view.previewCount ?? ''}"
      data-template="${tr.t('queue.bulk.preview', { count: '{count}' })}"
    >
      ${tr.t('queue.bulk.preview', { count: 0 })}
    </p>
    <button type="submit" id="bulk-decide">${tr.t('queue.bulk.submit')}</button>
  </form>`;
}

export function queuePage(page: PageContext, view: QueueView): SafeHtml {
  const { tr } = page;
  const body = html` ${view.done ? notice(tr.t('queue.done', view.done)) : ''} ${filters(page, view)}
    ${counts(page, view)}
    <section aria-labelledby="items-title">
      <h2 id="items-title" class="visually-hidden">${tr.t('queue.title')}</h2>
      ${rows(page, view)}
    </section>
    ${view.canDecide ? bulkForm(page, view) : ''}`;
  return layout(page, {
    title: tr.t('queue.title'),
    section: 'queue',
    body,
    pageName: 'queue',
    shortcuts: view.canDecide ? 'shortcuts.queue' : undefined,
  });
}

/** A decision by filter waits for this: the number it will touch, and a button that confirms exactly that number. */
export function confirmPage(
  page: PageContext,
  view: { filter: QueueFilterForm; decision: Decision; note: string; count: number; changed: boolean },
): SafeHtml {
  const { tr } = page;
  const body = html` ${view.changed ? notice(tr.t('queue.bulk.changed'), 'error') : ''}
    <form method="post" action="/queue/decide" class="confirm">
      ${csrfField(page)}${hiddenFilter(view.filter)}
      <input type="hidden" name="scope" value="filter" />
      <input type="hidden" name="decision" value="${view.decision}" />
      <input type="hidden" name="note" value="${view.note}" />
      <input type="hidden" name="confirmed" value="${String(view.count)}" />
      <p data-testid="preview-count">${tr.t('queue.bulk.preview', { count: view.count })}</p>
      <p>${tr.t('queue.bulk.confirmText', { count: view.count, decision: tr.t(`decision.${view.decision}`) })}</p>
      <button type="submit" id="confirm-decide">${tr.t('queue.bulk.confirm')}</button>
      <a href="/queue?${filterQuery(view.filter)}">${tr.t('queue.bulk.cancel')}</a>
    </form>`;
  return layout(page, { title: tr.t('queue.bulk.confirmTitle'), section: 'queue', body, pageName: 'confirm' });
}
