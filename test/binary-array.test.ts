import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { binaryArray } from '../src/store/binary-array.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';

/** Each element type as PostgreSQL reads it back: the server's own text of the array it received in binary. */
describe('binary arrays: what PostgreSQL receives is what was sent', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  async function roundTrip(sql: string, parameter: Buffer): Promise<unknown> {
    const result = await db.store.pool.query<{ v: unknown }>(sql, [parameter]);
    return result.rows[0]!.v;
  }

  it('text: any Unicode, quotes, backslashes, commas, braces, empty strings and NULLs', async () => {
    const values = [
      'plain',
      '',
      'ИИН 900101300123',
      'Қазақ тілі',
      'emoji 👍🏽 and 𝔘',
      'quote " backslash \\ comma , braces {} NULL',
      'NULL',
      null,
      ' spaced ',
    ];
    assert.deepEqual(await roundTrip(`SELECT $1::text[] AS v`, binaryArray('text', values)), values);
  });

  it('an empty array, and an array of NULLs only', async () => {
    assert.deepEqual(await roundTrip(`SELECT $1::text[] AS v`, binaryArray('text', [])), []);
    assert.deepEqual(await roundTrip(`SELECT cardinality($1::int[]) AS v`, binaryArray('int4', [])), 0);
    assert.deepEqual(await roundTrip(`SELECT $1::text[] AS v`, binaryArray('text', [null, undefined])), [null, null]);
  });

  it('int4, int8, float8 and bool keep their values and their NULLs', async () => {
    assert.deepEqual(
      await roundTrip(`SELECT $1::int[] AS v`, binaryArray('int4', [1, -1, 0, 2147483647, -2147483648, null])),
      [1, -1, 0, 2147483647, -2147483648, null],
    );
    assert.equal(
      await roundTrip(
        `SELECT array_to_string($1::bigint[], ',', 'N') AS v`,
        binaryArray('int8', [0, 5_000_000_000, -7, null]),
      ),
      '0,5000000000,-7,N',
    );
    assert.deepEqual(await roundTrip(`SELECT $1::float8[] AS v`, binaryArray('float8', [0.95, 1, 0.001, -2.5, null])), [
      0.95,
      1,
      0.001,
      -2.5,
      null,
    ]);
    assert.deepEqual(await roundTrip(`SELECT $1::bool[] AS v`, binaryArray('bool', [true, false, null])), [
      true,
      false,
      null,
    ]);
  });

  it('timestamptz: the instant of any zoned ISO time, to the millisecond, before and after 2000', async () => {
    const times = [
      '2023-12-31T15:41:05.123Z',
      '1999-12-31T23:59:59.999Z',
      '2000-01-01T00:00:00.000Z',
      '1970-01-01T00:00:00.000Z',
      '2024-02-29T12:00:00+06:00',
    ];
    const back = (await roundTrip(
      `SELECT array_agg(to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') ORDER BY o) AS v FROM unnest($1::timestamptz[]) WITH ORDINALITY AS u(t, o)`,
      binaryArray('timestamptz', times),
    )) as string[];
    assert.deepEqual(
      back,
      times.map((t) => new Date(t).toISOString()),
    );
    assert.throws(() => binaryArray('timestamptz', ['yesterday']), /not a time/);
  });

  it('uuid, jsonb and bytea', async () => {
    const ids = ['6f1c1a52-3d7e-4c55-9a51-2b8d2f1e0a11', '00000000-0000-0000-0000-000000000000'];
    assert.deepEqual(await roundTrip(`SELECT $1::uuid[] AS v`, binaryArray('uuid', ids)), ids);
    assert.throws(() => binaryArray('uuid', ['not-a-uuid']), /not a uuid/);
    const documents = [
      '{}',
      '{"chatTitle":"Пресс-служба","entities":[{"type":"bold","offset":0,"length":7}]}',
      '[1,"two",null]',
      null,
    ];
    const parsed = (await roundTrip(`SELECT $1::jsonb[] AS v`, binaryArray('jsonb', documents))) as unknown[];
    assert.deepEqual(
      parsed,
      documents.map((d) => (d === null ? null : JSON.parse(d))),
    );
    const bytes = [Buffer.from([0, 1, 2, 255]), Buffer.alloc(0), Buffer.from('шифр', 'utf8')];
    assert.deepEqual(await roundTrip(`SELECT $1::bytea[] AS v`, binaryArray('bytea', bytes)), bytes);
  });

  it('the server refuses what it would refuse as text: malformed JSON, a NUL in text, a wrong element type', async () => {
    await assert.rejects(
      roundTrip(`SELECT $1::jsonb[] AS v`, binaryArray('jsonb', ['{"open":'])),
      /invalid input syntax for type json/,
    );
    await assert.rejects(
      roundTrip(`SELECT $1::text[] AS v`, binaryArray('text', ['a\u0000b'])),
      /invalid byte sequence|null character/,
    );
    await assert.rejects(
      roundTrip(`SELECT $1::int[] AS v`, binaryArray('text', ['1'])),
      /array element type 25 \(text\) instead of expected 23/,
    );
  });
});
