import assert from 'node:assert/strict';
import { classify } from '../../src/classifier/classify.ts';

/** The HEALTH findings of `text`, as the matched text. */
export const healthSpans = (text: string): string[] =>
  classify(text)
    .filter((f) => f.category === 'HEALTH')
    .map((f) => text.slice(f.start, f.end));

/** Every text of the table is flagged HEALTH; a failure lists all the texts that were not, not only the first. */
export function expectFlagged(texts: readonly string[]): void {
  const missed = texts.filter((text) => healthSpans(text).length === 0);
  assert.deepEqual(missed, [], `not flagged: ${missed.length} of ${texts.length}`);
}

/** No text of the table is flagged HEALTH; a failure lists every flagged text with the spans. */
export function expectClean(texts: readonly string[]): void {
  const flagged = texts.flatMap((text) => {
    const spans = healthSpans(text);
    return spans.length === 0 ? [] : [`${text} → ${spans.join(' | ')}`];
  });
  assert.deepEqual(flagged, [], `flagged: ${flagged.length} of ${texts.length}`);
}
