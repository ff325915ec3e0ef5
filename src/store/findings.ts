import type pg from 'pg';
import type { Finding } from '../classifier/index.ts';
import type { Attachment } from '../core/message.ts';

type Queryable = Pick<pg.PoolClient, 'query'>;

/** Writes the findings of newly inserted messages in one statement. */
export async function insertFindings(db: Queryable, rows: readonly { messageId: bigint; findings: readonly Finding[] }[]): Promise<number> {
  const messageIds: string[] = [];
  const categories: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const confidences: number[] = [];
  const detectors: string[] = [];
  const explanations: string[] = [];
  for (const row of rows) {
    for (const f of row.findings) {
      messageIds.push(row.messageId.toString());
      categories.push(f.category);
      starts.push(f.start);
      ends.push(f.end);
      confidences.push(f.confidence);
      detectors.push(f.detector);
      explanations.push(JSON.stringify(f.explanation));
    }
  }
  if (messageIds.length === 0) return 0;
  await db.query(
    `INSERT INTO findings (message_id, category, start, "end", confidence, detector, explanation)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::int[], $5::float8[], $6::text[], $7::jsonb[])`,
    [messageIds, categories, starts, ends, confidences, detectors, explanations],
  );
  return messageIds.length;
}

/** Attachment references of newly inserted messages; the bytes are already in the content-addressed store. */
export async function insertAttachments(db: Queryable, rows: readonly { messageId: bigint; attachments: readonly Attachment[] }[]): Promise<void> {
  const messageIds: string[] = [];
  const positions: number[] = [];
  const names: string[] = [];
  const mimes: (string | null)[] = [];
  const sizes: (string | null)[] = [];
  const hashes: (string | null)[] = [];
  const missing: boolean[] = [];
  const blobs = new Map<string, { size: string; mime: string | null }>();
  for (const row of rows) {
    row.attachments.forEach((a, position) => {
      messageIds.push(row.messageId.toString());
      positions.push(position);
      names.push(a.name);
      mimes.push(a.mime ?? null);
      sizes.push(a.size === undefined ? null : String(a.size));
      hashes.push(a.sha256 ?? null);
      missing.push(a.missing || !a.sha256);
      if (a.sha256) blobs.set(a.sha256, { size: String(a.size ?? 0), mime: a.mime ?? null });
    });
  }
  if (messageIds.length === 0) return;
  if (blobs.size > 0) {
    const keys = [...blobs.keys()];
    await db.query(
      `INSERT INTO attachment_blobs (sha256, size, mime) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])
       ON CONFLICT (sha256) DO NOTHING`,
      [keys, keys.map((k) => blobs.get(k)!.size), keys.map((k) => blobs.get(k)!.mime)],
    );
  }
  await db.query(
    `INSERT INTO message_attachments (message_id, position, name, mime, size, sha256, missing)
     SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::bool[])
     ON CONFLICT (message_id, position) DO NOTHING`,
    [messageIds, positions, names, mimes, sizes, hashes, missing],
  );
}
