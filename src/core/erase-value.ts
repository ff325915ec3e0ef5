/**
 * A subject's identifier erased from a text (issue 24, `subject erase`): every occurrence of the value, however it
 * was written (spaces or dashes between digits, +7 or 8 before a phone number, any case), replaced by its
 * category's tag, `[IIN]`, as quarantine copies are tagged. The rest of the text stays as it was.
 */
import { subjectValue, type SubjectCategory } from './subject.ts';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A pattern for the value as people write it; null for a value too short to erase safely. */
export function valuePattern(category: SubjectCategory, value: string): RegExp | null {
  const canonical = subjectValue(category, value);
  if (canonical.length < 4) return null;
  if (category === 'EMAIL') return new RegExp(`(?<![\\p{L}\\p{N}._%+-])${escape(canonical)}(?![\\p{L}\\p{N}])`, 'giu');
  const between = category === 'PHONE' ? '[\\s()\\-]*' : '[\\s\\-]*';
  if (category === 'PHONE' && canonical.length === 11 && canonical.startsWith('7')) {
    const rest = [...canonical.slice(1)].join(between);
    return new RegExp(`(?<!\\d)(?:\\+?\\s*7|8)${between}${rest}(?!\\d)`, 'g');
  }
  const body = [...canonical].map(escape).join(between);
  return new RegExp(`(?<![\\p{L}\\p{N}])${body}(?![\\p{L}\\p{N}])`, 'giu');
}

export function eraseValue(text: string, category: SubjectCategory, value: string): { text: string; erased: number } {
  const pattern = valuePattern(category, value);
  if (!pattern) return { text, erased: 0 };
  let erased = 0;
  const out = text.replace(pattern, () => {
    erased++;
    return `[${category}]`;
  });
  return { text: out, erased };
}
