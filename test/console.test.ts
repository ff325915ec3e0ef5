import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildConsole } from '../src/console/app.ts';
import { auditOf, cliAs } from './helpers/actors.ts';
import { TestBrowser, testIdText } from './helpers/console.ts';
import { createPeople } from './helpers/people.ts';
import { assertNoPersonalData, createReviewWorld, inbound, PLANTED, type ReviewWorld } from './helpers/review-setup.ts';

const iinText = (n: string) => `ИИН заявителя ${PLANTED.iin}, прошу проверить ${n}`;
const healthText = (n: string) => `Пациенту поставлен диагноз ${PLANTED.diagnosis} легких ${n}`;

/**
 * The officers' console over HTTP against the real store: sessions and their cookie, CSRF, the sign-in limit,
 * roles and agency scope on every request (the service layer's, as the CLI's), the audit entries, languages.
 */
describe('console: sessions, CSRF, roles and audit over HTTP', () => {
  let w: ReviewWorld;
  let app: FastifyInstance;
  let tokens: Record<'root' | 'olga' | 'boris' | 'ada' | 'oleg', string>;
  /** the console's clock: tests move it to expire sessions */
  let clock = Date.parse('2026-03-01T08:00:00Z');
  const items = new Map<string, string>();
  const item = (key: string) => items.get(key)!;

  before(async () => {
    w = await createReviewWorld(['a', 'b']);
    await w.deliver('a', [
      inbound('-1001', 'Polyclinic A', '1', 'Доброе утро, коллеги'),
      inbound('-1001', 'Polyclinic A', '2', iinText('a2')),
      inbound('-1001', 'Polyclinic A', '3', iinText('a3')),
      inbound('-1001', 'Polyclinic A', '4', healthText('a4')),
      inbound('-1001', 'Polyclinic A', '5', iinText('a5')),
      inbound('-1001', 'Polyclinic A', '6', 'Спасибо, принято'),
      inbound('-1002', 'Lab A', '7', healthText('a7')),
      inbound('-1002', 'Lab A', '8', healthText('a8')),
    ]);
    await w.deliver('b', [inbound('-2001', 'Ministry B', '1', iinText('b1'))]);
    ({ tokens } = await createPeople(w.db.store, {
      root: { role: 'admin' },
      olga: { role: 'officer', agencies: ['a'] },
      boris: { role: 'officer', agencies: ['b'] },
      ada: { role: 'auditor' },
      oleg: { role: 'operator' },
    }));
    const rows = await w.query<{ id: string; slug: string; source_message_id: string }>(
      `SELECT r.id, a.slug, m.source_message_id FROM review_items r JOIN messages m ON m.id = r.message_id JOIN agencies a ON a.id = r.agency_id`,
    );
    for (const r of rows) items.set(`${r.slug}:${r.source_message_id}`, r.id);
    assert.equal(items.size, 7);
    // every test signs in from the same address: the limit is the subject of a test of its own, on its own console
    app = await buildConsole({
      store: w.db.store,
      keyFile: w.keyFile,
      now: () => new Date(clock),
      sealIntervalMs: 0,
      signInPerMinute: 1000,
    });
  });
  after(async () => {
    await app?.close();
    await w?.close();
  });

  const signedIn = async (who: keyof typeof tokens, headers: Record<string, string> = {}) => {
    const browser = new TestBrowser(app, headers);
    const answer = await browser.signIn(tokens[who]);
    assert.equal(answer.status, 303, `${who} signs in`);
    return browser;
  };

  it('sign-in turns the token into a server-side session: an HttpOnly, SameSite=Strict cookie, Secure behind TLS', async () => {
    const browser = new TestBrowser(app);
    const form = await browser.get('/sign-in');
    assert.equal(form.status, 200);
    assert.match(form.body, /<html lang="(kk|ru|en)">/);
    const answer = await browser.post('/sign-in', { token: tokens.olga });
    assert.equal(answer.status, 303);
    assert.equal(answer.location, '/queue');
    const cookie = answer.setCookies.find((c) => c.startsWith('aitu_session='));
    assert.ok(cookie, 'the session cookie is set');
    assert.match(cookie, /;\s*HttpOnly/i);
    assert.match(cookie, /;\s*SameSite=Strict/i);
    assert.match(cookie, /;\s*Path=\//i);
    assert.doesNotMatch(cookie, /;\s*Secure/i, 'not Secure when served without TLS');
    assert.ok(!cookie.includes(tokens.olga), 'the cookie is not the token');
    // the table keeps the id's digest only, never the cookie's value or the token
    const id = cookie.split(';')[0]!.split('=')[1]!;
    const stored = await w.query<{ id_hash: string; token_hash: string }>(
      `SELECT id_hash, token_hash FROM console_sessions`,
    );
    assert.ok(stored.length >= 1);
    assert.ok(stored.every((s) => s.id_hash !== id && !s.id_hash.includes(id)));
    const queue = await browser.get('/queue');
    assert.equal(queue.status, 200);
    assert.match(queue.body, /data-testid="queue-row"/);
    assert.equal((await auditOf(w, 'console.sign-in')).at(-1)?.actor, 'olga');

    const behindTls = await buildConsole({ store: w.db.store, keyFile: w.keyFile, secure: true, sealIntervalMs: 0 });
    try {
      const secure = new TestBrowser(behindTls);
      const signIn = await secure.get('/sign-in');
      assert.match(
        signIn.setCookies.find((c) => c.startsWith('aitu_csrf='))!,
        /;\s*Secure/i,
      );
      const answer = await secure.post('/sign-in', { token: tokens.olga });
      assert.equal(answer.status, 303);
      assert.match(
        answer.setCookies.find((c) => c.startsWith('aitu_session='))!,
        /;\s*Secure/i,
      );
    } finally {
      await behindTls.close();
    }
  });

  it('a wrong token gets the sign-in page again with 401 and the error, audited as a refusal', async () => {
    const refusedBefore = (await auditOf(w, 'auth.refused')).length;
    const browser = new TestBrowser(app, { 'accept-language': 'en' });
    await browser.get('/sign-in');
    const answer = await browser.post('/sign-in', { token: 'agt_not-a-token-anyone-has' });
    assert.equal(answer.status, 401);
    assert.match(testIdText(answer.body, 'error') ?? '', /token is not valid/);
    assert.ok(!answer.setCookies.some((c) => c.startsWith('aitu_session=')), 'no session');
    const refused = (await auditOf(w, 'auth.refused')).slice(refusedBefore);
    assert.equal(refused.length, 1);
    assert.equal(refused[0]!.details.command, 'console sign-in');
    assert.ok(!JSON.stringify(refused).includes('agt_not-a-token'), 'never the token itself');
  });

  it('every state-changing request needs the CSRF token: without it, or with a wrong one, 403 and nothing changes', async () => {
    const browser = await signedIn('olga');
    const id = item('a:2');
    const decisionsBefore = (await auditOf(w, 'review.decide')).length;
    const missing = await browser.post(`/items/${id}/decision`, { decision: 'approve' }, { csrf: false });
    assert.equal(missing.status, 403);
    assert.ok(testIdText(missing.body, 'error'), 'a page that says why');
    const wrong = await browser.post(`/items/${id}/decision`, { decision: 'approve' }, { csrf: 'abc-def' });
    assert.equal(wrong.status, 403);
    // a token of another session does not pass either
    const other = await signedIn('root');
    const foreign = await browser.post(`/items/${id}/decision`, { decision: 'approve' }, { csrf: other.csrf! });
    assert.equal(foreign.status, 403);
    const api = await browser.api('POST', `/api/review/${id}/decision`, { decision: 'approve' }, { csrf: false });
    assert.equal(api.status, 403);
    assert.equal(api.json().error, 'csrf');
    // sign-in and sign-out too
    const anonymous = new TestBrowser(app);
    await anonymous.get('/sign-in');
    assert.equal((await anonymous.post('/sign-in', { token: tokens.olga }, { csrf: false })).status, 403);
    assert.equal((await browser.post('/sign-out', {}, { csrf: false })).status, 403);
    assert.equal((await auditOf(w, 'review.decide')).length, decisionsBefore);
    const [status] = await w.query<{ status: string }>(`SELECT status FROM review_items WHERE id = $1`, [id]);
    assert.equal(status!.status, 'open');
  });

  it('the 11th sign-in attempt from one address within a minute gets 429', async () => {
    const limited = await buildConsole({ store: w.db.store, keyFile: w.keyFile, sealIntervalMs: 0 });
    try {
      const browser = new TestBrowser(limited, { 'accept-language': 'ru' });
      await browser.get('/sign-in');
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) statuses.push((await browser.post('/sign-in', { token: `agt_wrong-${i}` })).status);
      assert.deepEqual(statuses, [...Array(10).fill(401), 429]);
      // even the right token waits
      const blocked = await browser.post('/sign-in', { token: tokens.olga });
      assert.equal(blocked.status, 429);
      assert.match(testIdText(blocked.body, 'error') ?? '', /Слишком много попыток входа/);
      assert.ok(blocked.headers['retry-after']);
    } finally {
      await limited.close();
    }
  });

  it('a session idle for longer than 30 minutes is over: pages go to /sign-in, the API answers 401', async () => {
    const browser = await signedIn('olga');
    clock += 29 * 60_000;
    assert.equal((await browser.get('/queue')).status, 200, 'still alive after 29 minutes');
    clock += 29 * 60_000;
    assert.equal((await browser.get('/queue')).status, 200, 'each request moves the idle limit');
    clock += 31 * 60_000;
    const page = await browser.get('/queue');
    assert.equal(page.status, 303);
    assert.equal(page.location, '/sign-in?expired=1');
    const api = await browser.api('GET', '/api/review');
    assert.equal(api.status, 401);
    assert.equal(api.json().error, 'unauthenticated');
    const signInPage = await browser.get('/sign-in?expired=1');
    assert.ok(testIdText(signInPage.body, 'notice'), 'the sign-in page says the session ended');
  });

  it('a session ends 12 hours after sign-in however busy it is, and when its person is disabled', async () => {
    const browser = await signedIn('olga');
    for (let i = 0; i < 36; i++) {
      clock += 20 * 60_000;
      assert.equal((await browser.get('/queue')).status, 200, `request ${i} at ${(i + 1) * 20} minutes`);
    }
    clock += 20 * 60_000;
    assert.equal((await browser.get('/queue')).status, 303, 'past 12 hours');

    const boris = await signedIn('boris');
    assert.equal((await boris.get('/queue')).status, 200);
    await w.query(`UPDATE users SET disabled = true WHERE name = 'boris'`);
    try {
      assert.equal((await boris.get('/queue')).status, 303, 'a disabled person is signed out at the next request');
      assert.equal(
        (await w.query(`SELECT 1 FROM console_sessions s JOIN users u ON u.id = s.user_id WHERE u.name = 'boris'`))
          .length,
        0,
      );
    } finally {
      await w.query(`UPDATE users SET disabled = false WHERE name = 'boris'`);
    }
  });

  it('an auditor reads items redacted and is refused the original, by the API (403) and by the page', async () => {
    const ada = await signedIn('ada');
    const id = item('a:3');
    const page = await ada.get(`/items/${id}`);
    assert.equal(page.status, 200);
    assert.ok(!page.body.includes('id="show-original"'), 'no button for someone who may not read it');
    assert.ok(!page.body.includes('id="decision"'), 'nor a decision form');
    assertNoPersonalData(page.body, 'the item page an auditor sees');
    const api = await ada.api('POST', `/api/review/${id}/original`);
    assert.equal(api.status, 403);
    assert.equal(api.json().error, 'forbidden-role');
    assertNoPersonalData(api.body, 'the refusal');
    const byForm = await ada.post(`/items/${id}/original`);
    assert.equal(byForm.status, 403);
    assert.ok(testIdText(byForm.body, 'error'));
    assertNoPersonalData(byForm.body, 'the refused page');
    const views = (await auditOf(w, 'review.view-original')).filter((e) => e.subject === id);
    assert.deepEqual(views, [], 'nothing was viewed');
    const refusals = (await auditOf(w, 'auth.refused')).filter((e) => e.actor === 'ada');
    assert.deepEqual(
      refusals.map((e) => e.details.command),
      ['console review original', 'console review original'],
    );
  });

  it("an officer of agency a gets 404 for agency b's item by its address, exactly as for an unknown id", async () => {
    const olga = await signedIn('olga');
    const other = await olga.get(`/items/${item('b:1')}`);
    const unknown = await olga.get('/items/00000000-0000-4000-8000-000000000000');
    const malformed = await olga.get('/items/not-an-id');
    assert.equal(other.status, 404);
    assert.equal(unknown.status, 404);
    assert.equal(malformed.status, 404);
    assert.equal(testIdText(other.body, 'error'), testIdText(unknown.body, 'error'));
    assertNoPersonalData(other.body, "the answer about b's item");
    const api = await olga.api('GET', `/api/review/${item('b:1')}`);
    assert.equal(api.status, 404);
    assert.equal(api.json().error, 'not-found');
    const original = await olga.api('POST', `/api/review/${item('b:1')}/original`);
    assert.equal(original.status, 404);
    const decide = await olga.api('POST', `/api/review/${item('b:1')}/decision`, { decision: 'reject' });
    assert.equal(decide.status, 404);
    const [b] = await w.query<{ status: string }>(`SELECT status FROM review_items WHERE id = $1`, [item('b:1')]);
    assert.equal(b!.status, 'open');
    // and b's items are not in a's queue, whatever the filter says
    const queue = await olga.get('/queue?agency=b&status=');
    assert.ok(!queue.body.includes(item('b:1')));
  });

  it("a decision through the API writes the same audit entry as the CLI's review decide", async () => {
    const cli = await cliAs(w, tokens.olga, [
      'review',
      'decide',
      item('a:2'),
      '--approve',
      '--note',
      'checked with the clinic',
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    const olga = await signedIn('olga');
    const api = await olga.api('POST', `/api/review/${item('a:5')}/decision`, {
      decision: 'approve',
      note: 'checked with the clinic',
    });
    assert.equal(api.status, 200, api.body);
    assert.deepEqual(api.json().outcome, { id: item('a:5'), status: 'approved' });
    const entries = await auditOf(w, 'review.decide');
    const byCli = entries.find((e) => e.subject === item('a:2'))!;
    const byApi = entries.find((e) => e.subject === item('a:5'))!;
    assert.ok(byCli && byApi);
    const [cliMessage, apiMessage] = [byCli.details.messageId, byApi.details.messageId];
    assert.notEqual(cliMessage, apiMessage);
    const same = (e: typeof byCli) => ({
      actor: e.actor,
      action: e.action,
      agency: e.agency_id,
      details: { ...e.details, messageId: 'the item’s' },
    });
    assert.deepEqual(same(byApi), same(byCli));
    assert.equal(byApi.details.decision, 'approve');
    assert.equal(byApi.details.to, 'approved');
    assert.ok(typeof byApi.details.noteSha256 === 'string' && !JSON.stringify(byApi).includes('clinic'));
    // the original was delivered, as the CLI's approval delivers it
    const [message] = await w.query<{ text: string }>(
      `SELECT m.text FROM messages m JOIN review_items r ON r.message_id = m.id WHERE r.id = $1`,
      [item('a:5')],
    );
    assert.equal(message!.text, iinText('a5'));
    // deciding it again is refused with the reason, in words
    const again = await olga.api('POST', `/api/review/${item('a:5')}/decision`, { decision: 'reject' });
    assert.equal(again.status, 403);
    assert.equal(again.json().error, 'forbidden-decided');
  });

  it('the item page marks each finding in the redacted text; show original is audited before it is shown', async () => {
    const olga = await signedIn('olga');
    const id = item('a:3');
    const page = await olga.get(`/items/${id}`);
    assert.equal(page.status, 200);
    const redacted = /data-testid="redacted-text">([\s\S]*?)<\/div>/.exec(page.body)![1]!;
    assert.match(redacted, /<mark data-category="IIN" data-confidence="0\.\d+" title="[^"]+">/);
    assert.match(page.body, /data-testid="explanation"/);
    assert.equal((page.body.match(/data-testid="context-message"/g) ?? []).length, 3 + 2, 'three before, two after');
    assertNoPersonalData(page.body, 'the item page before the original is asked for');
    assert.equal((await auditOf(w, 'review.view-original')).filter((e) => e.subject === id).length, 0);
    const shown = await olga.post(`/items/${id}/original`);
    assert.equal(shown.status, 200);
    assert.equal(testIdText(shown.body, 'original-text'), iinText('a3'));
    const views = (await auditOf(w, 'review.view-original')).filter((e) => e.subject === id);
    assert.equal(views.length, 1);
    assert.equal(views[0]!.actor, 'olga');
  });

  it('a decision by filter is carried out for the number of items previewed, and asks again when it changed', async () => {
    const olga = await signedIn('olga');
    const filter = { agency: 'a', category: 'HEALTH', status: 'open', chat: 'Lab A', since: '', until: '' };
    const preview = await olga.get('/queue/preview?agency=a&category=HEALTH&status=open&chat=Lab%20A');
    assert.deepEqual(preview.json(), { count: 2 });
    const ask = await olga.post('/queue/decide', { ...filter, scope: 'filter', decision: 'redact' });
    assert.equal(ask.status, 200, 'without the previewed count, a confirmation page');
    assert.match(testIdText(ask.body, 'preview-count') ?? '', /2/);
    const stale = await olga.post('/queue/decide', { ...filter, scope: 'filter', decision: 'redact', confirmed: '3' });
    assert.equal(stale.status, 200, 'a count that is not the current one asks again');
    assert.ok(testIdText(stale.body, 'error'));
    const done = await olga.post('/queue/decide', { ...filter, scope: 'filter', decision: 'redact', confirmed: '2' });
    assert.equal(done.status, 303);
    assert.match(done.location!, /decided=2&failed=0/);
    const statuses = await w.query<{ status: string }>(
      `SELECT r.status FROM review_items r WHERE r.id = ANY($1::uuid[])`,
      [[item('a:7'), item('a:8')]],
    );
    assert.deepEqual(
      statuses.map((s) => s.status),
      ['redacted', 'redacted'],
    );
    // the selected items, by their checkboxes
    const none = await olga.post('/queue/decide', { ...filter, scope: 'selected', decision: 'redact' });
    assert.equal(none.status, 400);
    const selected = await olga.post('/queue/decide', {
      ...filter,
      scope: 'selected',
      decision: 'reject',
      ids: [item('a:3'), item('a:4'), item('b:1')],
    });
    assert.equal(selected.status, 303);
    assert.match(selected.location!, /decided=2&failed=1/, "b's item is not hers: refused like an unknown one");
    const after = await w.query<{ id: string; status: string }>(
      `SELECT id, status FROM review_items WHERE id = ANY($1::uuid[]) ORDER BY status`,
      [[item('a:3'), item('a:4'), item('b:1')]],
    );
    assert.deepEqual(
      after.map((r) => r.status),
      ['open', 'rejected', 'rejected'],
    );
    const notice = await olga.get(selected.location!);
    assert.ok(testIdText(notice.body, 'notice'), 'the queue says what was decided');
  });

  it('roles hold on every page: an officer gets 403 for the audit log and operations, an operator for the queue', async () => {
    const olga = await signedIn('olga');
    assert.equal((await olga.get('/audit')).status, 403);
    assert.equal((await olga.post('/audit/verify')).status, 403);
    assert.equal((await olga.get('/operations')).status, 403);
    assert.equal((await olga.get('/reports?agency=b')).status, 403);
    assert.equal((await olga.get('/reports.csv?agency=b')).status, 403);
    const oleg = await signedIn('oleg');
    assert.equal((await oleg.get('/queue')).status, 403);
    assert.equal((await oleg.api('GET', '/api/review')).status, 403);
    // an admin without Redis: the operations page says the queues are not connected
    const root = await signedIn('root');
    const operations = await root.get('/operations');
    assert.equal(operations.status, 200);
    assert.ok(testIdText(operations.body, 'notice'));
    const anonymous = new TestBrowser(app);
    for (const url of ['/queue', '/audit', '/operations', '/reports', `/items/${item('a:4')}`]) {
      const page = await anonymous.get(url);
      assert.equal(page.status, 303, url);
      assert.equal(page.location, '/sign-in');
    }
  });

  it('the auditor sees reports with their chart and CSV, and the audit log verified', async () => {
    const ada = await signedIn('ada');
    const reports = await ada.get('/reports?agency=a');
    assert.equal(reports.status, 200);
    assert.match(reports.body, /<svg\s+data-testid="chart"\s+role="img"/);
    assert.match(reports.body, /<rect\s+x=/, 'bars');
    const csv = await ada.get('/reports.csv?agency=a');
    assert.equal(csv.status, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    assert.match(csv.body, /^section,source,chat,category,decision,decided_by,count\n/);
    const audit = await ada.get('/audit?action=review.');
    assert.equal(audit.status, 200);
    assert.ok((audit.body.match(/data-testid="audit-row"/g) ?? []).length > 0);
    assert.ok(!/data-action="(?!review\.)/.test(audit.body), 'only review actions');
    const verified = await ada.post('/audit/verify');
    assert.equal(verified.status, 200);
    assert.match(verified.body, /data-testid="verify-result" data-ok="true"/);
    const [entry] = (await auditOf(w, 'audit.verify')).slice(-1);
    assert.equal(entry?.actor, 'ada');
    assert.equal(entry?.details.ok, true);
  });

  it("each person's language is remembered: chosen once, every later session speaks it", async () => {
    const first = await signedIn('olga', { 'accept-language': 'en-GB,en;q=0.9' });
    const english = await first.get('/queue');
    assert.match(english.body, /<html lang="en">/);
    assert.match(english.body, /Review queue/);
    const chosen = await first.post('/language', { language: 'ru', back: '/queue' });
    assert.equal(chosen.status, 303);
    assert.equal(chosen.location, '/queue');
    const [row] = await w.query<{ language: string }>(`SELECT language FROM users WHERE name = 'olga'`);
    assert.equal(row!.language, 'ru');
    // another browser, whose own language is English and which has no language cookie
    const later = await signedIn('olga', { 'accept-language': 'en' });
    assert.ok(!later.cookies.has('aitu_lang'));
    const russian = await later.get('/queue');
    assert.match(russian.body, /<html lang="ru">/);
    assert.match(russian.body, /Очередь проверки/);
    const refused = await later.get('/items/00000000-0000-4000-8000-000000000000');
    assert.match(testIdText(refused.body, 'error') ?? '', /Такого элемента проверки нет/);
    const api = await later.api('GET', '/api/session');
    assert.equal(api.json().language, 'ru');
    // a redirect back never leaves the console
    const outside = await later.post('/language', { language: 'kk', back: '//evil.example/' });
    assert.equal(outside.location, '/queue');
    const kazakh = await later.get('/queue');
    assert.match(kazakh.body, /<html lang="kk">/);
    assert.match(kazakh.body, /Тексеру кезегі/);
  });

  it('health and metrics answer like the workers’, without a session', async () => {
    const anonymous = new TestBrowser(app);
    assert.deepEqual((await anonymous.get('/healthz')).json(), { status: 'alive' });
    const ready = await anonymous.get('/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.json<{ ready: boolean }>().ready, true);
    const metrics = await anonymous.get('/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /process_cpu_seconds_total/);
  });
});
