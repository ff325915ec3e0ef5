import { html, type SafeHtml } from '../html.ts';
import { csrfField, layout, notice, type PageContext } from './layout.ts';

/** The sign-in form; `error` shown above it (a refused token), `info` a notice (the session ended). */
export function signInPage(page: PageContext, message: { error?: string; info?: string } = {}): SafeHtml {
  const { tr } = page;
  const body = html` ${message.error ? notice(message.error, 'error') : ''} ${message.info ? notice(message.info) : ''}
    <p>${tr.t('signIn.intro')}</p>
    <form method="post" action="/sign-in" class="sign-in">
      ${csrfField(page)}
      <label for="token">${tr.t('signIn.token')}</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required spellcheck="false" />
      <button type="submit" id="sign-in">${tr.t('signIn.submit')}</button>
    </form>`;
  return layout(page, { title: tr.t('signIn.title'), section: null, body, pageName: 'sign-in' });
}
