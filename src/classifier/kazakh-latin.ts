/**
 * Kazakh in the 2021 Latin alphabet (ä, ğ, q, ñ, ö, ū, ü, ı, ş, y), as people type it: with the diacritics, or
 * without them (ä → a, ş → s or sh, ñ → n or ng…). A Cyrillic vocabulary term becomes a Latin term of the same
 * syntax (see health-vocabulary.ts) whose letters allow each way of writing them, so one list serves both scripts.
 */
const LETTERS: Record<string, readonly string[]> = {
  а: ['a'], ә: ['ä', 'a', 'ae'], б: ['b'], в: ['v'], г: ['g'], ғ: ['ğ', 'g', 'gh'], д: ['d'], е: ['e'], ё: ['io', 'yo'],
  ж: ['j', 'zh'], з: ['z'], и: ['i'], й: ['i', 'y'], к: ['k'], қ: ['q', 'k'], л: ['l'], м: ['m'], н: ['n'],
  ң: ['ñ', 'ng', 'n'], о: ['o'], ө: ['ö', 'o', 'oe'], п: ['p'], р: ['r'], с: ['s'], т: ['t'], у: ['u', 'w'],
  ұ: ['ū', 'u'], ү: ['ü', 'u', 'ue'], ф: ['f'], х: ['h', 'kh'], һ: ['h'], ц: ['ts', 'c'], ч: ['ç', 'ch'],
  ш: ['ş', 'sh', 's'], щ: ['ş', 'sh'], ъ: [''], ы: ['y', 'i'], і: ['ı', 'i'], ь: [''], э: ['e'], ю: ['iu', 'yu'],
  я: ['ia', 'ya'],
};

/** One letter as the term syntax writes its alternatives: `a`, or `(ä|a|ae)`. */
function letter(ch: string): string {
  const forms = LETTERS[ch];
  if (!forms) return ch;
  return forms.length === 1 ? forms[0]! : `(${forms.join('|')})`;
}

/**
 * The Latin forms of a Kazakh Cyrillic term: one per way of writing its first letter (the vocabulary's lookup walks
 * a term's literal first letters, so the first letter must be literal), each with every later letter's
 * alternatives. Syntax characters (`*`, spaces, `(`, `|`, `)`) pass through. Null when the term has nothing Kazakh
 * Cyrillic to transliterate.
 */
export function latinForms(term: string): string[] | null {
  const lower = term.toLowerCase();
  if (!/[\u0400-\u04ff]/.test(lower)) return null;
  const first = LETTERS[lower[0]!];
  const rest = [...lower.slice(1)].map(letter).join('');
  if (!first) return [`${lower[0]}${rest}`];
  return [...new Set(first.filter((f) => f !== ''))].map((f) => `${f}${rest}`);
}
