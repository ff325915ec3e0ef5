import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { APIResponse, BrowserContext, Page } from 'playwright-core';
import { cliAs, type AuditRow } from './helpers/actors.ts';
import {
  ABSOLUTE_HOURS,
  apiPost,
  ARTIFACTS,
  CHROMIUM,
  createConsoleWorld,
  csrfOf,
  formPost,
  get,
  startConsole,
  IDLE_MINUTES,
  LANGUAGES,
  setLanguage,
  type ConsoleWorld,
} from './helpers/console-browser.ts';
import { assertNoPersonalData } from './helpers/review-setup.ts';

// its own test, so that a machine without the browser counts a failure, not only cancelled tests
it('Debian’s chromium is installed (the browser tests never download one)', () => {
  assert.ok(existsSync(CHROMIUM), `chromium is missing at ${CHROMIUM}: install it with apt-get install chromium`);
});

/**
 * The officers' console in a real headless browser (Debian's chromium through playwright-core) against the real
 * store: signing in, the queue and its filters, an item's findings, revealing and deciding, the limits of each role
 * and agency, CSRF, sessions' expiry, the CLI and the API writing the same audit entries, screenshots in each
 * language and an accessibility check of every page. No timing is asserted (npm run bench:console measures).
 */
describe('console: the officers’ web console in a browser', () => {
  let cw: ConsoleWorld;
  const contexts: BrowserContext[] = [];

  before(async () => {
    cw = await createConsoleWorld();
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await cw?.close();
  });

  const signIn: ConsoleWorld['signIn'] = async (name, options) => {
    const signedIn = await cw.signIn(name, options);
    contexts.push(signedIn.context);
    return signedIn;
  };
  const freshPage = async (locale?: string): Promise<Page> => {
    const context = await cw.newContext(locale);
    contexts.push(context);
    return context.newPage();
  };
  const pathOf = (page: Page) => new URL(page.url()).pathname;
  const rowIds = (page: Page) =>
    page
      .locator('[data-testid="queue-row"]')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-item-id') ?? ''));
  /** the last audit entry's id: entries written after it are what an operation wrote */
  const auditMark = async () =>
    (await cw.w.query<{ id: string }>(`SELECT coalesce(max(id), 0)::text AS id FROM audit_log`))[0]!.id;
  const auditAfter = (mark: string) =>
    cw.w.query<AuditRow>(
      `SELECT id::text AS id, actor, action, agency_id, subject, details FROM audit_log WHERE id > $1::bigint
        ORDER BY audit_log.id`,
      [mark],
    );
  const auditAbout = async (action: string, key: string) =>
    cw.w.query<AuditRow>(
      `SELECT id::text AS id, actor, action, agency_id, subject, details FROM audit_log WHERE action = $1 AND subject = $2
        ORDER BY audit_log.id`,
      [action, cw.item(key)],
    );
  /** items of agency `a` the store lists under the filter, as the queue must show them */
  const expectedRows = async (filter: { category?: string; status?: string; chat?: string }) =>
    (
      await cw.w.query<{ id: string }>(
        `SELECT r.id FROM review_items r JOIN messages m ON m.id = r.message_id JOIN agencies ag ON ag.id = r.agency_id
           LEFT JOIN chats c ON c.id = m.chat_id
          WHERE ag.slug = 'a' AND ($1::text IS NULL OR $1 = ANY(r.categories)) AND ($2::text IS NULL OR r.status = $2)
            AND ($3::text IS NULL OR c.title = $3)`,
        [filter.category ?? null, filter.status ?? null, filter.chat ?? null],
      )
    )
      .map((r) => r.id)
      .sort();
  /** the queue's filter form (the bulk form carries the same names, hidden) */
  const filters = (page: Page) => page.locator('form:has(#apply-filters)');
  const applyFilters = async (page: Page) => {
    await Promise.all([page.waitForURL(/\/queue\?/), page.click('#apply-filters')]);
  };

  it('an officer signs in, filters the queue, opens an item and sees its findings highlighted', async () => {
    const page = await freshPage();
    await page.goto('/queue');
    assert.equal(pathOf(page), '/sign-in', 'a page without a session sends to sign-in');

    await page.fill('#token', 'agt_not-a-token');
    const [refused] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/sign-in' && r.request().method() === 'POST'),
      page.click('#sign-in'),
    ]);
    assert.equal(refused.status(), 401, 'a bad token is refused');
    await page.locator('[data-testid="error"]').waitFor();

    await page.fill('#token', cw.tokens.olga);
    await Promise.all([page.waitForURL(/\/queue(\?|$)/), page.click('#sign-in')]);
    const cookie = (await page.context().cookies()).find((c) => c.name === 'aitu_session');
    assert.ok(cookie, 'signing in sets aitu_session');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/');
    assert.equal(cookie.secure, false, 'Secure only behind TLS (secure: true)');
    assert.ok(!cookie.value.includes(cw.tokens.olga), 'the cookie is a session id, not the token');

    const b = new Set([cw.item('b:1'), cw.item('b:2')]);
    const shown = await rowIds(page);
    assert.ok(shown.length > 0, 'the queue lists agency a’s items');
    for (const id of shown) assert.ok(!b.has(id), 'no item of agency b in an officer of a’s queue');

    await filters(page).locator('select[name="category"]').selectOption('HEALTH');
    await filters(page).locator('select[name="status"]').selectOption('open');
    await applyFilters(page);
    const health = await expectedRows({ category: 'HEALTH', status: 'open' });
    assert.equal(health.length, 4, 'a2, a4, a7, a9 are open HEALTH items');
    assert.deepEqual((await rowIds(page)).sort(), health, 'filtered by category and status');
    const count = await page.locator('[data-testid="category-count"][data-category="HEALTH"]').innerText();
    assert.match(count, new RegExp(`(^|\\D)${health.length}(\\D|$)`), `the HEALTH count shows ${health.length}`);

    await filters(page).locator('input[name="chat"]').fill('Lab A');
    await applyFilters(page);
    const lab = await expectedRows({ category: 'HEALTH', status: 'open', chat: 'Lab A' });
    assert.equal(lab.length, 2);
    assert.deepEqual((await rowIds(page)).sort(), lab, 'filtered by chat as well');
    assert.equal(new URL(page.url()).searchParams.get('chat'), 'Lab A', 'the filter is in the URL');

    await filters(page).locator('input[name="chat"]').fill('');
    await fillDate(page, 'since', new Date(Date.now() + 2 * 86_400_000));
    await applyFilters(page);
    assert.deepEqual(await rowIds(page), [], 'nothing opened after the day after tomorrow');
    await fillDate(page, 'since', new Date(Date.now() - 2 * 86_400_000));
    await fillDate(page, 'until', new Date(Date.now() + 2 * 86_400_000));
    await applyFilters(page);
    assert.deepEqual((await rowIds(page)).sort(), health, 'every open HEALTH item was opened in the window');

    const id = cw.item('a:2');
    const mark = await auditMark();
    await Promise.all([
      page.waitForURL(new RegExp(`/items/${id}$`)),
      page.locator(`[data-testid="queue-row"][data-item-id="${id}"] a`).first().click(),
    ]);
    const redacted = page.locator('[data-testid="redacted-text"]');
    await redacted.waitFor();
    assert.ok(!(await redacted.innerText()).includes('туберкулез'), 'the text shown is the redacted copy');
    const marks = redacted.locator('mark[data-category="HEALTH"]');
    assert.ok((await marks.count()) >= 1, 'the HEALTH finding is highlighted');
    const confidence = Number(await marks.first().getAttribute('data-confidence'));
    assert.ok(confidence > 0 && confidence <= 1, `data-confidence ${confidence} is a score`);
    assert.ok(((await marks.first().getAttribute('title')) ?? '').trim().length > 0, 'the mark explains itself');
    const explanation = page.locator('[data-testid="explanation"]').first();
    assert.ok(await explanation.isVisible(), 'a visible explanation list');
    assert.ok((await explanation.innerText()).trim().length > 0);
    const context = page.locator('[data-testid="context-message"]');
    assert.ok((await context.count()) >= 1, 'the conversation around the item is shown');
    assert.ok(
      (await context.allInnerTexts()).some((t) => t.includes('планерка')),
      'the plain message of the same chat is in the context',
    );
    assertNoPersonalData(await page.content(), 'the item page before the original is revealed');
    assert.ok(await page.locator('#show-original').isVisible(), 'an officer of the agency may reveal the original');
    assert.equal(await page.locator('[data-testid="original-text"]').count(), 0, 'the original is not shown unasked');
    assert.deepEqual(
      (await auditAfter(mark)).filter((e) => e.action === 'review.view-original'),
      [],
      'opening the item reads no original',
    );
  });

  it('the officer reveals the original and decides the item with a note: store, delivered message and audit log', async () => {
    const { page } = await signIn('olga');
    const id = cw.item('a:1');
    await page.goto(`/items/${id}`);
    await page.click('#show-original');
    const original = page.locator('[data-testid="original-text"]');
    await original.waitFor();
    assert.ok((await original.innerText()).includes(cw.original('a:1')), 'the decrypted original is shown');
    const viewed = await auditAbout('review.view-original', 'a:1');
    assert.equal(viewed.length, 1, 'revealing is audited once');
    assert.equal(viewed[0]!.actor, 'olga');
    assert.equal(viewed[0]!.details.role, 'officer');
    assert.equal(viewed[0]!.agency_id, cw.w.agencies.a);

    const note = `checked with the applicant ${randomUUID()}`;
    await page.selectOption('#decision select[name="decision"]', 'approve');
    await page.fill('#decision textarea[name="note"]', note);
    const [decided] = await Promise.all([
      page.waitForResponse(
        (r) => new URL(r.url()).pathname === `/items/${id}/decision` && r.request().method() === 'POST',
      ),
      page.click('#decide'),
    ]);
    assert.ok(decided.status() < 400, `the decision was accepted (${decided.status()})`);

    const [item] = await cw.w.query<{ status: string; decided_by: string; note: string }>(
      `SELECT status, decided_by, note FROM review_items WHERE id = $1`,
      [id],
    );
    assert.deepEqual(item, { status: 'approved', decided_by: 'olga', note });
    const [message] = await cw.w.query<{ text: string; withdrawn: boolean }>(
      `SELECT m.text, m.withdrawn FROM messages m JOIN review_items r ON r.message_id = m.id WHERE r.id = $1`,
      [id],
    );
    assert.deepEqual(message, { text: cw.original('a:1'), withdrawn: false }, 'approving delivered the original');
    const entries = await auditAbout('review.decide', 'a:1');
    assert.equal(entries.length, 1);
    const entry = entries[0]!;
    assert.equal(entry.actor, 'olga');
    assert.equal(entry.agency_id, cw.w.agencies.a);
    assert.deepEqual(
      [entry.details.decision, entry.details.from, entry.details.to, entry.details.role],
      ['approve', 'open', 'approved', 'officer'],
    );
    assert.equal(entry.details.noteSha256, createHash('sha256').update(note, 'utf8').digest('hex'));
    assert.ok(!JSON.stringify(entry).includes('applicant'), 'the note itself is not in the audit log');
    assertNoPersonalData(JSON.stringify(entry), 'the decision’s audit entry');
  });

  it('an auditor is refused the original, in the page and by a direct API request', async () => {
    const { page } = await signIn('ada');
    const id = cw.item('a:3');
    const mark = await auditMark();
    const response = await page.goto(`/items/${id}`);
    assert.equal(response?.status(), 200, 'an auditor reads the redacted item');
    await page.locator('[data-testid="redacted-text"]').waitFor();
    assert.equal(await page.locator('#show-original').count(), 0, 'no button to reveal the original');
    assert.equal(await page.locator('[data-testid="original-text"]').count(), 0);
    assertNoPersonalData(await page.content(), 'the item page an auditor sees');

    const csrf = await csrfOf(page);
    const api = await apiPost(page, `/api/review/${id}/original`, {}, csrf);
    assert.equal(api.status(), 403, 'POST /api/review/:id/original refuses an auditor');
    assertNoPersonalData(await api.text(), 'the API’s refusal');
    const form = await formPost(page, `/items/${id}/original`, { _csrf: csrf });
    assert.equal(form.status(), 403, 'POST /items/:id/original refuses an auditor');
    assertNoPersonalData(await form.text(), 'the page’s refusal');
    const decision = await apiPost(page, `/api/review/${id}/decision`, { decision: 'approve' }, csrf);
    assert.equal(decision.status(), 403, 'an auditor decides nothing');
    assert.equal(await cw.status('a:3'), 'open');

    const written = await auditAfter(mark);
    assert.deepEqual(
      written.filter((e) => e.action === 'review.view-original'),
      [],
      'no original was read',
    );
    const refusals = written.filter((e) => e.action === 'auth.refused');
    assert.ok(refusals.length >= 2, 'every refusal is audited (auth.refused), whichever front end it came through');
    for (const r of refusals) assert.equal(r.actor, 'ada');
  });

  it('an officer of agency a gets nothing of agency b’s items, by URL guessing either', async () => {
    const { page } = await signIn('olga');
    const bItem = cw.item('b:1');
    const unknown = randomUUID();
    const mark = await auditMark();

    await page.goto('/queue?agency=b');
    assert.deepEqual(await rowIds(page), [], 'filtering by agency b lists nothing');
    assert.ok(!(await page.content()).includes('Ministry B'));

    const pageOf = async (id: string) => {
      const response = await page.goto(`/items/${id}`);
      return { status: response?.status(), text: (await page.locator('body').innerText()).replaceAll(id, '<id>') };
    };
    const guessed = await pageOf(bItem);
    const missing = await pageOf(unknown);
    assert.equal(guessed.status, 404, 'another agency’s item is not found');
    assert.deepEqual(guessed, missing, 'the same page as for an unknown id');
    assert.ok(!guessed.text.includes('Ministry B'));

    const csrf = await csrfOf(page);
    const apiOf = async (id: string) => {
      const responses = [
        await get(page, `/api/review/${id}`),
        await apiPost(page, `/api/review/${id}/original`, {}, csrf),
        await apiPost(page, `/api/review/${id}/decision`, { decision: 'reject', note: 'guess' }, csrf),
        await apiPost(page, `/api/review/${id}/escalate`, { note: 'guess' }, csrf),
        await formPost(page, `/items/${id}/original`, { _csrf: csrf }),
        await formPost(page, `/items/${id}/decision`, { decision: 'reject', note: 'guess', _csrf: csrf }),
      ];
      // CSRF tokens are salted afresh for every response: no difference between the two
      const body = async (r: APIResponse) =>
        (await r.text())
          .replaceAll(id, '<id>')
          .replace(/(name="csrf-token" content=|name="_csrf" value=)"[^"]*"/g, '$1""');
      return Promise.all(responses.map(async (r) => [r.status(), await body(r)]));
    };
    const guessedApi = await apiOf(bItem);
    for (const [status] of guessedApi) assert.equal(status, 404);
    assert.deepEqual(guessedApi, await apiOf(unknown), 'the API answers a guessed id as an unknown one');
    for (const [, body] of guessedApi) assertNoPersonalData(String(body), 'a refusal');
    assert.equal(await cw.status('b:1'), 'open', 'nothing of b was decided');

    const listed = (await (await get(page, '/api/review?agency=b')).json()) as { items: unknown[] };
    assert.deepEqual(listed.items, []);
    const all = (await (await get(page, '/api/review')).json()) as { items: { id: string }[] };
    assert.ok(all.items.length > 0);
    assert.ok(!all.items.some((i) => i.id === bItem || i.id === cw.item('b:2')));
    for (const url of ['/reports?agency=b', '/reports.csv?agency=b']) {
      const report = await get(page, url);
      assert.ok(report.status() >= 400, `${url} is refused (${report.status()})`);
    }

    const aboutB = (await auditAfter(mark)).filter(
      (e) => e.agency_id === cw.w.agencies.b || e.subject === bItem || e.subject === cw.item('b:2'),
    );
    assert.deepEqual(aboutB, [], 'the audit log records nothing of b read or changed by olga');

    const { page: borisPage } = await signIn('boris');
    const own = await borisPage.goto(`/items/${bItem}`);
    assert.equal(own?.status(), 200, 'the same URL works for an officer of b');
  });

  it('a request without the CSRF token is refused', async () => {
    const { page } = await signIn('olga');
    const id = cw.item('a:7');
    const csrf = await csrfOf(page);
    const session = (await (await get(page, '/api/session')).json()) as { csrfToken: string; role: string };
    assert.ok(session.csrfToken, 'GET /api/session gives a token');
    assert.equal(session.role, 'officer');

    const refused = [
      await apiPost(page, `/api/review/${id}/decision`, { decision: 'redact' }),
      await apiPost(page, `/api/review/${id}/decision`, { decision: 'redact' }, 'not-the-token'),
      await formPost(page, `/items/${id}/decision`, { decision: 'redact', note: 'x' }),
      await formPost(page, `/items/${id}/decision`, { decision: 'redact', note: 'x', _csrf: `${csrf}x` }),
      await formPost(page, `/items/${id}/original`, {}),
      await formPost(page, '/queue/decide', { ids: id, decision: 'redact' }),
      await formPost(page, '/language', { language: 'ru' }),
      await formPost(page, '/sign-out', {}),
    ];
    assert.deepEqual(
      refused.map((r) => r.status()),
      refused.map(() => 403),
    );
    assert.equal(await cw.status('a:7'), 'open', 'no refused request decided the item');
    assert.equal((await get(page, '/api/session')).status(), 200, 'a sign-out without the token did not sign out');

    const anonymous = await freshPage();
    await anonymous.goto('/sign-in');
    const signInWithout = await formPost(anonymous, '/sign-in', { token: cw.tokens.olga });
    assert.equal(signInWithout.status(), 403, 'signing in without the form’s token is refused');
    await anonymous.goto('/queue');
    assert.equal(pathOf(anonymous), '/sign-in', 'and made no session');

    const accepted = await apiPost(
      page,
      `/api/review/${id}/decision`,
      { decision: 'redact', note: 'ok' },
      session.csrfToken,
    );
    assert.equal(accepted.status(), 200, 'the same request with /api/session’s token is accepted');
    assert.equal(((await accepted.json()) as { outcome: { status: string } }).outcome.status, 'redacted');
    assert.equal(await cw.status('a:7'), 'redacted');
  });

  it('the same operation through the CLI and through the API leaves the same audit entries', async () => {
    const { page } = await signIn('olga');
    const csrf = await csrfOf(page);
    const note = 'second opinion needed';
    /** what one operation wrote, with its own item and message ids replaced so two items compare */
    const written = async (key: string, operation: () => Promise<void>) => {
      const mark = await auditMark();
      await operation();
      const [message] = await cw.w.query<{ id: string }>(
        `SELECT message_id::text AS id FROM review_items WHERE id = $1`,
        [cw.item(key)],
      );
      return (await auditAfter(mark)).map(({ id: _id, ...entry }) => ({
        ...entry,
        subject: entry.subject === cw.item(key) ? '<item>' : entry.subject,
        details: { ...entry.details, messageId: entry.details.messageId === message!.id ? '<message>' : '?' },
      }));
    };
    const cli = async (args: string[]) => {
      const result = await cliAs(cw.w, cw.tokens.olga, args);
      assert.equal(result.code, 0, result.stderr);
    };
    const api = async (url: string, body: unknown) => {
      const response = await apiPost(page, url, body, csrf);
      assert.equal(response.status(), 200, `${url}: ${await response.text()}`);
    };

    const operations: [string, () => Promise<unknown[]>, () => Promise<unknown[]>][] = [
      [
        'view the original',
        () => written('a:5', () => cli(['review', 'show', cw.item('a:5')])),
        () => written('a:8', () => api(`/api/review/${cw.item('a:8')}/original`, {})),
      ],
      [
        'decide',
        () => written('a:5', () => cli(['review', 'decide', cw.item('a:5'), '--redact', '--note', note])),
        () => written('a:8', () => api(`/api/review/${cw.item('a:8')}/decision`, { decision: 'redact', note })),
      ],
      [
        'escalate',
        () => written('a:4', () => cli(['review', 'escalate', cw.item('a:4'), '--note', note])),
        () => written('a:9', () => api(`/api/review/${cw.item('a:9')}/escalate`, { note })),
      ],
    ];
    for (const [what, throughCli, throughApi] of operations) {
      const fromCli = await throughCli();
      assert.ok(fromCli.length > 0, `${what} through the CLI is audited`);
      assert.deepEqual(await throughApi(), fromCli, `${what}: the API writes what the CLI writes`);
    }
    assert.deepEqual(
      [await cw.status('a:5'), await cw.status('a:8'), await cw.status('a:4'), await cw.status('a:9')],
      ['redacted', 'redacted', 'escalated', 'escalated'],
    );
  });

  it('keyboard: j moves, x selects, o opens the item', async () => {
    const { page } = await signIn('olga');
    await page.goto(`/queue?status=open&chat=${encodeURIComponent('Registry A')}`);
    assert.deepEqual((await rowIds(page)).sort(), [cw.item('a:11'), cw.item('a:12')].sort());
    await page.locator('body').press('j');
    await page.locator('body').press('x');
    const checked = await page
      .locator('input[name="ids"]:checked')
      .evaluateAll((boxes) => boxes.map((b) => (b as unknown as { value: string }).value));
    assert.equal(checked.length, 1, 'x selected the current row');
    await Promise.all([page.waitForURL(/\/items\//), page.locator('body').press('o')]);
    assert.equal(pathOf(page), `/items/${checked[0]}`, 'o opened the row it is on');
  });

  it('bulk: the preview counts what a filter would decide, then the decision reaches exactly those items', async () => {
    const { page } = await signIn('olga');
    const filter = { status: 'open', chat: 'Registry A' };
    const query = new URLSearchParams(filter).toString();
    const preview = await get(page, `/queue/preview?${query}`);
    assert.equal(preview.status(), 200);
    assert.deepEqual(await preview.json(), { count: 2 });
    const other = await get(page, '/queue/preview?status=open&agency=b');
    assert.deepEqual(await other.json(), { count: 0 }, 'another agency’s items are not counted');

    await page.goto(`/queue?${query}`);
    const unconfirmed = await formPost(page, '/queue/decide', {
      ...filter,
      scope: 'filter',
      decision: 'reject',
      _csrf: await csrfOf(page),
    });
    assert.equal(unconfirmed.status(), 200, 'a decision by filter without its previewed count asks first');
    assert.match(await unconfirmed.text(), /id="confirm-decide"/);
    assert.deepEqual([await cw.status('a:11'), await cw.status('a:12')], ['open', 'open']);

    const mark = await auditMark();
    await page.check('#scope-filter');
    await page.selectOption('#bulk-decision', 'reject');
    await page.fill('#bulk-note', 'duplicates');
    const count = page.locator('#bulk [data-testid="preview-count"]');
    await page.waitForFunction((el) => /(^|\D)2(\D|$)/.test(el?.textContent ?? ''), await count.elementHandle());
    await Promise.all([page.waitForURL(/decided=2/), page.click('#bulk-decide')]);
    assert.deepEqual([await cw.status('a:11'), await cw.status('a:12')], ['rejected', 'rejected']);
    const entries = (await auditAfter(mark)).filter((e) => e.action === 'review.decide');
    assert.deepEqual(entries.map((e) => e.subject).sort(), [cw.item('a:11'), cw.item('a:12')].sort());
    assert.equal(await cw.status('b:1'), 'open');
    assert.equal(await cw.status('b:2'), 'open');
  });

  it('sign-in attempts are limited per address (429)', async () => {
    const limited = await startConsole(cw.w, { signInPerMinute: 3 });
    try {
      const context = await cw.browser.newContext({ baseURL: limited.baseUrl });
      contexts.push(context);
      const page = await context.newPage();
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        await page.goto('/sign-in');
        const form = { token: 'agt_not-a-token', _csrf: await csrfOf(page) };
        statuses.push((await formPost(page, '/sign-in', form)).status());
      }
      assert.deepEqual(statuses, [401, 401, 401, 429]);
    } finally {
      await limited.app.close();
    }
  });

  it('writes screenshots of the queue and of an item in each language (artifacts/console/)', async () => {
    const labels = new Set<string>();
    for (const language of LANGUAGES) {
      // the browser's locale too, so that its own parts (date inputs) speak the language
      const { page } = await signIn('olga', { locale: language });
      await setLanguage(page, language);
      await page.goto('/queue');
      assert.equal(await page.locator('html').getAttribute('lang'), language);
      assert.ok(await page.locator('select[name="language"]').isVisible(), 'a language picker on the queue');
      labels.add((await page.locator('#apply-filters').innerText()).trim());
      await page.screenshot({ path: path.join(ARTIFACTS, `queue-${language}.png`), fullPage: true });
      await page.goto(`/items/${cw.item('a:2')}`);
      assert.equal(await page.locator('html').getAttribute('lang'), language);
      assert.ok(await page.locator('select[name="language"]').isVisible(), 'a language picker on the item');
      await page.screenshot({ path: path.join(ARTIFACTS, `item-${language}.png`), fullPage: true });
      for (const name of [`queue-${language}.png`, `item-${language}.png`])
        assert.ok(statSync(path.join(ARTIFACTS, name)).size > 1000, `${name} was written`);
    }
    assert.equal(labels.size, LANGUAGES.length, `the filter button is translated: ${[...labels].join(' | ')}`);

    const { page: again } = await signIn('olga');
    assert.equal(
      await again.locator('html').getAttribute('lang'),
      LANGUAGES.at(-1),
      'the language is remembered for the person across sessions',
    );
    await again.selectOption('select[name="language"]', 'ru');
    const submit = again.locator('form:has(select[name="language"]) [type="submit"]');
    if ((await submit.count()) > 0 && (await submit.first().isVisible())) await submit.first().click();
    await again.waitForFunction("document.documentElement.lang === 'ru'");
  });

  it('axe reports no serious or critical violation on any page, in each language', async () => {
    const problems: string[] = [];
    const check = async (page: Page, what: string) => {
      const result = await new AxeBuilder({ page }).analyze();
      for (const v of result.violations) {
        if (v.impact !== 'serious' && v.impact !== 'critical') continue;
        const where = v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join('; ');
        problems.push(`${what}: ${v.impact} ${v.id} (${v.help}) at ${where}`);
      }
    };
    const { page } = await signIn('root');
    for (const language of LANGUAGES) {
      const signInPage = await freshPage(language);
      await signInPage.goto('/sign-in');
      await check(signInPage, `sign-in [${language}]`);

      await setLanguage(page, language);
      const pages: [string, string][] = [
        ['queue', '/queue'],
        ['item', `/items/${cw.item('a:2')}`],
        ['reports', '/reports?agency=a'],
        ['audit', '/audit'],
        ['operations', '/operations'],
      ];
      for (const [name, url] of pages) {
        const response = await page.goto(url);
        assert.equal(response?.status(), 200, `${url} opens for an admin`);
        assert.equal(await page.locator('html').getAttribute('lang'), language, `${url} in ${language}`);
        if (name === 'reports') await page.locator('[data-testid="chart"]').waitFor();
        if (name === 'audit') assert.ok((await page.locator('[data-testid="audit-row"]').count()) > 0);
        if (name === 'operations') assert.equal(await page.locator('[data-testid="dead-letter"]').count(), 1);
        await check(page, `${name} [${language}]`);
      }
      await page.goto(`/items/${cw.item('a:2')}`);
      await page.click('#show-original');
      await page.locator('[data-testid="original-text"]').waitFor();
      await check(page, `item with its original [${language}]`);
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  });

  it('signing out ends the session: its cookie no longer opens a page', async () => {
    const { context, page } = await signIn('olga');
    const cookie = (await context.cookies()).find((c) => c.name === 'aitu_session')!;
    const out = await formPost(page, '/sign-out', { _csrf: await csrfOf(page) });
    assert.ok(out.status() < 400, `POST /sign-out (${out.status()})`);
    const replay = await freshPage();
    await replay.context().addCookies([cookie]);
    await replay.goto('/queue');
    assert.equal(pathOf(replay), '/sign-in', 'the old session id is dead on the server, not only forgotten');
  });

  // last: it moves the console's clock, which every session shares
  it('an expired session is sent to sign-in (idle and absolute limits); the API answers 401', async () => {
    const { page } = await signIn('olga');
    cw.advanceClock(IDLE_MINUTES - 2);
    await page.goto('/queue');
    assert.equal(pathOf(page), '/queue', 'still signed in before the idle limit');
    cw.advanceClock(IDLE_MINUTES + 1);
    await page.goto('/queue');
    assert.equal(pathOf(page), '/sign-in', 'idle too long: sent to sign-in');
    const api = await get(page, '/api/session');
    assert.equal(api.status(), 401);
    assert.match(api.headers()['content-type'] ?? '', /json/);
    await page.goto(`/items/${cw.item('a:2')}`);
    assert.equal(pathOf(page), '/sign-in', 'an item page too');

    const { page: busy } = await signIn('olga');
    const step = IDLE_MINUTES - 5;
    let elapsed = 0;
    while (elapsed + step < ABSOLUTE_HOURS * 60) {
      cw.advanceClock(step);
      elapsed += step;
      await busy.goto('/queue');
      assert.equal(pathOf(busy), '/queue', `still signed in after ${elapsed} busy minutes`);
    }
    cw.advanceClock(step);
    await busy.goto('/queue');
    assert.equal(pathOf(busy), '/sign-in', `signed out after ${elapsed + step} minutes however busy`);
  });
});

/** Fills a date filter whichever input type the page uses for it (date, datetime-local or text). */
async function fillDate(page: Page, name: string, at: Date): Promise<void> {
  const input = page.locator(`form:has(#apply-filters) input[name="${name}"]`);
  const type = (await input.getAttribute('type')) ?? 'text';
  const iso = at.toISOString();
  await input.fill(type === 'date' ? iso.slice(0, 10) : type === 'datetime-local' ? iso.slice(0, 16) : iso);
}
