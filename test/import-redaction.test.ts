import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildConsole } from '../src/console/app.ts';
import { inspectAttachment } from '../src/extract/inspect.ts';
import { extract } from '../src/extract/extract.ts';
import { desiredPost } from '../src/live/national-relay.ts';
import { blobPath } from '../src/store/attachments.ts';
import { sealedPath } from '../src/store/redactions.ts';
import { heic, scan, textPdf } from './helpers/attachment-fixtures.ts';
import { TestBrowser } from './helpers/console.ts';
import { configFor } from './helpers/installation.ts';
import { docx, validIins } from './helpers/office-fixtures.ts';
import { createPeople } from './helpers/people.ts';
import { createImportWorld, type ImportWorld } from './helpers/import-world.ts';
import { messagesWithFiles, writeJsonl } from './helpers/messages.ts';

const [IIN, IIN_2, IIN_3] = validIins(3) as [string, string, string];

const POLICY = `version: 1
inbound:
  IIN: redact
  HEALTH: redact
redaction:
  attachments: boxes
`;

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * Issue 23, redaction of files: under `redaction.attachments: boxes` an image or PDF holding an IIN or a diagnosis is
 * delivered as a copy with black boxes; its original is kept encrypted and only an officer of the agency or an admin
 * opens it, audited. A file that cannot be drawn on (a DOCX) is still held for review.
 */
describe('import: images and PDFs redacted with black boxes, originals sealed', () => {
  let world: ImportWorld;
  let media: string;
  const tokens: Record<string, string> = {};
  const as = (token: string, args: readonly string[]) => world.cli(args, { AITU_GATEWAY_TOKEN: token });
  const files = {
    pdf: 'staff.pdf',
    scan: 'certificate.png',
    heic: 'certificate.heic',
    docx: 'certificate.docx',
    clean: 'meeting.png',
  } as const;
  const originals: Record<string, string> = {};

  const messageOf = async (key: keyof typeof files) => {
    const rows = await world.query<{ id: string; action: string; rule: string; text: string; review: boolean }>(
      `SELECT m.id::text, d.action, d.rule, m.text, EXISTS (SELECT 1 FROM review_items r WHERE r.message_id = m.id) AS review
         FROM messages m JOIN decisions d ON d.id = m.decision_id WHERE m.source_message_id = $1`,
      [`file-${key}-1`],
    );
    assert.equal(rows.length, 1);
    return rows[0]!;
  };
  const attachmentOf = async (messageId: string) =>
    (
      await world.query<{ sha256: string; redacted_sha256: string | null }>(
        `SELECT sha256, redacted_sha256 FROM message_attachments WHERE message_id = $1`,
        [messageId],
      )
    )[0]!;

  before(async () => {
    world = await createImportWorld(['mvd', 'other']);
    const people = await createPeople(world.db.store, {
      admin: { role: 'admin' },
      olga: { role: 'officer', agencies: ['mvd'] },
      timur: { role: 'officer', agencies: ['other'] },
      aset: { role: 'auditor', agencies: ['mvd'] },
    });
    Object.assign(tokens, people.tokens);
    const policy = path.join(world.dir, 'policy.yaml');
    writeFileSync(policy, POLICY);
    const set = await as(tokens.admin!, ['agency', 'set-policy', 'mvd', policy]);
    assert.equal(set.code, 0, set.stderr);

    media = path.join(world.dir, 'media');
    mkdirSync(media);
    const at = (name: string) => path.join(media, name);
    textPdf(at(files.pdf), ['Staff list, department 4', `Aliya Nurlanovna, IIN ${IIN}`, 'Room 12, second floor']);
    scan(at(files.scan), ['СПРАВКА № 112', 'Пациент: Ахметова Айгерим', `ИИН ${IIN_2}`, 'Диагноз: пневмония']);
    heic(at(files.scan), at(files.heic));
    docx(at(files.docx), { header: 'Поликлиника', body: [[`ИИН ${IIN_3}`]], footer: 'Справка' });
    scan(at(files.clean), ['Совещание в четверг в 10:00']);
    for (const [key, name] of Object.entries(files)) originals[key] = sha256(at(name));
    const jsonl = path.join(world.dir, 'files.jsonl');
    writeJsonl(jsonl, messagesWithFiles(files));
    const result = await world.importJson(['import', 'jsonl', jsonl, '--agency', 'mvd', '--attachments-dir', media]);
    assert.equal(result.code, 0, result.stderr);
  });
  after(async () => {
    await world?.close();
  });

  it('the PDF, the scan and its HEIC are delivered redacted (black boxes), with no review item; the DOCX is held', async () => {
    for (const key of ['pdf', 'scan', 'heic'] as const) {
      const m = await messageOf(key);
      assert.equal(m.action, 'redact', key);
      assert.match(m.rule, /^attachment: inbound\.(IIN|HEALTH)=redact \(agency policy\) \(black boxes\)$/, key);
      assert.equal(m.review, false, key);
      const a = await attachmentOf(m.id);
      assert.equal(a.sha256, originals[key], key);
      assert.ok(a.redacted_sha256 && a.redacted_sha256 !== a.sha256, key);
    }
    const docxMessage = await messageOf('docx');
    assert.equal(docxMessage.action, 'quarantine');
    assert.match(docxMessage.rule, /a file is not redacted in place: quarantine/);
    assert.equal((await attachmentOf(docxMessage.id)).redacted_sha256, null);
    const clean = await messageOf('clean');
    assert.equal(clean.action, 'allow');
    assert.equal((await attachmentOf(clean.id)).redacted_sha256, null);
  });

  it('the redacted copies hold neither the IIN nor the diagnosis, and keep the rest of the page', async () => {
    for (const key of ['pdf', 'scan', 'heic'] as const) {
      const a = await attachmentOf((await messageOf(key)).id);
      const copy = blobPath(world.dataDir, a.redacted_sha256!);
      const inspection = await inspectAttachment(copy);
      assert.ok(inspection.inspected, key);
      assert.deepEqual(
        inspection.findings.map((f) => f.category),
        [],
        `${key}: the copy still holds ${inspection.findings.map((f) => f.category).join(', ')}`,
      );
      const extraction = await extract(copy);
      assert.ok(extraction.inspected);
      const text = extraction.pages.map((p) => p.text).join('\n');
      assert.doesNotMatch(text, new RegExp(key === 'pdf' ? IIN : IIN_2), key);
      // OCR is read by the test, not trusted: the words around the boxes survive
      assert.match(text, key === 'pdf' ? /Staff list/ : /Пациент/, key);
      if (key === 'pdf') {
        assert.equal(extraction.pages[0]!.ocr, true, 'the redacted PDF is pictures only: no text layer left');
        assert.match(text, /Room/, 'the line after the box survives too');
      } else assert.doesNotMatch(text, /пневмония/);
    }
  });

  it("the originals' clear bytes leave the store; they are sealed, and nothing in the data directory holds the IIN", async () => {
    const agency = world.agencies.mvd!;
    for (const key of ['pdf', 'scan', 'heic'] as const) {
      assert.equal(existsSync(blobPath(world.dataDir, originals[key]!)), false, `${key}: clear original removed`);
      const sealed = sealedPath(world.dataDir, agency, originals[key]!);
      assert.equal(statSync(sealed).mode & 0o777, 0o600);
      assert.notEqual(createHash('sha256').update(readFileSync(sealed)).digest('hex'), originals[key]);
    }
    // the DOCX is held for review, not redacted: its bytes stay as they are, for the officer
    assert.equal(existsSync(blobPath(world.dataDir, originals.docx!)), true);
    // the fixture PDF writes the IIN in clear in its content stream; no file left in the store carries it
    assert.match(readFileSync(path.join(media, files.pdf), 'latin1'), new RegExp(IIN), 'the fixture is what it claims');
    const grep = spawnSync('grep', ['-rlaF', IIN, world.dataDir], { encoding: 'utf8' });
    assert.equal(grep.status, 1, `files holding the IIN: ${grep.stdout}`);
  });

  it('the relay into Aitu sends the redacted copy, never the original', async () => {
    const m = await messageOf('scan');
    const a = await attachmentOf(m.id);
    const post = await desiredPost(world.db.store.pool, world.dataDir, m.id, 4000);
    assert.ok(post);
    assert.deepEqual(
      post.media.map((x) => x.path),
      [blobPath(world.dataDir, a.redacted_sha256!)],
    );
  });

  it('an officer of the agency gets the originals back with `review files`, audited; others are refused', async () => {
    const m = await messageOf('pdf');
    const out = path.join(world.dir, 'out');
    const got = await as(tokens.olga!, ['review', 'files', m.id, '--out', out, '--json']);
    assert.equal(got.code, 0, got.stderr);
    const written = JSON.parse(got.stdout) as { file: string; redacted: boolean; sha256: string }[];
    assert.equal(written.length, 1);
    assert.equal(written[0]!.redacted, true);
    assert.equal(sha256(written[0]!.file), originals.pdf, 'the original, byte for byte');
    assert.equal(statSync(written[0]!.file).mode & 0o777, 0o600);

    const auditor = await as(tokens.aset!, ['review', 'files', m.id, '--out', out]);
    assert.notEqual(auditor.code, 0);
    assert.match(auditor.stderr, /may not|not allowed|only/i);
    const stranger = await as(tokens.timur!, ['review', 'files', m.id, '--out', out]);
    assert.notEqual(stranger.code, 0);
    assert.match(stranger.stderr, new RegExp(`no message ${m.id}`));

    const audited = await world.query<{ actor: string; details: { files: { sha256: string; redacted: boolean }[] } }>(
      `SELECT actor, details FROM audit_log WHERE action = 'attachment.view-original'`,
    );
    assert.equal(audited.length, 1, 'the refused attempts opened nothing');
    assert.deepEqual(
      audited[0]!.details.files.map((f) => [f.sha256, f.redacted]),
      [[originals.pdf, true]],
    );
  });

  it('a key rotation re-encrypts the sealed originals; the old key can go only afterwards, and they still open', async () => {
    const agency = world.agencies.mvd!;
    const sealedBefore = readFileSync(sealedPath(world.dataDir, agency, originals.scan!));
    const [{ key_id: oldKey }] = (await world.query<{ key_id: string }>(
      `SELECT DISTINCT key_id FROM attachment_redactions`,
    )) as [{ key_id: string }];
    const rotated = await as(tokens.admin!, ['keys', 'rotate', '--json']);
    assert.equal(rotated.code, 0, rotated.stderr);
    const { currentKeyId, reencrypted } = JSON.parse(rotated.stdout) as { currentKeyId: string; reencrypted: number };
    assert.ok(reencrypted >= 3, `re-encrypted ${reencrypted}`);
    const keys = await world.query<{ key_id: string }>(`SELECT DISTINCT key_id FROM attachment_redactions`);
    assert.deepEqual(keys, [{ key_id: currentKeyId }]);
    assert.notDeepEqual(readFileSync(sealedPath(world.dataDir, agency, originals.scan!)), sealedBefore);
    const deleted = await as(tokens.admin!, ['keys', 'delete', oldKey]);
    assert.equal(deleted.code, 0, deleted.stderr);
    const out = path.join(world.dir, 'after-rotation');
    const got = await as(tokens.olga!, ['review', 'files', (await messageOf('scan')).id, '--out', out, '--json']);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(sha256((JSON.parse(got.stdout) as { file: string }[])[0]!.file), originals.scan);
  });

  it('the console offers the held file for download to an officer of the agency (audited), never to an auditor', async () => {
    const app = await buildConsole({ store: world.db.store, keyFile: configFor(world.env).keyFile, sealIntervalMs: 0 });
    try {
      const m = await messageOf('docx');
      const [item] = await world.query<{ id: string }>(`SELECT id FROM review_items WHERE message_id = $1`, [m.id]);
      const officer = new TestBrowser(app);
      assert.equal((await officer.signIn(tokens.olga!)).status, 303);
      const page = await officer.get(`/items/${item!.id}`);
      assert.equal(page.status, 200);
      assert.match(page.body, /data-testid="download-1"/);
      const before = (await world.query(`SELECT 1 FROM audit_log WHERE action = 'attachment.view-original'`)).length;
      const download = await officer.post(`/items/${item!.id}/files/1`);
      assert.equal(download.status, 200);
      assert.equal(download.headers['content-type'], 'application/octet-stream');
      assert.match(String(download.headers['content-disposition']), /^attachment; filename="attachment-1"$/);
      assert.equal(createHash('sha256').update(download.raw).digest('hex'), originals.docx);
      const after = (await world.query(`SELECT 1 FROM audit_log WHERE action = 'attachment.view-original'`)).length;
      assert.equal(after, before + 1);
      assert.equal((await officer.post(`/items/${item!.id}/files/1`, {}, { csrf: false })).status, 403);

      const auditor = new TestBrowser(app);
      assert.equal((await auditor.signIn(tokens.aset!)).status, 303);
      const seen = await auditor.get(`/items/${item!.id}`);
      assert.equal(seen.status, 200);
      assert.doesNotMatch(seen.body, /data-testid="download-1"/);
      assert.equal((await auditor.post(`/items/${item!.id}/files/1`)).status, 403);
    } finally {
      await app.close();
    }
  });
});
