import type { OriginalMessage } from '../../core/original.ts';
import { findingsByPage, type ContextMessage, type FindingView, type ReviewItemView } from '../../review/items.ts';
import { html, type SafeHtml } from '../html.ts';
import type { Translator } from '../../i18n/index.ts';
import { csrfField, layout, notice, type PageContext } from './layout.ts';
import { inText, piecesOf } from './marks.ts';
import { categoryLabel, decisionOptions, statusLabel } from './queue.ts';

export interface ItemView {
  item: ReviewItemView;
  conversation: readonly ContextMessage[];
  /** an officer of the item's agency or an admin: the "show original" button */
  mayViewOriginal: boolean;
  /** the original, after it was asked for (and audited) */
  original: OriginalMessage | null;
  mayDecide: boolean;
  mayEscalate: boolean;
  /** the status a decision or escalation just left */
  outcome?: string;
}

/** The explanation's parts in words: ids and scores as stored, their labels translated. */
function explanationParts(tr: Translator, finding: FindingView): { label: string; value: string }[] {
  const e = (finding.explanation ?? {}) as Record<string, unknown>;
  const parts: { label: string; value: string }[] = [];
  const add = (label: Parameters<Translator['t']>[0], value: unknown) => {
    if (value !== undefined && value !== null && value !== '') parts.push({ label: tr.t(label), value: String(value) });
  };
  add('item.explanation.detector', finding.detector);
  add('item.explanation.rule', e.rule);
  if (typeof e.baseScore === 'number') add('item.explanation.baseScore', tr.number(e.baseScore));
  add('item.explanation.validator', e.validator);
  add('item.explanation.term', e.termId);
  add('item.explanation.context', e.contextId);
  add('item.explanation.note', e.note);
  return parts;
}

function confidence(tr: Translator, value: number): string {
  return tr.number(value, { style: 'percent', maximumFractionDigits: 0 });
}

function findingTitle(tr: Translator, finding: FindingView): string {
  const head = tr.t('item.finding', {
    category: categoryLabel(tr, finding.category),
    confidence: confidence(tr, finding.confidence),
  });
  return [head, ...explanationParts(tr, finding).map((p) => `${p.label}: ${p.value}`)].join('; ');
}

function redactedText(tr: Translator, item: ReviewItemView): SafeHtml {
  const pieces = piecesOf(item.redactedText, item.findings);
  if (!pieces) return html`<div class="message-text" data-testid="redacted-text">${item.redactedText}</div>`;
  const marked = pieces.map((piece) => {
    if (!('findings' in piece)) return html`${piece.text}`;
    const first = item.findings[piece.findings[0]!]!;
    const title = piece.findings.map((i) => findingTitle(tr, item.findings[i]!)).join(' | ');
    const target = `#finding-${piece.findings[0]! + 1}`;
    return html`<mark data-category="${first.category}" data-confidence="${String(first.confidence)}" title="${title}"><a href="${target}">${piece.text}</a></mark>`;
  });
  return html`<div class="message-text" data-testid="redacted-text">${marked}</div>`;
}

function explanations(tr: Translator, item: ReviewItemView): SafeHtml {
  return html`<ol data-testid="explanation" class="findings">
    ${item.findings.map(
      (f, i) =>
        html`<li id="finding-${i + 1}" data-category="${f.category}">
          <strong
            >${tr.t('item.finding', { category: categoryLabel(tr, f.category), confidence: confidence(tr, f.confidence) })}</strong
          >
          ${inText(f) ? '' : html`<p>${tr.t('item.explanation.elsewhere')}</p>`}
          <dl>
            ${explanationParts(tr, f).map(
              (p) =>
                html`<div>
                  <dt>${p.label}</dt>
                  <dd><code>${p.value}</code></dd>
                </div>`,
            )}
          </dl>
        </li>`,
    )}
  </ol>`;
}

/**
 * What each attachment holds, by its place in the message and by page (never its name); none: nothing shown. Those
 * who may view originals get a download of each file as received (audited when asked for).
 */
function attachments(page: PageContext, view: ItemView): SafeHtml | '' {
  const { tr } = page;
  const item = view.item;
  if (item.attachments.length === 0) return '';
  return html`<section aria-labelledby="attachments-title">
    <h2 id="attachments-title">${tr.t('item.attachments')}</h2>
    <ol data-testid="attachments" class="attachments">
      ${item.attachments.map(
        (a) =>
          html`<li data-status="${a.status}">
            <strong>${tr.t('item.attachment', { position: String(a.position) })}</strong>:
            ${
              a.status === 'read'
                ? attachmentFindings(tr, a)
                : html`${tr.t(`item.attachment.${a.status}`)}${a.reason ? html` (<code>${a.reason}</code>)` : ''}`
            }${a.redacted ? html`; ${tr.t('item.attachment.redacted')}` : ''}
            ${view.mayViewOriginal && a.status !== 'not-held' ? downloadForm(page, item.id, a.position) : ''}
          </li>`,
      )}
    </ol>
  </section>`;
}

function downloadForm(page: PageContext, itemId: string, position: number): SafeHtml {
  return html`<form method="post" action="/items/${itemId}/files/${String(position)}" class="inline">
    ${csrfField(page)}
    <button type="submit" data-testid="download-${String(position)}" title="${page.tr.t('item.originalAudited')}">
      ${page.tr.t('item.attachment.download')}
    </button>
  </form>`;
}

function attachmentFindings(tr: Translator, a: ReviewItemView['attachments'][number]): SafeHtml {
  const counts = findingsByPage(a);
  if (counts.length === 0) return html`${tr.t('item.attachment.clean')}`;
  return html`${counts.map(
    (c, i) =>
      html`${i > 0 ? ', ' : ''}${tr.t('item.attachment.found', {
        category: categoryLabel(tr, c.category),
        page: String(c.page),
        count: String(c.count),
      })}`,
  )}`;
}

function conversation(tr: Translator, view: ItemView): SafeHtml {
  const others = view.conversation.filter((m) => !m.current);
  if (others.length === 0) return html`<p>${tr.t('item.context.none')}</p>`;
  return html`<ol class="conversation">
    ${view.conversation.map(
      (m) =>
        html`<li
          data-testid="${m.current ? 'current-message' : 'context-message'}"
          ${m.current ? html` class="current" aria-current="true"` : ''}
        >
          <p class="meta">
            <span>${m.sender ?? tr.t('item.unknownSender')}</span> ·
            <time datetime="${m.sentAt}">${tr.dateTime(m.sentAt)}</time
            >${m.current ? html` · <strong>${tr.t('item.context.this')}</strong>` : ''}
          </p>
          <p class="message-text">${m.withdrawn ? tr.t('item.context.withdrawn') : m.text || tr.t('item.context.empty')}</p>
        </li>`,
    )}
  </ol>`;
}

function facts(tr: Translator, item: ReviewItemView): SafeHtml {
  const row = (label: string, value: SafeHtml | string) =>
    html`<div>
      <dt>${label}</dt>
      <dd>${value}</dd>
    </div>`;
  return html`<dl class="facts">
      ${row(tr.t('item.agency'), item.agency)}
      ${row(tr.t('item.chat'), item.chat?.title ?? `${item.platform}:${item.sourceChatId}`)}
      ${row(tr.t('item.sender'), item.sender?.name ?? item.sender?.id ?? tr.t('item.unknownSender'))}
      ${row(tr.t('item.sent'), html`<time datetime="${item.sentAt}">${tr.dateTime(item.sentAt)}</time>`)}
      ${row(tr.t('item.opened'), html`<time datetime="${item.openedAt}">${tr.dateTime(item.openedAt)}</time>`)}
      ${row(tr.t('item.status'), html`<span data-testid="item-status" data-status="${item.status}">${statusLabel(tr, item.status)}</span>`)}
      ${row(tr.t('item.categories'), item.categories.map((c) => categoryLabel(tr, c)).join(', '))}
    </dl>
    ${item.escalated ? html`<p>${tr.t('item.escalatedBy', { by: item.escalated.by ?? '?', at: tr.dateTime(item.escalated.at) })}${item.escalated.note ? html`<br />${tr.t('item.note', { note: item.escalated.note })}` : ''}</p>` : ''}
    ${item.decided ? html`<p>${tr.t('item.decided', { status: statusLabel(tr, item.status), by: item.decided.by ?? '?', at: tr.dateTime(item.decided.at) })}${item.decided.note ? html`<br />${tr.t('item.note', { note: item.decided.note })}` : ''}</p>` : ''}`;
}

function originalSection(page: PageContext, view: ItemView): SafeHtml {
  const { tr } = page;
  if (!view.mayViewOriginal) return html``;
  const shown = view.original
    ? html`<div class="message-text original" data-testid="original-text">${view.original.text}</div>`
    : html`<form method="post" action="/items/${view.item.id}/original">
        ${csrfField(page)}
        <p>${tr.t('item.originalAudited')}</p>
        <button type="submit" id="show-original">${tr.t('item.showOriginal')}</button>
      </form>`;
  return html`<section aria-labelledby="original-title">
    <h2 id="original-title">${tr.t('item.original')}</h2>
    ${shown}
  </section>`;
}

function decisionSection(page: PageContext, view: ItemView): SafeHtml {
  const { tr } = page;
  const id = view.item.id;
  if (!view.mayDecide && !view.mayEscalate) return view.item.decided ? html`<p>${tr.t('item.final')}</p>` : html``;
  return html`<section aria-labelledby="decision-title" class="decision">
    <h2 id="decision-title">${tr.t('item.decideTitle')}</h2>
    ${
      view.mayDecide
        ? html`<form id="decision" method="post" action="/items/${id}/decision">
            ${csrfField(page)}
            <div class="field">
              <label for="decision-select">${tr.t('decision.label')}</label>
              <select id="decision-select" name="decision">
                ${decisionOptions(tr)}
              </select>
            </div>
            <div class="field">
              <label for="decision-note">${tr.t('decision.note')}</label>
              <textarea id="decision-note" name="note" rows="3"></textarea>
            </div>
            <button type="submit" id="decide">${tr.t('item.decide')}</button>
          </form>`
        : ''
    }
    ${
      view.mayEscalate
        ? html`<form id="escalate-form" method="post" action="/items/${id}/escalate">
            ${csrfField(page)}
            <div class="field">
              <label for="escalate-note">${tr.t('item.escalateNote')}</label>
              <textarea id="escalate-note" name="note" rows="2"></textarea>
            </div>
            <button type="submit" id="escalate">${tr.t('item.escalate')}</button>
          </form>`
        : ''
    }
  </section>`;
}

export function itemPage(page: PageContext, view: ItemView): SafeHtml {
  const { tr } = page;
  const { item } = view;
  const body = html` ${view.outcome ? notice(tr.t('item.outcome', { status: statusLabel(tr, view.outcome) })) : ''}
    <p><a href="/queue">${tr.t('item.back')}</a></p>
    <article data-testid="item" data-item-id="${item.id}">
      ${facts(tr, item)}
      <section aria-labelledby="redacted-title">
        <h2 id="redacted-title">${tr.t('item.redacted')}</h2>
        ${redactedText(tr, item)}
      </section>
      <section aria-labelledby="findings-title">
        <h2 id="findings-title">${tr.t('item.findings')}</h2>
        ${explanations(tr, item)}
      </section>
      ${attachments(page, view)}
      ${originalSection(page, view)}
      <section aria-labelledby="context-title">
        <h2 id="context-title">${tr.t('item.context')}</h2>
        ${conversation(tr, view)}
      </section>
    </article>
    ${decisionSection(page, view)}`;
  return layout(page, {
    title: tr.t('item.title'),
    section: 'queue',
    body,
    pageName: 'item',
    shortcuts: view.mayDecide ? 'shortcuts.item' : undefined,
  });
}
