import type { Actor } from '../../auth/roles.ts';
import { html, type SafeHtml } from '../html.ts';
import { LANGUAGES, type MessageKey, type Translator } from '../../i18n/index.ts';

/** What every page is rendered with. */
export interface PageContext {
  tr: Translator;
  /** the CSRF token every form of the page carries */
  csrfToken: string;
  /** the signed-in person; null on the sign-in page */
  actor: Actor | null;
  /** the path (and query) of this page, where a language change returns to */
  here: string;
}

type Section = 'queue' | 'reports' | 'subjects' | 'audit' | 'operations';

/** The sections of the navigation each role sees (the server refuses the others anyway). */
const SECTIONS: readonly { section: Section; href: string; label: MessageKey; roles: readonly string[] }[] = [
  { section: 'queue', href: '/queue', label: 'nav.queue', roles: ['officer', 'auditor', 'admin'] },
  { section: 'reports', href: '/reports', label: 'nav.reports', roles: ['officer', 'auditor', 'admin'] },
  { section: 'subjects', href: '/subjects', label: 'nav.subjects', roles: ['officer', 'admin'] },
  { section: 'audit', href: '/audit', label: 'nav.audit', roles: ['auditor', 'admin'] },
  { section: 'operations', href: '/operations', label: 'nav.operations', roles: ['admin'] },
];

/** The hidden field that carries the CSRF token in a form. */
export function csrfField(page: PageContext): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${page.csrfToken}" />`;
}

function navigation(page: PageContext, current: Section | null): SafeHtml {
  const { tr, actor } = page;
  if (!actor) return html``;
  const links = SECTIONS.filter((s) => s.roles.includes(actor.role)).map(
    (s) =>
      html`<li>
        <a href="${s.href}" ${s.section === current ? html` aria-current="page"` : ''}>${tr.t(s.label)}</a>
      </li>`,
  );
  return html`<nav aria-label="${tr.t('nav.label')}">
      <ul class="nav">
        ${links}
      </ul>
    </nav>
    <div class="who">
      <span>${tr.t('nav.signedInAs', { name: actor.name, role: tr.t(`role.${actor.role}`) })}</span>
      <form method="post" action="/sign-out">
        ${csrfField(page)}<button type="submit" id="sign-out">${tr.t('nav.signOut')}</button>
      </form>
    </div>`;
}

function languagePicker(page: PageContext): SafeHtml {
  const { tr } = page;
  const options = LANGUAGES.map(
    (language) =>
      html`<option value="${language}" lang="${language}" ${language === tr.language ? html` selected` : ''}>
        ${tr.t(`language.${language}`)}
      </option>`,
  );
  return html`<form class="language" method="post" action="/language">
    ${csrfField(page)}<input type="hidden" name="back" value="${page.here}" />
    <label for="language-select">${tr.t('language.label')}</label>
    <select id="language-select" name="language">
      ${options}
    </select>
    <button type="submit" id="set-language">${tr.t('language.apply')}</button>
  </form>`;
}

/** A whole page: landmarks, the language picker, the CSRF token for scripts, the page's own content. */
export function layout(
  page: PageContext,
  options: { title: string; section: Section | null; body: SafeHtml; pageName: string; shortcuts?: MessageKey },
): SafeHtml {
  const { tr } = page;
  return html`<!doctype html>
    <html lang="${tr.language}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="csrf-token" content="${page.csrfToken}" />
        <title>${options.title} · ${tr.t('app.title')}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/static/console.css" />
        <script src="/static/console.js" defer></script>
      </head>
      <body data-page="${options.pageName}">
        <a class="skip" href="#main">${tr.t('app.skip')}</a>
        <header class="top">
          <p class="brand">${tr.t('app.title')}</p>
          ${navigation(page, options.section)} ${languagePicker(page)}
        </header>
        <main id="main" tabindex="-1">
          <h1>${options.title}</h1>
          ${options.body}
        </main>
        ${
          options.shortcuts
            ? html`<footer class="shortcuts">
                <h2>${tr.t('shortcuts.title')}</h2>
                <p>${tr.t(options.shortcuts)}</p>
              </footer>`
            : ''
        }
      </body>
    </html>`;
}

/** A notice or an error in a live region, so a screen reader announces it. */
export function notice(text: string, kind: 'info' | 'error' = 'info'): SafeHtml {
  return kind === 'error'
    ? html`<p class="notice error" role="alert" data-testid="error">${text}</p>`
    : html`<p class="notice" role="status" data-testid="notice">${text}</p>`;
}

/** An error page's body: what went wrong and the way back. */
export function errorBody(page: PageContext, message: string): SafeHtml {
  return html`${notice(message, 'error')}
    <p><a href="/">${page.tr.t('error.home')}</a></p>`;
}
