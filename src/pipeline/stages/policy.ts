import type { Finding } from '../../classifier/index.ts';
import type { CanonicalMessage } from '../../core/message.ts';
import { decide, DEFAULT_POLICY, type Policy, type PolicyDecision } from '../../policy/index.ts';

export type { Policy, PolicyDecision };

export interface PolicyContext {
  policy?: Policy;
  /** keys the hash redaction operator */
  hashKey?: Buffer;
}

/** The policy stage for messages coming in from a foreign messenger. Pure. */
export function decideInbound(
  message: CanonicalMessage,
  findings: readonly Finding[],
  context: PolicyContext = {},
): PolicyDecision {
  return decide('inbound', message.text, findings, context.policy ?? DEFAULT_POLICY, { hashKey: context.hashKey });
}
