import type { FindingView } from '../../review/items.ts';

/** A piece of the redacted text: plain, or the replacement of one or more findings. */
export type TextPiece = { text: string } | { text: string; findings: number[] };

/** Whether a finding's span is in the message's text (not in a structured part such as a contact card). */
export function inText(finding: FindingView): boolean {
  const note = (finding.explanation as { note?: unknown } | null)?.note;
  return !(typeof note === 'string' && note.startsWith('in extra.'));
}

/**
 * Where each finding sits in the redacted text. Findings carry offsets into the original; the redacted copy of a
 * quarantined message replaced each span, in order, with its category's tag (`[IIN]`), a keyed hash
 * (`[IIN:…]`) or a mask of the same length. Walking the findings in order and checking each replacement where it
 * must begin finds them again without the original. A finding that overlaps the one before joins its piece.
 * Returns null when the text does not line up (an edited message): the caller lists findings without marks.
 */
export function piecesOf(redacted: string, findings: readonly FindingView[]): TextPiece[] | null {
  const order = findings
    .map((finding, index) => ({ finding, index }))
    .filter(({ finding }) => inText(finding))
    .sort((a, b) => a.finding.start - b.finding.start || b.finding.end - a.finding.end);
  const pieces: TextPiece[] = [];
  let originalAt = 0;
  let redactedAt = 0;
  let last: { text: string; findings: number[] } | null = null;
  for (const { finding, index } of order) {
    if (finding.start < originalAt) {
      last?.findings.push(index);
      continue;
    }
    if (finding.end <= finding.start) continue;
    const begins = redactedAt + (finding.start - originalAt);
    if (begins > redacted.length) return null;
    if (begins > redactedAt) pieces.push({ text: redacted.slice(redactedAt, begins) });
    const length = replacementLength(redacted, begins, finding);
    if (length === null) return null;
    last = { text: redacted.slice(begins, begins + length), findings: [index] };
    pieces.push(last);
    originalAt = finding.end;
    redactedAt = begins + length;
  }
  if (redactedAt < redacted.length) pieces.push({ text: redacted.slice(redactedAt) });
  return pieces;
}

/** The length of the replacement at `at`: a `[CATEGORY…]` token, else a same-length mask; null when neither fits. */
function replacementLength(redacted: string, at: number, finding: FindingView): number | null {
  const token = `[${finding.category}`;
  if (redacted.startsWith(token, at)) {
    const close = redacted.indexOf(']', at + token.length);
    const next = redacted[at + token.length];
    if (close !== -1 && (next === ']' || next === ':')) return close - at + 1;
  }
  const span = finding.end - finding.start;
  return at + span <= redacted.length ? span : null;
}
