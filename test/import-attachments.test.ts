import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { itemPage } from '../src/console/views/item.ts';
import { translator } from '../src/i18n/index.ts';
import { getReviewItem } from '../src/review/items.ts';
import { agencyReport } from '../src/review/report.ts';
import { heic, oversizedPng, scan, textPdf } from './helpers/attachment-fixtures.ts';
import { docx, validIins, xlsx } from './helpers/office-fixtures.ts';
import { assertBalanced, type Summary } from './helpers/import.ts';
import { createImportWorld, type ImportWorld } from './helpers/import-world.ts';
import { makeMessages, messagesWithFiles, writeJsonl } from './helpers/messages.ts';

const IIN = '940101300123';
const IIN_KK = '811201401188';

/**
 * Issue 23: attachments made by the test (a text PDF, a 300 dpi scan with noise, the same scan as HEIC, a clean
 * image, a corrupt PDF, an image declaring 60,000 × 60,000 pixels) go through `import jsonl` into the store; what
 * each holds decides its message with the text.
 */
describe('import: what attachments hold decides their messages', () => {
  let world: ImportWorld;
  let media: string;
  let summary: Summary & { inspection?: Record<string, number> };

  const files: Record<string, string> = {
    pdf: 'staff.pdf',
    scan: 'certificate.png',
    heic: 'certificate.heic',
    clean: 'meeting.png',
    corrupt: 'broken.pdf',
    oversized: 'huge.png',
    staff: 'staff.xlsx',
    certificate: 'certificate.docx',
  };

  before(async () => {
    world = await createImportWorld(['mvd']);
    media = path.join(world.dir, 'media');
    mkdirSync(media);
    const at = (name: string) => path.join(media, name);
    textPdf(at(files.pdf!), ['Staff list, department 4', `Aliya Nurlanovna, IIN ${IIN}`]);
    // Russian and Kazakh, as a bilingual certificate is written
    scan(at(files.scan!), [
      'СПРАВКА № 112 / АНЫҚТАМА № 112',
      'Пациент: Ахметова Айгерим',
      `ИИН ${IIN}`,
      'Диагноз: пневмония, J18.9',
      `Науқастың ЖСН ${IIN_KK}, диагнозы: қант диабеті`,
    ]);
    heic(at(files.scan!), at(files.heic!));
    scan(at(files.clean!), ['Совещание в четверг в 10:00', 'Meeting on Thursday']);
    writeFileSync(at(files.corrupt!), '%PDF-1.7\n1 0 obj << /Type /Catalog >> broken\n');
    oversizedPng(at(files.oversized!));
    const staff = validIins(1000);
    xlsx(at(files.staff!), [
      { name: 'Сотрудники', rows: [['№', 'ФИО', 'ИИН'], ...staff.map((iin, k) => [k + 1, `Сотрудник ${k + 1}`, iin])] },
    ]);
    docx(at(files.certificate!), {
      header: 'Городская поликлиника № 5',
      body: [['СПРАВКА № 113'], ['Пациент: Нурланова Алия'], ['Диагноз: бронхиальная астма, J45.0']],
      footer: 'Справка выдана по месту требования',
    });
    const jsonl = path.join(world.dir, 'files.jsonl');
    writeJsonl(jsonl, messagesWithFiles(files));
    const result = await world.importJson(['import', 'jsonl', jsonl, '--agency', 'mvd', '--attachments-dir', media]);
    assert.equal(result.code, 0, result.stderr);
    summary = result.summary as typeof summary;
  });
  after(async () => {
    await world?.close();
  });

  const decisionOf = async (key: string) => {
    const rows = await world.db.store.pool.query<{
      action: string;
      rule: string;
      inspection: string;
      review: string[] | null;
    }>(
      `SELECT d.action, d.rule, m.inspection, r.categories AS review
         FROM messages m JOIN decisions d ON d.id = m.decision_id LEFT JOIN review_items r ON r.message_id = m.id
        WHERE m.source_message_id LIKE $1`,
      [`file-${key}-%`],
    );
    assert.equal(rows.rows.length, 1, key);
    return rows.rows[0]!;
  };

  it('the run ends with every attachment read or recorded unreadable, and counts them', () => {
    assertBalanced(summary);
    assert.equal(summary.delivered, 8);
    assert.deepEqual(summary.inspection, { inspected: 6, uninspected: 2, pending: 0, quarantined: 7, blocked: 0 });
  });

  it('an IIN in a PDF, and in a scan (PNG or HEIC) with a diagnosis, quarantines the message like text would', async () => {
    assert.deepEqual(await decisionOf('pdf'), {
      action: 'quarantine',
      rule: 'attachment: inbound.IIN=quarantine (default)',
      inspection: 'done',
      review: ['IIN'],
    });
    for (const key of ['scan', 'heic']) {
      const decided = await decisionOf(key);
      assert.equal(decided.action, 'quarantine', key);
      assert.deepEqual(decided.review, ['HEALTH', 'IIN'], key);
    }
  });

  it('a spreadsheet of 1,000 staff with their IINs, and a DOCX medical certificate, quarantine theirs', async () => {
    assert.deepEqual((await decisionOf('staff')).review, ['IIN']);
    assert.deepEqual((await decisionOf('certificate')).review, ['HEALTH']);
    const iins = await world.db.store.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM attachment_findings f JOIN message_attachments a ON a.sha256 = f.sha256
        WHERE a.name = $1 AND f.category = 'IIN'`,
      [files.staff],
    );
    assert.equal(iins.rows[0]!.n, 1000, 'every IIN of the list found');
  });

  it('the review item lists what each attachment holds by page, and why one could not be read; no file names', async () => {
    const scope = { agencyIds: null, readsOriginal: () => false };
    const itemOf = async (key: string) => {
      const row = await world.db.store.pool.query<{ id: string }>(
        `SELECT r.id FROM review_items r JOIN messages m ON m.id = r.message_id WHERE m.source_message_id LIKE $1`,
        [`file-${key}-%`],
      );
      return getReviewItem(world.db.store.pool, scope, row.rows[0]!.id);
    };
    const staff = await itemOf('staff');
    assert.equal(staff.attachments.length, 1);
    assert.deepEqual(
      { ...staff.attachments[0]!, findings: staff.attachments[0]!.findings.length },
      { position: 1, status: 'read', reason: null, pages: 1, findings: 1000, redacted: false },
    );
    assert.ok(staff.attachments[0]!.findings.every((f) => f.category === 'IIN' && f.page === 1));
    const broken = await itemOf('corrupt');
    assert.deepEqual(broken.attachments, [
      { position: 1, status: 'not-readable', reason: 'an unreadable PDF', pages: 0, findings: [], redacted: false },
    ]);
    assert.ok(!JSON.stringify([staff, broken]).includes(files.staff!), 'no attachment name');
    // the console's item page shows the same, in the officer's language
    const page = (item: typeof staff) =>
      String(
        itemPage(
          { tr: translator('en', 'UTC'), csrfToken: 'x', actor: null, here: `/items/${item.id}` },
          { item, conversation: [], mayViewOriginal: false, original: null, mayDecide: false, mayEscalate: false },
        ),
      );
    assert.match(page(staff), /Attachment 1<\/strong>:\s*IIN[^<]* on page 1 \(1000\)/);
    assert.match(page(broken), /Attachment 1<\/strong>:\s*could not be read \(<code>an unreadable PDF<\/code>\)/);
    assert.ok(!page(staff).includes(files.staff!));
  });

  it('a clean image changes nothing; the corrupt and the oversized files are quarantined as not inspected, with their reason', async () => {
    assert.deepEqual(await decisionOf('clean'), {
      action: 'allow',
      rule: 'no personal data found',
      inspection: 'done',
      review: null,
    });
    for (const key of ['corrupt', 'oversized']) {
      const decided = await decisionOf(key);
      assert.equal(decided.rule, 'attachment: inbound.UNINSPECTED=quarantine (default)', key);
      assert.deepEqual(decided.review, ['UNINSPECTED'], key);
    }
    const reasons = await world.db.store.pool.query<{ reason: string }>(
      `SELECT reason FROM attachment_inspections WHERE status = 'uninspected' ORDER BY reason`,
    );
    assert.deepEqual(
      reasons.rows.map((r) => r.reason),
      ['an unreadable PDF', 'too many pixels: 60000×60000, the limit is 50000000'],
    );
  });

  it("the agency's report counts what attachments hold and what became of them", async () => {
    const report = await agencyReport(world.db.store.pool, { id: world.agencies.mvd!, slug: 'mvd', name: 'MVD' });
    const counts = (section: string, key: 'category' | 'decision') =>
      Object.fromEntries(report.rows.filter((r) => r.section === section).map((r) => [r[key], r.count]));
    const found = counts('attachment_findings', 'category');
    assert.ok(found.IIN! >= 1000 + 3, `the list's 1,000 IINs and those of the PDF and the scans: ${found.IIN}`);
    assert.ok(found.HEALTH! >= 2);
    assert.deepEqual(counts('attachments', 'decision'), { inspected: 6, uninspected: 2 });
  });

  it('findings are kept by page and span, never the text; each settling is audited without content', async () => {
    const found = await world.db.store.pool.query<{ category: string; page: number }>(
      `SELECT DISTINCT category, page FROM attachment_findings ORDER BY 1`,
    );
    assert.deepEqual(found.rows, [
      { category: 'HEALTH', page: 1 },
      { category: 'IIN', page: 1 },
    ]);
    const dump = execFileSync('pg_dump', ['--data-only', '--table=attachment_*', world.db.url], { encoding: 'utf8' });
    for (const value of [IIN, IIN_KK]) assert.ok(!dump.includes(value), 'no IIN in the attachment tables');
    const audited = await world.db.store.pool.query<{ details: { categories: string[] } }>(
      `SELECT details FROM audit_log WHERE action = 'attachment.inspected'`,
    );
    assert.equal(audited.rows.length, 8);
    assert.ok(!JSON.stringify(audited.rows).includes(IIN));
  });
});

describe('import: a reader missing from the machine', () => {
  it('ends the run with a clear message naming the tool and the fix, exit 1; the messages stay pending, none is passed as clean', async () => {
    const world = await createImportWorld(['mvd']);
    try {
      const media = path.join(world.dir, 'media');
      mkdirSync(media);
      scan(path.join(media, 'note.png'), ['Служебная записка № 5']);
      const jsonl = path.join(world.dir, 'one.jsonl');
      writeJsonl(jsonl, [
        {
          ...makeMessages(1, { idPrefix: 'tool-' })[0],
          attachments: [{ kind: 'photo', name: 'n.png', sourcePath: 'note.png' }],
        },
      ]);
      // a PATH with node alone: tesseract is not found
      const bin = path.join(world.dir, 'bin');
      mkdirSync(bin);
      symlinkSync(process.execPath, path.join(bin, 'node'));
      const result = await world.importJson(['import', 'jsonl', jsonl, '--agency', 'mvd', '--attachments-dir', media], {
        PATH: bin,
      });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /reading attachments failed \(tesseract is missing: run scripts\/setup\.sh/);
      const rows = await world.query<{ inspection: string }>(`SELECT inspection FROM messages`);
      assert.deepEqual(rows, [{ inspection: 'pending' }]);
    } finally {
      await world.close();
    }
  });
});
