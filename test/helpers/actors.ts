import { runCli, type CliResult } from './cli.ts';
import type { ReviewWorld } from './review-setup.ts';

export interface AuditRow {
  id: string;
  actor: string;
  action: string;
  agency_id: string | null;
  subject: string | null;
  details: Record<string, unknown>;
}

/** Runs the CLI with the token in AITU_GATEWAY_TOKEN (no token: the variable empty), as a person would. */
export function cliAs(
  w: ReviewWorld,
  token: string | null,
  args: readonly string[],
  extra: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<CliResult> {
  return runCli(args, { env: { ...w.env, ...extra.env, AITU_GATEWAY_TOKEN: token ?? '' }, input: extra.input });
}

/** The audit entries of one action, oldest first. */
export async function auditOf(w: ReviewWorld, action: string): Promise<AuditRow[]> {
  return w.query<AuditRow>(
    // ordered by the bigint column: `ORDER BY id` would take the text alias, where entry 10 comes before entry 9
    `SELECT id::text AS id, actor, action, agency_id, subject, details FROM audit_log WHERE action = $1 ORDER BY audit_log.id`,
    [action],
  );
}

/** Audit rows the chain does not cover yet. */
export async function unsealedRows(w: ReviewWorld): Promise<AuditRow[]> {
  return w.query<AuditRow>(
    `SELECT a.id::text AS id, a.actor, a.action, a.agency_id, a.subject, a.details FROM audit_log a
      WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.entry_id = a.id) ORDER BY a.id`,
  );
}
