import { spawn, type ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import type pg from 'pg';
import type { ImportSummary } from '../../src/pipeline/import-run.ts';
import { cliPath, projectRoot } from './cli.ts';

/** The `--json` summary an import prints. */
export type Summary = ImportSummary;

export function assertBalanced(summary: Summary): void {
  const delivered = summary.wouldDeliver ?? summary.delivered;
  assert.equal(
    summary.read,
    delivered + summary.edited + summary.duplicates + summary.blocked + summary.failed,
    `unbalanced summary ${JSON.stringify(summary)}`,
  );
}

export function spawnCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
} {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

/** Everything a delivered message is in the store, without store-generated ids, in a stable order. */
export async function storeSnapshot(pool: pg.Pool): Promise<unknown> {
  const q = async (sql: string) => (await pool.query(sql)).rows;
  return {
    messages:
      await q(`SELECT m.platform, m.source_chat_id, m.source_message_id, m.sender_id, m.sender_name, m.sent_at, m.edited_at, m.kind, m.text, m.body, m.redacted, c.title AS chat
                         FROM messages m LEFT JOIN chats c ON c.id = m.chat_id ORDER BY m.platform, m.source_chat_id, m.source_message_id`),
    findings:
      await q(`SELECT m.source_chat_id, m.source_message_id, f.category, f.start, f."end", f.detector FROM findings f JOIN messages m ON m.id = f.message_id
                         ORDER BY 1, 2, 3, 4, 5`),
    attachments: await q(
      `SELECT m.source_message_id, a.position, a.name, a.sha256, a.missing FROM message_attachments a JOIN messages m ON m.id = a.message_id ORDER BY 1, 2`,
    ),
    chats: await q(
      `SELECT c.title, s.platform, s.source_chat_id FROM chats c JOIN chat_sources s ON s.chat_id = c.id ORDER BY 1, 2, 3`,
    ),
    identities: await q(`SELECT platform, platform_id, display_name FROM identities ORDER BY 1, 2`),
  };
}
