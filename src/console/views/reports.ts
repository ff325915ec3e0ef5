import type { AgencyReport, FindingsTimeline } from '../../review/report.ts';
import { html, type SafeHtml } from '../html.ts';
import type { Translator } from '../../i18n/index.ts';
import { layout, type PageContext } from './layout.ts';
import { categoryLabel } from './queue.ts';

export interface ReportsView {
  agencies: readonly { slug: string; name: string }[];
  selected: string;
  report: (AgencyReport & { timeline?: FindingsTimeline }) | null;
}

/** One colour per category, each at least 3:1 against white (WCAG's contrast for graphics). */
const COLOURS: Readonly<Record<string, string>> = {
  IIN: '#1f5fa8',
  BIN: '#8a4b08',
  PHONE: '#2e7d32',
  EMAIL: '#6a1b9a',
  CARD: '#c62828',
  IBAN: '#00695c',
  PASSPORT: '#ad1457',
  ID_CARD: '#4e5b12',
  HEALTH: '#d84315',
};

const WIDTH = 720;
const HEIGHT = 280;
const PAD = { left: 48, right: 12, top: 12, bottom: 40 };

/** A stacked bar per period, one colour per category, with its own title, description and a data table beside it. */
function chart(tr: Translator, timeline: FindingsTimeline): SafeHtml {
  const categories = Object.keys(timeline.series);
  const n = timeline.periods.length;
  if (n === 0 || categories.length === 0) return html`<p>${tr.t('reports.noFindings')}</p>`;
  const totals = timeline.periods.map((_, i) => categories.reduce((s, c) => s + (timeline.series[c]![i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / n;
  const barW = Math.max(1, slot * 0.7);
  const y = (value: number) => PAD.top + plotH - (value / max) * plotH;
  const bars = timeline.periods.map((period, i) => {
    let base = 0;
    const x = PAD.left + i * slot + (slot - barW) / 2;
    return categories.map((c) => {
      const v = timeline.series[c]![i] ?? 0;
      if (v === 0) return html``;
      const top = y(base + v);
      const h = y(base) - top;
      base += v;
      return html`<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${COLOURS[c] ?? '#333333'}"><title>${tr.day(period)}: ${categoryLabel(tr, c)} ${tr.number(v)}</title></rect>`;
    });
  });
  const labelEvery = Math.max(1, Math.ceil(n / 8));
  const xLabels = timeline.periods.map((period, i) =>
    i % labelEvery === 0
      ? html`<text x="${(PAD.left + i * slot + slot / 2).toFixed(1)}" y="${HEIGHT - PAD.bottom + 16}" text-anchor="middle">${tr.day(period)}</text>`
      : '',
  );
  const yTicks = [0, max / 2, max].map((v) => Math.round(v));
  const yLabels = [...new Set(yTicks)].map(
    (v) =>
      html`<text x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${tr.number(v)}</text
        ><line
          x1="${PAD.left}"
          x2="${WIDTH - PAD.right}"
          y1="${y(v).toFixed(1)}"
          y2="${y(v).toFixed(1)}"
          stroke="#bbbbbb"
          stroke-width="1"
        />`,
  );
  const summary = tr.t('reports.chartSummary', {
    from: tr.day(timeline.periods[0]!),
    to: tr.day(timeline.periods[n - 1]!),
    bucket: tr.t(`reports.bucket.${timeline.bucket}`),
  });
  return html`<figure class="chart">
      <svg
        data-testid="chart"
        role="img"
        aria-labelledby="chart-title chart-desc"
        viewBox="0 0 ${WIDTH} ${HEIGHT}"
        width="100%"
        preserveAspectRatio="xMidYMid meet"
      >
        <title id="chart-title">${tr.t('reports.chart')}</title>
        <desc id="chart-desc">${summary}</desc>
        ${yLabels}${bars}${xLabels}
      </svg>
      <figcaption>
        ${summary}
        <ul class="legend">
          ${categories.map(
            (c) =>
              html`<li>
                <svg width="12" height="12" aria-hidden="true" focusable="false">
                  <rect width="12" height="12" fill="${COLOURS[c] ?? '#333333'}" />
                </svg>
                ${categoryLabel(tr, c)}
              </li>`,
          )}
        </ul>
      </figcaption>
    </figure>
    <details>
      <summary>${tr.t('reports.table')}</summary>
      <table class="data">
        <thead>
          <tr>
            <th scope="col">${tr.t('reports.period')}</th>
            ${categories.map((c) => html`<th scope="col">${categoryLabel(tr, c)}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${timeline.periods.map(
            (period, i) =>
              html`<tr>
                <th scope="row">${tr.day(period)}</th>
                ${categories.map((c) => html`<td>${tr.number(timeline.series[c]![i] ?? 0)}</td>`)}
              </tr>`,
          )}
        </tbody>
      </table>
    </details>`;
}

const TOTALS = [
  'imported',
  'findings',
  'quarantined',
  'decided',
  'open',
  'escalatedNow',
  'escalatedEver',
  'blockedInbound',
  'blockedOutbound',
] as const;

function reportBody(tr: Translator, report: NonNullable<ReportsView['report']>): SafeHtml {
  return html`<section aria-labelledby="report-title">
    <h2 id="report-title">${report.agency.name} (${report.agency.slug})</h2>
    <p>
      ${tr.t('reports.generated', { at: tr.dateTime(report.generatedAt) })} ·
      <a id="download-csv" href="/reports.csv?agency=${encodeURIComponent(report.agency.slug)}" download
        >${tr.t('reports.csv')}</a
      >
    </p>
    <h3>${tr.t('reports.chart')}</h3>
    ${report.timeline ? chart(tr, report.timeline) : ''}
    <h3>${tr.t('reports.totals')}</h3>
    <dl class="totals">
      ${TOTALS.map(
        (key) =>
          html`<div data-testid="total" data-total="${key}">
            <dt>${tr.t(`reports.total.${key}`)}</dt>
            <dd>${tr.number(report.totals[key])}</dd>
          </div>`,
      )}
    </dl>
  </section>`;
}

export function reportsPage(page: PageContext, view: ReportsView): SafeHtml {
  const { tr } = page;
  const chooser =
    view.agencies.length === 0
      ? html`<p>${tr.t('reports.noAgency')}</p>`
      : html`<form method="get" action="/reports" class="filters">
          <div class="field">
            <label for="report-agency">${tr.t('reports.agency')}</label>
            <select id="report-agency" name="agency">
              ${view.agencies.map(
                (a) =>
                  html`<option value="${a.slug}" ${a.slug === view.selected ? html` selected` : ''}>
                    ${a.name} (${a.slug})
                  </option>`,
              )}
            </select>
          </div>
          <button type="submit" id="show-report">${tr.t('reports.show')}</button>
        </form>`;
  const body = html`${chooser}${view.report ? reportBody(tr, view.report) : view.agencies.length > 0 ? html`<p>${tr.t('reports.choose')}</p>` : ''}`;
  return layout(page, { title: tr.t('reports.title'), section: 'reports', body, pageName: 'reports' });
}
