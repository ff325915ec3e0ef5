/**
 * Kazakh in the 2021 Latin alphabet (ä, ğ, q, ñ, ö, ū, ü, ı, ş, y), as people type it: with the diacritics, or
 * without them (ä → a, ş → s or sh, ñ → n or ng…). A Cyrillic vocabulary term becomes a Latin term of the same
 * syntax (see health-vocabulary.ts) whose letters allow each way of writing them, so one list serves both scripts.
 */
const LETTERS: Record<string, readonly string[]> = {
  а: ['a'],
  ә: ['ä', 'a', 'ae'],
  б: ['b'],
  в: ['v'],
  г: ['g'],
  ғ: ['ğ', 'g', 'gh'],
  д: ['d'],
  е: ['e'],
  ё: ['io', 'yo'],
  ж: ['j', 'zh'],
  з: ['z'],
  и: ['i'],
  й: ['i', 'y'],
  к: ['k'],
  қ: ['q', 'k'],
  л: ['l'],
  м: ['m'],
  н: ['n'],
  ң: ['ñ', 'ng', 'n'],
  о: ['o'],
  ө: ['ö', 'o', 'oe'],
  п: ['p'],
  р: ['r'],
  с: ['s'],
  т: ['t'],
  у: ['u', 'w'],
  ұ: ['ū', 'u'],
  ү: ['ü', 'u', 'ue'],
  ф: ['f'],
  х: ['h', 'kh'],
  һ: ['h'],
  ц: ['ts', 'c', 's'],
  ч: ['ç', 'ch'],
  ш: ['ş', 'sh', 's'],
  щ: ['ş', 'sh'],
  ъ: [''],
  ы: ['y', 'i'],
  і: ['ı', 'i'],
  ь: [''],
  э: ['e'],
  ю: ['iu', 'yu'],
  я: ['ia', 'ya', 'a'],
};

/** One letter as the term syntax writes its alternatives: `a`, or `(ä|a|ae)`. */
function letter(ch: string): string {
  const forms = LETTERS[ch];
  if (!forms) return ch;
  return forms.length === 1 ? forms[0]! : `(${forms.join('|')})`;
}

/** How many leading letters are written out in every combination: the lookup walks a term's literal start. */
const LITERAL_LETTERS = 3;

/**
 * The Latin forms of a Cyrillic term: one per way of writing its first LITERAL_LETTERS letters (the vocabulary's
 * lookup walks a term's literal start, and a longer one means fewer terms tried per word), each with every later
 * letter's alternatives as a group. Syntax characters (`*`, spaces, `(`, `|`, `)`) pass through. Null when the term
 * does not start with a Cyrillic letter.
 */
export function latinForms(term: string): string[] | null {
  const lower = term.toLowerCase();
  if (!/^[\u0400-\u04ff]/.test(lower)) return null;
  const chars = [...lower];
  let head = 0;
  while (head < LITERAL_LETTERS && head < chars.length && /[\u0400-\u04ff]/.test(chars[head]!)) head++;
  const rest = chars.slice(head).map(letter).join('');
  const starts = latinSpellings(chars.slice(0, head).join(''), Number.POSITIVE_INFINITY);
  return [...new Set(starts)].map((start) => `${start}${rest}`);
}

/** Every Latin spelling of a short Cyrillic word (a name), up to `limit` of them. */
export function latinSpellings(word: string, limit = 16): string[] {
  let spellings = [''];
  for (const ch of word.toLowerCase()) {
    spellings = spellings.flatMap((s) => (LETTERS[ch] ?? [ch]).map((form) => s + form)).slice(0, limit);
  }
  return spellings.filter((s) => s !== '');
}
