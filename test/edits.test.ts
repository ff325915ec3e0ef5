import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Actor } from '../src/auth/roles.ts';
import { addCurrentKey, loadKeyring, type Keyring } from '../src/core/keys.ts';
import type { CanonicalMessageInput } from '../src/core/message.ts';
import { runClassifyStage } from '../src/pipeline/stages/classify.processor.ts';
import { deliverBatch, type BatchCounts } from '../src/pipeline/stages/deliver.ts';
import { decideReviewItem } from '../src/service/review.ts';
import {
  checkOriginals,
  openOriginal,
  openOriginalMessage,
  originalsByKey,
  readSealedOriginal,
  reencryptOriginals,
} from '../src/review/originals.ts';
import { addAgency } from '../src/store/agencies.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { createTestKeyFile } from './helpers/installation.ts';
import { PLANTED } from './helpers/review-setup.ts';

const keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'aitu-keys-')), 'keys.json');

/** A message of the test chat; `edited` minutes after it was sent, when given. */
const message = (
  id: string,
  text: string,
  edited?: number,
  extra: Partial<CanonicalMessageInput> = {},
): CanonicalMessageInput => ({
  platform: 'telegram',
  chatId: '-1001',
  chatTitle: 'Clinic',
  messageId: id,
  sender: { id: 'user1', name: 'A' },
  sentAt: '2024-01-01T10:00:00Z',
  editedAt: edited === undefined ? null : new Date(Date.parse('2024-01-01T10:00:00Z') + edited * 60_000).toISOString(),
  text,
  ...extra,
});

describe('edits and deletes reach the store (issue 17)', () => {
  let db: TestDatabase;
  let agencyId: string;
  let keyring: Keyring;
  let admin: Actor;

  before(async () => {
    await createTestKeyFile(keyFile);
    keyring = await loadKeyring(keyFile);
    db = await createTestDatabase();
    agencyId = (await addAgency(db.store.prisma, { slug: 'clinic', name: 'Clinic' })).id;
    const user = await db.store.prisma.user.create({
      data: { name: 'root', role: 'admin', tokenHash: 'x'.repeat(64) },
    });
    admin = { id: user.id, name: user.name, role: 'admin', agencyIds: [] };
  });
  after(async () => {
    await db?.drop();
    rmSync(path.dirname(keyFile), { recursive: true, force: true });
  });

  /** classifies and delivers the messages as one live batch, as the pipeline does */
  const deliver = async (...messages: CanonicalMessageInput[]): Promise<BatchCounts> => {
    const { deliver: payload } = runClassifyStage({
      agencyId,
      runId: null,
      seq: null,
      checkpoint: null,
      messages: messages as never,
    });
    const result = await deliverBatch(db.store.pool, payload, {
      keyring,
      deadLetter: async () => assert.fail('nothing is dead-lettered'),
    });
    return result.counts;
  };
  const q = async <T = Record<string, unknown>>(sql: string, values: unknown[] = []) =>
    (await db.store.pool.query(sql, values)).rows as T[];
  const stored = async (id: string) =>
    (
      await q<{
        id: string;
        text: string;
        edited_at: Date | null;
        redacted: boolean;
        withdrawn: boolean;
        action: string;
        categories: string[];
      }>(
        `SELECT m.id::text AS id, m.text, m.edited_at, m.redacted, m.withdrawn, d.action, d.categories
         FROM messages m JOIN decisions d ON d.id = m.decision_id WHERE m.agency_id = $1 AND m.source_message_id = $2`,
        [agencyId, id],
      )
    )[0]!;
  const versions = (messageId: string) =>
    q<{
      version: number;
      text: string;
      body: unknown;
      edited_at: Date | null;
      withheld: boolean;
      review_status: string | null;
      original: Buffer | null;
      key_id: string | null;
      attachments: unknown[];
      findings: { category: string }[];
    }>(
      `SELECT version, text, body, edited_at, withheld, review_status, original, key_id, attachments, findings FROM message_versions WHERE message_id = $1 ORDER BY version`,
      [messageId],
    );
  const review = async (messageId: string) =>
    (
      await q<{ id: string; status: string; categories: string[] }>(
        `SELECT id::text AS id, status, categories FROM review_items WHERE message_id = $1`,
        [messageId],
      )
    )[0];
  const findings = async (messageId: string) =>
    (
      await q<{ category: string }>(`SELECT category FROM findings WHERE message_id = $1 ORDER BY category`, [
        messageId,
      ])
    ).map((r) => r.category);
  /** every column of every version, as text: where personal data must not be */
  const versionsAsText = async () =>
    JSON.stringify(
      await q(
        `SELECT id, message_id, version, kind, text, body, edited_at, redacted, findings, attachments, review_status FROM message_versions`,
      ),
    );

  it('applies a later, different version: the store shows it, keeps the earlier one, and counts it as edited', async () => {
    assert.equal((await deliver(message('e1', 'Планерка в 10:00', 0))).delivered, 1);
    const first = await stored('e1');
    const edit = await deliver(message('e1', 'Планерка в 11:00', 5));
    assert.deepEqual([edit.delivered, edit.edited, edit.duplicates], [0, 1, 0]);
    const now = await stored('e1');
    assert.equal(now.id, first.id, 'the same row');
    assert.equal(now.text, 'Планерка в 11:00');
    assert.equal(now.edited_at?.toISOString(), '2024-01-01T10:05:00.000Z');
    const kept = await versions(now.id);
    assert.equal(kept.length, 1);
    assert.deepEqual(
      [kept[0]!.version, kept[0]!.text, kept[0]!.edited_at?.toISOString(), kept[0]!.withheld],
      [1, 'Планерка в 10:00', '2024-01-01T10:00:00.000Z', false],
    );

    // the same version again, or an earlier one: duplicates, nothing changes
    const again = await deliver(message('e1', 'Планерка в 11:00', 5));
    assert.deepEqual([again.delivered, again.edited, again.duplicates], [0, 0, 1]);
    const older = await deliver(message('e1', 'Планерка в 10:30', 3));
    assert.deepEqual([older.edited, older.duplicates], [0, 1]);
    // a later time with the same content is no edit either
    assert.deepEqual([(await deliver(message('e1', 'Планерка в 11:00', 9))).edited], [0]);
    assert.equal((await stored('e1')).text, 'Планерка в 11:00');
    assert.equal((await versions(now.id)).length, 1);

    const audit = await q<{ details: { edited: number; editedIds: string[] } }>(
      `SELECT details FROM audit_log WHERE action = 'deliver.batch' AND (details->>'edited')::int = 1`,
    );
    assert.equal(audit.length, 1);
    assert.deepEqual(audit[0]!.details.editedIds, [now.id]);
  });

  it('a message and its edit in one batch: the first is delivered, the second applied to it', async () => {
    const counts = await deliver(message('e2', 'черновик', 0), message('e2', 'итог', 1));
    assert.deepEqual([counts.delivered, counts.edited, counts.duplicates], [1, 1, 0]);
    const now = await stored('e2');
    assert.equal(now.text, 'итог');
    assert.deepEqual(
      (await versions(now.id)).map((v) => v.text),
      ['черновик'],
    );
  });

  it('an edit of a quarantined message replaces its open review item; the earlier version stays encrypted', async () => {
    const first = `ИИН заявителя ${PLANTED.iin}, прошу проверить`;
    const second = `ИИН заявителя ${PLANTED.iin2}, прошу проверить срочно`;
    await deliver(message('q1', first, 0));
    const before = await stored('q1');
    assert.equal(before.action, 'quarantine');
    const item = (await review(before.id))!;
    assert.equal(openOriginal(keyring, await readSealedOriginal(db.store.pool, item.id)), first);

    const counts = await deliver(message('q1', second, 2));
    assert.deepEqual([counts.edited, counts.quarantined], [1, 1]);
    const after = await stored('q1');
    assert.equal(after.action, 'quarantine', 'still quarantined');
    assert.ok(!after.text.includes(PLANTED.iin2), 'the store shows the tagged copy');
    const itemAfter = (await review(before.id))!;
    assert.equal(itemAfter.id, item.id);
    assert.equal(itemAfter.status, 'open', 'an officer still decides');
    assert.deepEqual(itemAfter.categories, ['IIN']);
    assert.equal(
      openOriginalMessage(keyring, await readSealedOriginal(db.store.pool, item.id)).text,
      second,
      'the item holds the new original',
    );

    const [kept] = await versions(before.id);
    assert.equal(kept!.text, before.text, 'the earlier version as the store showed it');
    assert.ok(kept!.original && kept!.key_id, 'and its original, encrypted');
    // the copied ciphertext is bound to the message, so the review code opens it as the item's
    const sealed = {
      ...(await readSealedOriginal(db.store.pool, item.id)),
      original: kept!.original,
      keyId: kept!.key_id,
    };
    assert.equal(openOriginal(keyring, sealed), first);
    const asText = await versionsAsText();
    for (const value of [PLANTED.iin, PLANTED.iin2])
      assert.ok(!asText.includes(value), 'no plaintext IIN in message_versions');
    assert.ok(!kept!.original.toString('latin1').includes(PLANTED.iin));
  });

  it('an edit changing only what the tagged copy hides is still an edit: the originals tell', async () => {
    await deliver(message('q2', `ИИН ${PLANTED.iin}`, 0));
    const m = await stored('q2');
    const counts = await deliver(message('q2', `ИИН ${PLANTED.iin2}`, 1));
    assert.deepEqual([counts.edited, counts.duplicates], [1, 0]);
    assert.equal((await stored('q2')).text, m.text, 'the same tagged copy');
    const item = (await review(m.id))!;
    assert.equal(openOriginal(keyring, await readSealedOriginal(db.store.pool, item.id)), `ИИН ${PLANTED.iin2}`);
    // and the same again is a duplicate
    assert.deepEqual([(await deliver(message('q2', `ИИН ${PLANTED.iin2}`, 1))).duplicates], [1]);
  });

  it('an edit of a rejected message never restores it: the new version is kept only encrypted', async () => {
    await deliver(message('r1', `ИИН ${PLANTED.iin} для справки`, 0));
    const before = await stored('r1');
    const item = (await review(before.id))!;
    await decideReviewItem(db.store, admin, async () => keyring, item.id, 'reject');
    const edited = `Исправлено: всё в порядке, без данных`;
    const counts = await deliver(message('r1', edited, 4));
    assert.deepEqual([counts.edited, counts.duplicates], [1, 0]);
    const after = await stored('r1');
    assert.deepEqual([after.text, after.withdrawn], ['', true], 'still blanked and withdrawn');
    assert.equal((await review(before.id))!.status, 'rejected');
    const kept = await versions(before.id);
    assert.equal(kept.length, 1);
    assert.deepEqual([kept[0]!.withheld, kept[0]!.text, kept[0]!.review_status], [true, '', 'rejected']);
    assert.deepEqual(kept[0]!.body, {});
    assert.equal(
      openOriginal(keyring, {
        ...(await readSealedOriginal(db.store.pool, item.id)),
        original: kept[0]!.original,
        keyId: kept[0]!.key_id,
      }),
      edited,
    );
    // the same version once more is a duplicate
    assert.deepEqual([(await deliver(message('r1', edited, 4))).duplicates], [1]);
    assert.equal((await versions(before.id)).length, 1);
  });

  it('an edit removing personal data delivers the clean text; an edit adding it quarantines a delivered message', async () => {
    const phone = `Позвоните мне: ${PLANTED.phone}`;
    await deliver(message('p1', phone, 0));
    const redacted = await stored('p1');
    assert.deepEqual([redacted.action, redacted.redacted], ['redact', true]);
    assert.ok(!redacted.text.includes(PLANTED.phone));
    assert.deepEqual(await findings(redacted.id), ['PHONE']);

    await deliver(message('p1', 'Позвоните мне в приемную', 1));
    const clean = await stored('p1');
    assert.deepEqual([clean.action, clean.redacted, clean.text], ['allow', false, 'Позвоните мне в приемную']);
    assert.deepEqual(await findings(clean.id), [], 'the findings follow the version shown');
    assert.equal(await review(clean.id), undefined);
    const kept = await versions(clean.id);
    assert.deepEqual(
      kept.map((v) => v.findings.map((f) => f.category)),
      [['PHONE']],
    );
    assert.equal(kept[0]!.original, null, 'a redacted version keeps no original');

    const counts = await deliver(message('p1', `Мой ИИН ${PLANTED.iin}`, 2));
    assert.deepEqual([counts.edited, counts.quarantined], [1, 1]);
    const quarantined = await stored('p1');
    assert.equal(quarantined.action, 'quarantine');
    assert.ok(!quarantined.text.includes(PLANTED.iin), 'shown as a quarantined message is: tagged');
    const item = (await review(quarantined.id))!;
    assert.deepEqual([item.status, item.categories], ['open', ['IIN']]);
    assert.equal(openOriginal(keyring, await readSealedOriginal(db.store.pool, item.id)), `Мой ИИН ${PLANTED.iin}`);
    assert.equal((await versions(quarantined.id)).length, 2);
  });

  it('an edit of an approved message that policy quarantines reopens its item', async () => {
    await deliver(message('a1', `ИИН ${PLANTED.iin}`, 0));
    const m = await stored('a1');
    const item = (await review(m.id))!;
    await decideReviewItem(db.store, admin, async () => keyring, item.id, 'approve');
    await deliver(message('a1', `ИИН ${PLANTED.iin2}`, 1));
    const after = (await review(m.id))!;
    assert.deepEqual([after.id, after.status], [item.id, 'open']);
    const [kept] = await versions(m.id);
    assert.equal(kept!.review_status, 'approved', 'the version kept says how it was decided');
  });

  it('a delete marks its target withdrawn and keeps the row, its versions and the event', async () => {
    await deliver(message('d1', 'первый вариант', 0));
    await deliver(message('d1', 'второй вариант', 1));
    const target = await stored('d1');
    const remove = message('d-event', '', undefined, {
      kind: 'service',
      sender: null,
      service: { type: 'deleted', targetMessageId: 'd1' },
    });
    const counts = await deliver(remove);
    assert.deepEqual([counts.delivered, counts.edited], [1, 0]);
    const after = await stored('d1');
    assert.deepEqual([after.id, after.withdrawn, after.text], [target.id, true, 'второй вариант']);
    assert.equal((await versions(target.id)).length, 1);
    assert.ok(await stored('d-event'), 'the service event is stored');
    const audit = await q<{ details: { withdrawnIds: string[] } }>(
      `SELECT details FROM audit_log WHERE action = 'deliver.batch' AND details ? 'withdrawnIds'`,
    );
    assert.deepEqual(
      audit.map((a) => a.details.withdrawnIds),
      [[target.id]],
    );

    // a delete of a message not stored is the event alone; one without a target (an export's) changes nothing
    const early = await deliver(
      message('d-event-2', '', undefined, {
        kind: 'service',
        sender: null,
        service: { type: 'deleted', targetMessageId: 'never-seen' },
      }),
    );
    const bare = await deliver(
      message('d-event-3', '', undefined, { kind: 'service', sender: null, service: { type: 'deleted' } }),
    );
    assert.deepEqual([early.delivered, bare.delivered], [1, 1]);
    assert.equal(
      (await q<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE withdrawn`))[0]!.n,
      2,
      'the rejected r1 and d1 only',
    );
  });

  it("keys reencrypt and keys check cover the kept versions' originals, so no key they need is deleted", async () => {
    const old = keyring.currentId;
    const kept = await q<{ n: number }>(`SELECT count(*)::int AS n FROM message_versions WHERE original IS NOT NULL`);
    assert.ok(kept[0]!.n >= 3, 'the versions above kept encrypted originals');
    assert.ok(((await originalsByKey(db.store.pool)).get(old) ?? 0) > kept[0]!.n - 1);
    const { currentId } = await addCurrentKey(keyFile);
    const rotated = await loadKeyring(keyFile);
    const result = await reencryptOriginals(db.store.pool, rotated);
    assert.deepEqual(result.unreadable, []);
    assert.equal(
      (
        await q<{ n: number }>(
          `SELECT count(*)::int AS n FROM message_versions WHERE original IS NOT NULL AND key_id <> $1`,
          [currentId],
        )
      )[0]!.n,
      0,
    );
    assert.equal((await originalsByKey(db.store.pool)).get(old), undefined, 'nothing left under the old key');
    const check = await checkOriginals(db.store.pool, rotated);
    assert.equal(check.readable, check.total);
    assert.equal(check.byKey[currentId], check.total);
    const r1 = await stored('r1');
    const [withheld] = await versions(r1.id);
    const item = (await review(r1.id))!;
    assert.equal(
      openOriginal(rotated, {
        ...(await readSealedOriginal(db.store.pool, item.id)),
        original: withheld!.original,
        keyId: withheld!.key_id,
      }),
      'Исправлено: всё в порядке, без данных',
    );
  });
});
