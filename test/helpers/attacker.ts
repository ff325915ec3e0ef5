import type pg from 'pg';

/**
 * An attacker with the database: the append-only triggers are off for this session (as a superuser could turn
 * them off), then rows are edited, deleted or swapped directly.
 */
export async function asAttacker(pool: pg.Pool, ...statements: string[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query(`SET session_replication_role = replica`);
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.query(`SET session_replication_role = origin`);
    client.release();
  }
}
