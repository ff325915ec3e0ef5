import type { Category, Finding } from '../../classifier/index.ts';
import type { CanonicalMessage } from '../../core/message.ts';

export type PolicyAction = 'allow' | 'redact' | 'quarantine' | 'block';

/** What policy decided for one message, and the rule that decided it (never the personal data itself). */
export interface PolicyDecision {
  action: PolicyAction;
  rule: string;
  categories: Category[];
  /** the text to deliver: the original, or a redacted copy */
  deliveredText: string;
  redacted: boolean;
}

/** Until agencies have policies, every message is delivered as written, with its findings recorded. */
export function decide(message: CanonicalMessage, findings: readonly Finding[]): PolicyDecision {
  const categories = [...new Set(findings.map((f) => f.category))].sort();
  return { action: 'allow', rule: 'default: deliver with findings', categories, deliveredText: message.text, redacted: false };
}
