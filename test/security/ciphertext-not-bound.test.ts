import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertNoPersonalData,
  createReviewWorld,
  inbound,
  PLANTED,
  type ReviewWorld,
} from '../helpers/review-setup.ts';

/**
 * Defect: originals were encrypted without associated data, so copying one item's `original` and `key_id` onto
 * another item (of another agency) showed agency A's record to agency B's officer.
 */
describe('security: an original is bound to its own item', () => {
  let w: ReviewWorld;
  let admin: string;
  let officerA: string;
  let officerB: string;
  const secretA = `Пациент ИИН ${PLANTED.iin}, диагноз ${PLANTED.diagnosis}`;
  const items: Record<string, string> = {};

  before(async () => {
    w = await createReviewWorld(['a', 'b']);
    await w.deliver('a', [
      inbound('-1001', 'Polyclinic A', '1', secretA),
      inbound('-1001', 'Polyclinic A', '2', `ЖСН ${PLANTED.iin2} анықтама`),
    ]);
    await w.deliver('b', [inbound('-2001', 'Ministry B', '1', `ИИН ${PLANTED.iin2} запрос`)]);
    admin = await w.addUser('root', 'admin');
    officerA = await w.addUser('olga', 'officer', ['a'], admin);
    officerB = await w.addUser('bota', 'officer', ['b'], admin);
    const rows = await w.query<{ id: string; slug: string; source_message_id: string }>(
      `SELECT r.id, g.slug, m.source_message_id FROM review_items r JOIN agencies g ON g.id = r.agency_id JOIN messages m ON m.id = r.message_id`,
    );
    for (const r of rows) items[`${r.slug}${r.source_message_id}`] = r.id;
    assert.deepEqual(Object.keys(items).sort(), ['a1', 'a2', 'b1']);
  });
  after(async () => {
    await w?.close();
  });

  const copyOriginal = (from: string, to: string) =>
    w.query(
      `UPDATE review_items t SET original = f.original, key_id = f.key_id FROM review_items f WHERE f.id = $1 AND t.id = $2`,
      [items[from], items[to]],
    );

  it("agency A's original copied onto agency B's item does not open for B's officer", async () => {
    const own = await w.cli(['review', 'show', items.a1!, '--json'], officerA);
    assert.equal(own.code, 0, own.stderr);
    assert.equal(JSON.parse(own.stdout).original, secretA, 'the original opens for its own item');
    await copyOriginal('a1', 'b1');
    const shown = await w.cli(['review', 'show', items.b1!, '--json'], officerB);
    assert.ok(!shown.stdout.includes(PLANTED.diagnosis), "B's officer must not see A's text");
    assertNoPersonalData(shown.stdout + shown.stderr, "B's officer's screen");
    assert.equal(shown.code, 1, shown.stdout + shown.stderr);
    assert.match(shown.stderr, new RegExp(`review item ${items.b1}: its original does not decrypt`));
  });

  it('copied onto another item of the same agency it does not open either', async () => {
    await copyOriginal('a1', 'a2');
    const shown = await w.cli(['review', 'show', items.a2!, '--json'], officerA);
    assert.equal(shown.code, 1, shown.stdout + shown.stderr);
    assertNoPersonalData(shown.stdout + shown.stderr, "A's officer's screen for another item");
    assert.match(shown.stderr, new RegExp(`review item ${items.a2}`));
  });

  it('approving an item with a copied original is refused and delivers nothing', async () => {
    const approved = await w.cli(['review', 'decide', items.b1!, '--approve'], officerB);
    assert.equal(approved.code, 1, approved.stdout + approved.stderr);
    const message = await w.query<{ text: string }>(
      `SELECT m.text FROM messages m JOIN review_items r ON r.message_id = m.id WHERE r.id = $1`,
      [items.b1],
    );
    assert.ok(!message[0]!.text.includes(PLANTED.diagnosis));
    const checked = await w.cli(['keys', 'check'], admin);
    assert.equal(checked.code, 1);
    assert.match(checked.stdout, /^1 of 3 originals decrypt/);
    assertNoPersonalData(checked.stdout + checked.stderr, 'keys check');
  });
});
