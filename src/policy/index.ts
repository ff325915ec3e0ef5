/**
 * The agency policy: which personal data may cross the border in which direction, and what is done with the rest.
 * Pure (no store, no queue): parsing and validating policy files, deciding messages, explaining decisions.
 */
export {
  DIRECTIONS,
  POLICY_ACTIONS,
  POLICY_CATEGORIES,
  DEFAULT_KEEP_LAST,
  RETENTION_KINDS,
  policySchema,
} from './policy-schema.ts';
export type {
  Direction,
  DirectionRules,
  OutboundAction,
  Policy,
  PolicyAction,
  PolicyCategory,
  PolicyDocument,
  RedactionSetting,
  RetentionKind,
  RetentionSetting,
} from './policy-schema.ts';
export { BUILT_IN_ACTIONS, DEFAULT_POLICY } from './defaults.ts';
export { parsePolicyFile, policyFromStored, serializePolicy } from './parse-policy.ts';
export { decide, fileAction, fileRedaction, ruleFor, mostSevere, withAttachments, NO_FINDINGS_RULE } from './decide.ts';
export type { PolicyDecision, PolicyReason } from './decide.ts';
export { explainPolicyCheck } from './explain.ts';
