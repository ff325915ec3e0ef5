import { parseCanonicalMessage, type CanonicalMessage } from '../../core/message.ts';
import { isRawLine, parseJsonObjectLine } from '../../importers/raw-line.ts';

export interface Refused {
  message: unknown;
  reason: string;
}

export interface IngestResult {
  valid: CanonicalMessage[];
  refused: Refused[];
}

/** Validates each message at the pipeline's boundary; a malformed one is refused alone, never its batch. */
export function ingest(messages: readonly unknown[]): IngestResult {
  const valid: CanonicalMessage[] = [];
  const refused: Refused[] = [];
  for (const input of messages) {
    // a dead-lettered unreadable line, retried: read it again (src/importers/raw-line.ts)
    const line = isRawLine(input) ? parseJsonObjectLine(input.raw) : null;
    if (line && !line.ok) {
      refused.push({ message: input, reason: `raw line: ${line.reason}` });
      continue;
    }
    const parsed = parseCanonicalMessage(line ? line.value : input);
    if (parsed.ok) valid.push(parsed.message);
    else refused.push({ message: input, reason: `invalid canonical message: ${parsed.error}` });
  }
  return { valid, refused };
}
