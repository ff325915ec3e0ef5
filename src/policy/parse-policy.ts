import { isMap, isScalar, isSeq, LineCounter, parseDocument } from '../core/yaml.ts';
import type { Node } from 'yaml';
import { UsageError } from '../core/errors.ts';
import { fieldPath, policyProblems, policySchema } from './policy-schema.ts';
import type { Policy, PolicyDocument } from './policy-schema.ts';
import { DEFAULT_POLICY } from './defaults.ts';

/**
 * Parses and validates an agency's policy file (YAML, or JSON, which YAML reads as well). Refuses it with a
 * UsageError listing every problem as `<file>:<line>: <field path>: <what is wrong>`, one per line.
 */
export function parsePolicyFile(text: string, fileName: string): Policy {
  const lineCounter = new LineCounter();
  // warnings off: the one yaml gives (a key that is a collection) becomes the schema's "unknown field" problem, and a
  // warning would reach the person as a stray Node warning line
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => `${fileName}:${lineAt(e.pos[0])}: invalid YAML/JSON: ${firstLine(e.message)}`);
    throw new UsageError(refusal(fileName, lines));
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new UsageError(
      refusal(fileName, [`${fileName}:1: invalid YAML/JSON: ${firstLine((error as Error).message)}`]),
    );
  }
  // an empty file (or one holding only comments) is the defaults
  const result = policySchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const lines = policyProblems(result.error)
    .map((p) => ({ line: lineAt(offsetOf(doc.contents, p.path)), p }))
    .sort((a, b) => a.line - b.line)
    .map(({ line, p }) => `${fileName}:${line}: ${fieldPath(p.path)}: ${p.message}`);
  throw new UsageError(refusal(fileName, lines));
}

function refusal(fileName: string, lines: readonly string[]): string {
  const count = lines.length === 1 ? 'a problem' : `${lines.length} problems`;
  return `policy file ${fileName} has ${count}; fix and try again (see docs/policy.example.yaml):\n${lines.join('\n')}`;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/**
 * Where a field path points in the source: the key of the last segment that exists (so an unknown or mistyped
 * key is reported on its own line), or the deepest node reached.
 */
function offsetOf(root: unknown, path: readonly (string | number)[]): number {
  let node: unknown = root;
  let offset = rangeStart(root) ?? 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      offset = rangeStart(pair.key) ?? rangeStart(pair.value) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined) break;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

/**
 * The policy the store keeps for an agency (the JSON `serializePolicy` wrote); null means the agency has no
 * file and gets the defaults. A stored document that no longer validates is refused, naming the fields.
 */
export function policyFromStored(json: unknown): Policy {
  if (json === null || json === undefined) return DEFAULT_POLICY;
  let value: unknown = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch {
      throw new UsageError('the stored policy is not valid JSON; set the agency policy again from its file');
    }
  }
  const result = policySchema.safeParse(value);
  if (result.success) return result.data;
  const lines = policyProblems(result.error).map((p) => `  ${fieldPath(p.path)}: ${p.message}`);
  throw new UsageError(`the stored policy is invalid; set the agency policy again from its file:\n${lines.join('\n')}`);
}

/** The JSON document the store keeps per agency: only what the file said, so defaults stay defaults. */
export function serializePolicy(policy: Policy): PolicyDocument {
  const doc: PolicyDocument = { version: 1 };
  if (Object.keys(policy.inbound).length > 0) doc.inbound = { ...policy.inbound };
  if (Object.keys(policy.outbound).length > 0) doc.outbound = { ...policy.outbound };
  const redaction = policy.redaction;
  if (redaction.operator === 'mask') doc.redaction = { operator: 'mask', keepLast: redaction.keepLast };
  else if (redaction.operator !== 'tag') doc.redaction = { operator: redaction.operator };
  if (redaction.attachments) doc.redaction = { ...doc.redaction, attachments: redaction.attachments };
  if (policy.classifier) doc.classifier = policy.classifier.spec;
  if (policy.retention) doc.retention = { ...policy.retention };
  return doc;
}
