/**
 * A JSONL line that could not be read as a message is dead-lettered as `{ raw: "<the line>" }`, the line's own
 * text, so that nothing of it is lost and a retry reads it again (the dead-letter queue keeps payloads encrypted).
 * The pipeline's ingest stage unpacks such an entry before validating it.
 */
export interface RawLine {
  raw: string;
}

/** Called on every message the pipeline ingests: one property read decides for ordinary messages. */
export function isRawLine(input: unknown): input is RawLine {
  if (input === null || typeof input !== 'object') return false;
  if (typeof (input as { raw?: unknown }).raw !== 'string') return false;
  return Object.keys(input).length === 1;
}

export type ParsedLine = { ok: true; value: Record<string, unknown> } | { ok: false; reason: string };

/** A line's JSON object, or why it is not one (the reason never quotes the line: it may hold personal data). */
export function parseJsonObjectLine(text: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not valid JSON (${(error as Error).message.replace(/".*"/s, '…')})` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { ok: false, reason: 'not a JSON object' };
  return { ok: true, value: value as Record<string, unknown> };
}
