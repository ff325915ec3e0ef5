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

/**
 * The gateway's own key ids (`k<UTC yyyymmddhhmmss>-<hex>`, see newKeyEntry). Their digits pass the card checksum
 * as often as any digits do, so the card detector would garble them. Only a real time of this millennium counts: no
 * card issuer's numbers of that length begin with 20, and an IIN or a phone number has fewer digits.
 */
const keyId = /(?<![\p{L}\p{N}])k(20\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)-[0-9a-f]{6}(?![\p{L}\p{N}])/gu;
const keyIdStandIn = 'gatewaykeyid';

function isKeyIdTime(month: string, day: string, hour: string, minute: string, second: string): boolean {
  const between = (value: string, low: number, high: number) => Number(value) >= low && Number(value) <= high;
  return between(month, 1, 12) && between(day, 1, 31) && between(hour, 0, 23) && between(minute, 0, 59) && between(second, 0, 59);
}

export function maskPersonalData(text: string): string {
  // key ids step aside as letters-only stand-ins while the detectors run, so the text around them keeps its context
  const keyIds: string[] = [];
  let masked = text.replace(keyId, (id: string, _year: string, month: string, day: string, hour: string, minute: string, second: string) => {
    if (!isKeyIdTime(month, day, hour, minute, second)) return id;
    keyIds.push(id);
    return keyIdStandIn;
  });
  if (classifierRedactor) {
    try {
      masked = classifierRedactor(masked);
    } catch {
      // masking must never throw; the regex pass below still runs
    }
  }
  masked = masked.replace(email, '[EMAIL]').replace(phoneLike, '[PHONE]').replace(digitRun, '[NUMBER]');
  if (keyIds.length === 0) return masked;
  let next = 0;
  // a stand-in the text itself carried gets a key id back (never personal data); one the detectors ate stays eaten
  return masked.replace(new RegExp(keyIdStandIn, 'g'), (standIn) => keyIds[next++] ?? standIn);
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
