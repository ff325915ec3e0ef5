import type { Finding } from '../../classifier/index.ts';
import type { CanonicalMessage } from '../../core/message.ts';

type Entity = CanonicalMessage['entities'][number];

interface Replacement {
  start: number;
  end: number;
  /** how much longer (or shorter) the delivered text is after this span */
  delta: number;
}

/**
 * Where redaction replaced spans of the original, found by aligning the unchanged text between findings.
 * Null when the two texts cannot be aligned with certainty (then no offset can be trusted).
 */
function replacements(original: string, delivered: string, findings: readonly Finding[]): Replacement[] | null {
  const sorted = [...findings].sort((a, b) => a.start - b.start || b.end - a.end);
  const found: Replacement[] = [];
  let o = 0;
  let d = 0;
  for (let i = 0; i < sorted.length; i++) {
    const f = sorted[i]!;
    if (f.start < o) continue;
    const same = original.slice(o, f.start);
    if (delivered.slice(d, d + same.length) !== same) return null;
    d += same.length;
    const span = original.slice(f.start, f.end);
    const nextStart = sorted.slice(i + 1).find((n) => n.start >= f.end)?.start ?? original.length;
    const gap = original.slice(f.end, nextStart);
    if (delivered.startsWith(span, d) && delivered.startsWith(gap, d + span.length)) {
      d += span.length;
      o = f.end;
      continue;
    }
    // the replacement runs up to the unchanged text that follows it
    let replacedEnd: number;
    if (nextStart === original.length) replacedEnd = delivered.length - gap.length;
    else if (gap !== '') replacedEnd = delivered.indexOf(gap, d);
    else return null;
    if (replacedEnd < d) return null;
    found.push({ start: f.start, end: f.end, delta: replacedEnd - d - (f.end - f.start) });
    d = replacedEnd;
    o = f.end;
  }
  return original.slice(o) === delivered.slice(d) ? found : null;
}

/**
 * The formatting entities of the original, moved onto the redacted text: an entity over a replaced span is
 * dropped (a phone or e-mail entity would otherwise still point at where the data was), the others shift.
 */
export function remapEntities(
  original: string,
  delivered: string,
  findings: readonly Finding[],
  entities: readonly Entity[],
): Entity[] {
  if (entities.length === 0 || original === delivered) return [...entities];
  const replaced = replacements(original, delivered, findings);
  if (!replaced) return [];
  const moved: Entity[] = [];
  for (const entity of entities) {
    const start = entity.offset;
    const end = entity.offset + entity.length;
    if (replaced.some((r) => start < r.end && r.start < end)) continue;
    const shift = replaced.filter((r) => r.end <= start).reduce((sum, r) => sum + r.delta, 0);
    moved.push({ ...entity, offset: start + shift });
  }
  return moved;
}
