import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadKeyring } from '../../src/core/keys.ts';
import { runClassifyStage } from '../../src/pipeline/stages/classify.processor.ts';
import { deliverBatch } from '../../src/pipeline/stages/deliver.ts';
import { addAgency } from '../../src/store/agencies.ts';
import { runCli, type CliResult } from './cli.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { initTestInstallation } from './installation.ts';

/** Personal data the review tests plant; none of it may reach the audit log or a screen that may not see it. */
export const PLANTED = {
  iin: '940101300123',
  iin2: '811201401188',
  phone: '+7 701 234 56 78',
  diagnosis: 'туберкулез',
} as const;

export const inbound = (chatId: string, chatTitle: string, id: string, text: string) => ({
  platform: 'telegram' as const,
  chatId,
  chatTitle,
  messageId: id,
  sender: { id: 'user7', name: 'Dana' },
  sentAt: new Date(Date.parse('2024-02-01T09:00:00Z') + Number(id.replace(/\D/g, '') || 0) * 60_000).toISOString(),
  text,
});

export interface ReviewWorld {
  db: TestDatabase;
  dir: string;
  keyFile: string;
  env: NodeJS.ProcessEnv;
  agencies: Record<string, string>;
  cli(args: readonly string[], token?: string): Promise<CliResult>;
  /** classify → policy → deliver, for real, as the deliver worker does */
  deliver(agency: string, messages: ReturnType<typeof inbound>[], seq?: number): Promise<void>;
  /** creates a user through the CLI (the first admin without a token) and returns the token */
  addUser(name: string, role: string, agencies?: string[], token?: string): Promise<string>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** drops the database and removes the folder */
  close(): Promise<void>;
}

/**
 * A fresh database, data directory and keys (made by keys init), with agencies `a` and `b` (default policy: IIN and
 * HEALTH quarantined).
 */
export async function createReviewWorld(agencySlugs: readonly string[] = ['a', 'b']): Promise<ReviewWorld> {
  const db = await createTestDatabase();
  const dir = mkdtempSync(path.join(tmpdir(), 'aitu-review-'));
  const keyFile = path.join(dir, 'keys.json');
  const env = {
    DATABASE_URL: db.url,
    AITU_GATEWAY_DATA_DIR: dir,
    AITU_GATEWAY_KEY_FILE: keyFile,
    AITU_GATEWAY_TOKEN: '',
  };
  await initTestInstallation(env);
  const agencies: Record<string, string> = {};
  for (const slug of agencySlugs)
    agencies[slug] = (await addAgency(db.store.prisma, { slug, name: `Agency ${slug.toUpperCase()}` })).id;
  const world: ReviewWorld = {
    db,
    dir,
    keyFile,
    env,
    agencies,
    // the token as a person passes it without --token (which warns that it shows in ps and shell history)
    cli: (args, token) => runCli(args, { env: { ...env, AITU_GATEWAY_TOKEN: token ?? '' } }),
    async deliver(agency, messages, seq) {
      const keyring = await loadKeyring(keyFile);
      const { deliver } = runClassifyStage(
        { agencyId: agencies[agency]!, runId: null, seq: seq ?? null, checkpoint: null, messages },
        { hashKey: keyring.hashKey },
      );
      await deliverBatch(db.store.pool, deliver, { keyring, deadLetter: async () => {} });
    },
    async addUser(name, role, slugs = [], token) {
      const args = ['user', 'add', name, '--role', role, '--json', ...slugs.flatMap((s) => ['--agency', s])];
      const result = await world.cli(args, token);
      assert.equal(result.code, 0, result.stderr);
      return (JSON.parse(result.stdout) as { token: string }).token;
    },
    async query(sql, params = []) {
      return (await db.store.pool.query(sql, params)).rows;
    },
    async close() {
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/** Asserts no planted personal value appears in the text. */
export function assertNoPersonalData(text: string, what: string): void {
  for (const [name, value] of Object.entries(PLANTED)) {
    assert.ok(
      !text.includes(value) && !text.includes(value.replace(/\s/g, '')),
      `${what} contains the planted ${name}`,
    );
  }
}
