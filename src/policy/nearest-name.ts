/**
 * The valid name a mistyped one most likely meant, for "did you mean" hints in policy errors; undefined when
 * nothing is close enough to be a plausible typo (then the caller lists the valid names instead).
 */
export function nearestName(input: string, valid: readonly string[]): string | undefined {
  const folded = fold(input);
  const exactFold = valid.find((name) => fold(name) === folded);
  if (exactFold !== undefined) return exactFold;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of valid) {
    const distance = editDistance(folded, fold(name));
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  const tolerance = Math.max(1, Math.floor(Math.min(folded.length, 12) / 3));
  return bestDistance <= tolerance ? best : undefined;
}

/** Case, dashes, spaces and underscores do not count as typos: `id-card` means `ID_CARD`. */
function fold(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, '');
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, at(i - 2, j - 2) + 1);
      d[i * cols + j] = value;
    }
  }
  return at(rows - 1, cols - 1);
}
