/**
 * Masks personal data in free text bound for logs and error messages. The classifier (when loaded)
 * finds what it knows; this belt-and-braces pass then hides any long digit run, e-mail or phone-like
 * number it did not, so no raw IIN, card or phone number reaches a log even when a detector misses.
 */
// not a negative number (Telegram chat ids such as -1001987654321) nor a byte offset the gateway itself reports
const digitRun = /(?<![\p{L}\p{N}-])(?<!byte )(?<!offset )\+?\p{Nd}(?:[\s\-.()\u200b-\u200d\u2060\ufeff]{0,3}\p{Nd}){8,}(?!\p{N})/gu;
const email = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.\p{L}{2,}/gu;
const phoneLike = /\+\p{Nd}[\p{Nd}\s\-()]{6,}\p{Nd}/gu;

type TextRedactor = (text: string) => string;
let classifierRedactor: TextRedactor | undefined;

/** Lets the classifier take part in masking without the core importing it eagerly. */
export function useClassifierForMasking(redactor: TextRedactor): void {
  classifierRedactor = redactor;
}

export function maskPersonalData(text: string): string {
  let masked = text;
  if (classifierRedactor) {
    try {
      masked = classifierRedactor(masked);
    } catch {
      // masking must never throw; the regex pass below still runs
    }
  }
  return masked.replace(email, '[EMAIL]').replace(phoneLike, '[PHONE]').replace(digitRun, '[NUMBER]');
}

/** Masks every string inside a value (objects, arrays, errors), returning a plain copy safe to serialize. */
export function maskDeep(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return maskPersonalData(value);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Error) {
    const plain: Record<string, unknown> = { name: value.name, message: maskPersonalData(value.message) };
    if (value.stack) plain.stack = maskPersonalData(value.stack);
    for (const [k, v] of Object.entries(value)) plain[k] = maskDeep(v, seen);
    if (value.cause !== undefined) plain.cause = maskDeep(value.cause, seen);
    return plain;
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => maskDeep(item, seen));
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) copy[k] = maskDeep(v, seen);
  return copy;
}
