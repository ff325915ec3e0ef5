import { SUBJECT_CATEGORIES } from '../../core/subject.ts';
import type { SubjectPlaces } from '../../store/subjects.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfField, layout, notice, type PageContext } from './layout.ts';
import { categoryLabel } from './queue.ts';

export interface SubjectsView {
  category: string;
  /** the value searched for, kept in the form (the page is never cached) */
  value: string;
  places: SubjectPlaces | null;
  mayErase: boolean;
  erased: { messages: number; attachments: number } | null;
}

/** Find what is held about a person (officer, admin), and erase it (admin): the same service as `subject …`. */
export function subjectsPage(page: PageContext, view: SubjectsView): SafeHtml {
  const { tr } = page;
  const options = SUBJECT_CATEGORIES.map(
    (c) => html`<option value="${c}" ${c === view.category ? html` selected` : ''}>${categoryLabel(tr, c)}</option>`,
  );
  const body = html`${
    view.erased
      ? notice(
          tr.t('subjects.erased', {
            messages: String(view.erased.messages),
            attachments: String(view.erased.attachments),
          }),
        )
      : ''
  }
    <form method="post" action="/subjects" class="subject-search">
      ${csrfField(page)}
      <label>${tr.t('subjects.category')} <select name="category">${options}</select></label>
      <label>${tr.t('subjects.value')} <input name="value" type="password" autocomplete="off" required value="${view.value}" /></label>
      <button type="submit" id="find-subject">${tr.t('subjects.find')}</button>
      <p>${tr.t('subjects.audited')}</p>
    </form>
    ${view.places ? results(page, view, view.places) : ''}`;
  return layout(page, { title: tr.t('subjects.title'), section: 'subjects', body, pageName: 'subjects' });
}

function results(page: PageContext, view: SubjectsView, places: SubjectPlaces): SafeHtml {
  const { tr } = page;
  const rows = [
    ...places.messages.map((m) => [tr.t('subjects.kind.message'), m.id, `${m.chat}, ${tr.dateTime(m.sentAt)}`, m.via]),
    ...places.attachments.map((a) => [
      tr.t('subjects.kind.attachment'),
      a.sha256.slice(0, 12),
      a.messageIds.join(', '),
      a.pages.join(', '),
    ]),
    ...places.reviewItems.map((r) => [tr.t('subjects.kind.review-item'), r.id, r.messageId, r.status]),
    ...places.outboundAttempts.map((o) => [tr.t('subjects.kind.outbound-attempt'), o.id, o.target, o.status]),
  ];
  const erase =
    view.mayErase && rows.length > 0
      ? html`<form method="post" action="/subjects/erase" class="subject-erase">
        ${csrfField(page)}
        <input type="hidden" name="category" value="${view.category}" />
        <input type="hidden" name="value" value="${view.value}" />
        <label>${tr.t('subjects.note')} <input name="note" required /></label>
        <button type="submit" id="erase-subject">${tr.t('subjects.erase')}</button>
      </form>`
      : '';
  return html`<section aria-labelledby="found-title">
    <h2 id="found-title">${tr.t('subjects.found', { count: String(rows.length) })}</h2>
    <table data-testid="subject-places">
      <thead><tr><th>${tr.t('subjects.kind')}</th><th>Id</th><th></th><th></th></tr></thead>
      <tbody>${rows.map((r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`)}</tbody>
    </table>
    ${erase}
  </section>`;
}
