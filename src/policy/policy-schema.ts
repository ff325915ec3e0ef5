import { z } from 'zod';
import {
  CATEGORIES,
  CUSTOM_LIMITS,
  CUSTOM_SECTIONS,
  CustomClassifier,
  patternProblem,
  phraseProblem,
} from '../classifier/index.ts';
import type { Category, CustomClassifierSpec, CustomSection } from '../classifier/index.ts';
import { nearestName } from './nearest-name.ts';

/** inbound: foreign network → Aitu (the data enters the country); outbound: Aitu → foreign network (it leaves). */
export type Direction = 'inbound' | 'outbound';
export const DIRECTIONS: readonly Direction[] = Object.freeze(['inbound', 'outbound'] as const);

/**
 * allow: deliver as written; redact: deliver with the policy's operator in place of the data; quarantine: deliver a
 * tagged copy, keep the original encrypted and open a review item; block: deliver nothing.
 */
export type PolicyAction = 'allow' | 'redact' | 'quarantine' | 'block';
export const POLICY_ACTIONS: readonly PolicyAction[] = Object.freeze([
  'allow',
  'redact',
  'quarantine',
  'block',
] as const);

/**
 * What a rule names: a category the classifier finds, or UNINSPECTED — an attachment that could not be read (past a
 * limit, corrupt, a type not read), which policy decides like any other so that it is never passed as clean.
 */
export type PolicyCategory = Category | 'UNINSPECTED';
export const POLICY_CATEGORIES: readonly PolicyCategory[] = Object.freeze([...CATEGORIES, 'UNINSPECTED'] as const);

/** A message sent abroad cannot be called back for review, so outbound has no quarantine. */
export type OutboundAction = Exclude<PolicyAction, 'quarantine'>;
const OUTBOUND_ACTIONS: readonly OutboundAction[] = ['allow', 'redact', 'block'];

/** One direction's explicit entries as the agency wrote them; an absent key falls to `default`, then the built-in. */
export type DirectionRules<A extends PolicyAction = PolicyAction> = { readonly default?: A } & {
  readonly [C in PolicyCategory]?: A;
};

/**
 * What `redact` does to an attachment: `hold` (the default) quarantines the message, since a file is not redacted in
 * place; `boxes` delivers a copy of an image or PDF with black boxes over what was found, the original kept encrypted
 * (other files are still held).
 */
export type AttachmentRedaction = 'boxes' | 'hold';
export const ATTACHMENT_REDACTIONS: readonly AttachmentRedaction[] = Object.freeze(['boxes', 'hold'] as const);

/** What `redact` writes in place of the data: `[IIN]`, `********0123`, or a keyed hash `[IIN:…]`; and to files. */
export type RedactionSetting = (
  | { readonly operator: 'tag' }
  | { readonly operator: 'mask'; readonly keepLast: number }
  | { readonly operator: 'hash' }
) & { readonly attachments?: AttachmentRedaction };
export type RedactionOperatorName = RedactionSetting['operator'];
const OPERATORS: readonly RedactionOperatorName[] = ['tag', 'mask', 'hash'];
export const DEFAULT_KEEP_LAST = 4;
const MAX_KEEP_LAST = 16;

/**
 * How long an agency keeps what it holds, in days (issue 24): `messages` by the date they were sent, `attachments`
 * (files of older messages are unlinked and their bytes removed), `originals` (the encrypted originals of decided
 * review items) and `evidence` (decided review items themselves), both by the date of the decision. Absent: kept.
 * Audit entries are never removed; a legal hold suspends all of it for its chat or subject.
 */
export type RetentionKind = 'messages' | 'attachments' | 'originals' | 'evidence';
export const RETENTION_KINDS: readonly RetentionKind[] = Object.freeze([
  'messages',
  'attachments',
  'originals',
  'evidence',
] as const);
export type RetentionSetting = { readonly [K in RetentionKind]?: number };

/** An agency's validated policy; only what the file said explicitly is kept, so a decision can name its source. */
export interface Policy {
  /** absent: nothing expires */
  readonly retention?: RetentionSetting;
  readonly version: 1;
  readonly inbound: DirectionRules;
  readonly outbound: DirectionRules<OutboundAction>;
  readonly redaction: RedactionSetting;
  /** the agency's `classifier:` section, compiled; absent when the file has none (or an empty one) */
  readonly classifier?: CustomClassifier;
}

/** The policy document as written in a file or kept by the store (every field optional). */
export interface PolicyDocument {
  version?: 1;
  inbound?: Partial<Record<PolicyCategory | 'default', PolicyAction>>;
  outbound?: Partial<Record<PolicyCategory | 'default', OutboundAction>>;
  redaction?: { operator?: RedactionOperatorName; keepLast?: number; attachments?: AttachmentRedaction };
  classifier?: CustomClassifierSpec;
  retention?: RetentionSetting;
}

export const TOP_LEVEL_KEYS = ['version', 'inbound', 'outbound', 'redaction', 'classifier', 'retention'] as const;
const REDACTION_KEYS = ['operator', 'keepLast', 'attachments'] as const;
const RULE_KEYS: readonly string[] = ['default', ...POLICY_CATEGORIES];

/** How a value a person wrote is named back to them: `"alow"`, `a number`, `a list`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return `the number ${value}`;
  return `${typeof value} ${String(value)}`;
}

function listOf(names: readonly string[]): string {
  return names.join(', ');
}

function didYouMean(input: unknown, valid: readonly string[]): string {
  const near = typeof input === 'string' ? nearestName(input, valid) : undefined;
  return near !== undefined ? `; did you mean "${near}"?` : '';
}

function inboundActionMessage(input: unknown): string {
  if (typeof input !== 'string') return `expected an action (${listOf(POLICY_ACTIONS)}), got ${describeValue(input)}`;
  return `unknown action "${input}"; the actions are ${listOf(POLICY_ACTIONS)}${didYouMean(input, POLICY_ACTIONS)}`;
}

function outboundActionMessage(input: unknown): string {
  if (input === 'quarantine') {
    return 'quarantine is not allowed outbound: a message sent abroad cannot be reviewed after the fact; use block (hold it back) or redact';
  }
  if (typeof input !== 'string') return `expected an action (${listOf(OUTBOUND_ACTIONS)}), got ${describeValue(input)}`;
  return `unknown action "${input}"; the outbound actions are ${listOf(OUTBOUND_ACTIONS)}${didYouMean(input, OUTBOUND_ACTIONS)}`;
}

/** The message for a key the schema does not know, with the valid key it most likely meant. */
export function unknownKeyMessage(parentPath: readonly PropertyKey[], key: string): string {
  const parent = parentPath.join('.');
  if (parent === 'inbound' || parent === 'outbound') {
    return `unknown category "${key}"${didYouMean(key, RULE_KEYS) || `; the categories are ${listOf(POLICY_CATEGORIES)} (or default)`}`;
  }
  if (parent === 'classifier')
    return `unknown field "${key}"${didYouMean(key, CUSTOM_SECTIONS) || `; classifier has ${listOf(CUSTOM_SECTIONS)}`}`;
  if (parent.startsWith('classifier.')) {
    return `unknown category "${key}"${didYouMean(key, CATEGORIES) || `; the categories are ${listOf(CATEGORIES)}`}`;
  }
  if (parent === 'retention')
    return `unknown kind "${key}"${didYouMean(key, RETENTION_KINDS) || `; retention has ${listOf(RETENTION_KINDS)}`}`;
  if (parent === 'redaction')
    return `unknown field "${key}"${didYouMean(key, REDACTION_KEYS) || `; redaction has ${listOf(REDACTION_KEYS)}`}`;
  if (parent === '')
    return `unknown field "${key}"${didYouMean(key, TOP_LEVEL_KEYS) || `; a policy has ${listOf(TOP_LEVEL_KEYS)}`}`;
  return `unknown field "${key}"`;
}

function rulesSchema<A extends PolicyAction>(actions: readonly A[], message: (input: unknown) => string) {
  const action = z.enum(actions as readonly [A, ...A[]], { error: (issue) => message(issue.input) }).optional();
  return (
    z
      .strictObject(
        {
          default: action,
          IIN: action,
          BIN: action,
          PHONE: action,
          EMAIL: action,
          CARD: action,
          IBAN: action,
          PASSPORT: action,
          ID_CARD: action,
          HEALTH: action,
          UNINSPECTED: action,
        } satisfies Record<PolicyCategory | 'default', unknown>,
        { error: (issue) => `expected a mapping of category: action, got ${describeValue(issue.input)}` },
      )
      // `inbound:` with every entry commented out reads as null: the same as leaving the section out
      .nullish()
      .transform((rules): DirectionRules<A> => {
        const kept: Partial<Record<PolicyCategory | 'default', A>> = {};
        for (const [key, value] of Object.entries(rules ?? {}))
          if (value !== undefined) kept[key as PolicyCategory | 'default'] = value;
        return kept;
      })
  );
}

const redactionSchema = z
  .strictObject(
    {
      operator: z
        .enum(OPERATORS as readonly [RedactionOperatorName, ...RedactionOperatorName[]], {
          error: (issue) =>
            typeof issue.input === 'string'
              ? `unknown operator "${issue.input}"; the operators are ${listOf(OPERATORS)}${didYouMean(issue.input, OPERATORS)}`
              : `expected an operator (${listOf(OPERATORS)}), got ${describeValue(issue.input)}`,
        })
        .optional(),
      keepLast: z
        .int({
          error: (issue) =>
            `expected a whole number of digits to keep (0–${MAX_KEEP_LAST}), got ${describeValue(issue.input)}`,
        })
        .min(0)
        .max(MAX_KEEP_LAST)
        .optional(),
      attachments: z
        .enum(ATTACHMENT_REDACTIONS as readonly [AttachmentRedaction, ...AttachmentRedaction[]], {
          error: (issue) =>
            `expected how files are redacted (${listOf(ATTACHMENT_REDACTIONS)}), got ${describeValue(issue.input)}${typeof issue.input === 'string' ? didYouMean(issue.input, ATTACHMENT_REDACTIONS) : ''}`,
        })
        .optional(),
    },
    { error: (issue) => `expected a mapping (${listOf(REDACTION_KEYS)}), got ${describeValue(issue.input)}` },
  )
  .nullish()
  .superRefine((redaction, ctx) => {
    if (redaction?.keepLast !== undefined && redaction.operator !== 'mask') {
      ctx.addIssue({
        code: 'custom',
        path: ['keepLast'],
        message: `keepLast applies only to operator: mask (the operator here is ${redaction.operator ?? 'tag, the default'})`,
      });
    }
  })
  .transform((redaction): RedactionSetting => {
    const operator = redaction?.operator ?? 'tag';
    const files = redaction?.attachments ? { attachments: redaction.attachments } : {};
    if (operator === 'mask') return { operator, keepLast: redaction?.keepLast ?? DEFAULT_KEEP_LAST, ...files };
    return { operator, ...files };
  });

const SECTION_WORDS: Readonly<Record<CustomSection, { entry: string; example: string }>> = {
  ignore: { entry: 'an entry to ignore', example: '["скорая помощь"]' },
  terms: { entry: 'a term', example: '["гемодиализ*"]' },
  patterns: { entry: 'a pattern', example: '["\\\\bN\\\\d{8}\\\\b"]' },
};

/** One entry of a `classifier:` list: text (quoted where YAML would read a number), usable as a phrase or an RE2 pattern. */
function customEntry(section: CustomSection) {
  const problem = section === 'patterns' ? patternProblem : phraseProblem;
  return z
    .string({
      error: (issue) =>
        typeof issue.input === 'number'
          ? `expected text, got the number ${issue.input}; write it in quotes ("${issue.input}") so that no digit is lost`
          : `expected ${SECTION_WORDS[section].entry} as text, got ${describeValue(issue.input)}`,
    })
    .superRefine((entry, ctx) => {
      const why = problem(entry);
      if (why !== null) ctx.addIssue({ code: 'custom', message: why });
    });
}

function customSectionSchema(section: CustomSection) {
  const max = CUSTOM_LIMITS.perCategory[section];
  const list = z
    .array(customEntry(section), {
      error: (issue) => `expected a list like ${SECTION_WORDS[section].example}, got ${describeValue(issue.input)}`,
    })
    .max(max, {
      error: (issue) =>
        `at most ${max} entries per category in classifier.${section}, this list has ${(issue.input as unknown[]).length}`,
    })
    .nullish();
  const shape = Object.fromEntries(CATEGORIES.map((c) => [c, list])) as Record<Category, typeof list>;
  return z
    .strictObject(shape, {
      error: (issue) => `expected a mapping of category: list, got ${describeValue(issue.input)}`,
    })
    .nullish()
    .superRefine((lists, ctx) => {
      const total = Object.values(lists ?? {}).reduce((n, l) => n + (l?.length ?? 0), 0);
      const limit = CUSTOM_LIMITS.total[section];
      if (total > limit)
        ctx.addIssue({
          code: 'custom',
          message: `at most ${limit} entries in classifier.${section} over all categories, this section has ${total}`,
        });
    })
    .transform((lists): Partial<Record<Category, string[]>> | undefined => {
      const kept: Partial<Record<Category, string[]>> = {};
      for (const [category, entries] of Object.entries(lists ?? {}))
        if (entries && entries.length > 0) kept[category as Category] = entries;
      return Object.keys(kept).length > 0 ? kept : undefined;
    });
}

/** The agency's tuning of the classifier (src/classifier/custom.ts), compiled once with the policy. */
const days = z
  .int({ error: (issue) => `expected a whole number of days (1 or more), got ${describeValue(issue.input)}` })
  .min(1, { error: 'expected a whole number of days (1 or more)' })
  .max(36_500, { error: 'at most 36500 days (100 years)' })
  .optional();

const retentionSchema = z
  .strictObject(
    { messages: days, attachments: days, originals: days, evidence: days },
    { error: (issue) => `expected a mapping (${listOf(RETENTION_KINDS)}) of days, got ${describeValue(issue.input)}` },
  )
  .nullish()
  .transform((retention) => {
    if (!retention) return undefined;
    const set = Object.fromEntries(Object.entries(retention).filter(([, v]) => v !== undefined)) as RetentionSetting;
    return Object.keys(set).length > 0 ? set : undefined;
  });

const classifierSchema = z
  .strictObject(
    {
      ignore: customSectionSchema('ignore'),
      terms: customSectionSchema('terms'),
      patterns: customSectionSchema('patterns'),
    },
    { error: (issue) => `expected a mapping (${listOf(CUSTOM_SECTIONS)}), got ${describeValue(issue.input)}` },
  )
  .nullish()
  .transform((section): CustomClassifier | undefined => {
    const spec: CustomClassifierSpec = {};
    for (const name of CUSTOM_SECTIONS) if (section?.[name]) spec[name] = section[name];
    return Object.keys(spec).length > 0 ? new CustomClassifier(spec) : undefined;
  });

/** The policy document: YAML or JSON, every field optional, anything unknown refused. */
export const policySchema = z
  .strictObject(
    {
      version: z
        .literal(1, {
          error: (issue) =>
            `unsupported version ${typeof issue.input === 'number' ? issue.input : describeValue(issue.input)}; this gateway reads version 1`,
        })
        .optional(),
      inbound: rulesSchema(POLICY_ACTIONS, inboundActionMessage),
      outbound: rulesSchema(OUTBOUND_ACTIONS, outboundActionMessage),
      redaction: redactionSchema,
      classifier: classifierSchema,
      retention: retentionSchema,
    },
    { error: (issue) => `expected a mapping (${listOf(TOP_LEVEL_KEYS)}), got ${describeValue(issue.input)}` },
  )
  .transform((doc): Policy => {
    const policy: Policy = { version: 1, inbound: doc.inbound, outbound: doc.outbound, redaction: doc.redaction };
    return {
      ...policy,
      ...(doc.classifier ? { classifier: doc.classifier } : {}),
      ...(doc.retention ? { retention: doc.retention } : {}),
    };
  });

/** One problem in a policy document: where (the field path) and what is wrong. */
export interface PolicyProblem {
  path: (string | number)[];
  message: string;
}

/** Zod's issues as one problem per offending field; an unknown-keys issue becomes one problem per key. */
export function policyProblems(error: z.ZodError): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: [...path, key], message: unknownKeyMessage(path, key) });
    } else {
      problems.push({ path, message: issue.message });
    }
  }
  return problems;
}

/** `inbound.IIN`, `redaction.keepLast`; the document itself is `(top level)`. */
export function fieldPath(path: readonly (string | number)[]): string {
  return path.length === 0 ? '(top level)' : path.join('.');
}
