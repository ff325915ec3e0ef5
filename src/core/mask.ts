/**
 * Masks personal data in free text bound for logs and error messages. The classifier (when loaded)
 * finds what it knows; this belt-and-braces pass then hides any long digit run, e-mail or phone-like
 * number it did not, so no raw IIN, card or phone number reaches a log even when a detector misses.
 */
// not a negative number (Telegram chat ids such as -1001987654321) nor a byte offset the gateway itself reports
const digitRun =
  /(?<![\p{L}\p{N}-])(?<!byte )(?<!offset )\+?\p{Nd}(?:[\s\-.()\u200b-\u200d\u2060\ufeff]{0,3}\p{Nd}){8,}(?!\p{N})/gu;
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
  return (
    between(month, 1, 12) &&
    between(day, 1, 31) &&
    between(hour, 0, 23) &&
    between(minute, 0, 59) &&
    between(second, 0, 59)
  );
}

/** UUIDs (run, attempt, review item, agency ids): random, never personal data, yet their digits can look like some. */
const uuid = /(?<![\p{L}\p{N}-])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![\p{L}\p{N}-])/giu;
const uuidStandIn = 'gatewayuuid';

/** A uuid-shaped string whose all-digit tail a detector flags (an IIN dressed as a uuid) is masked like any other text. */
function hidesPersonalData(id: string): boolean {
  const tail = id.slice(-12);
  if (!/^\d{12}$/.test(tail) || !classifierRedactor) return false;
  try {
    return classifierRedactor(tail) !== tail;
  } catch {
    return true;
  }
}

/** Sets the gateway's own identifiers aside as letters-only stand-ins, so the detectors neither garble them nor lose the context around them. */
function setOwnIdsAside(text: string): { text: string; keyIds: string[]; uuids: string[] } {
  const keyIds: string[] = [];
  const uuids: string[] = [];
  const withoutKeyIds = text.replace(
    keyId,
    (id: string, _year: string, month: string, day: string, hour: string, minute: string, second: string) => {
      if (!isKeyIdTime(month, day, hour, minute, second)) return id;
      keyIds.push(id);
      return keyIdStandIn;
    },
  );
  const withoutUuids = withoutKeyIds.replace(uuid, (id: string) => {
    if (hidesPersonalData(id)) return id;
    uuids.push(id);
    return uuidStandIn;
  });
  return { text: withoutUuids, keyIds, uuids };
}

/** A stand-in the text itself carried gets an id back (never personal data); one the detectors ate stays eaten. */
function putOwnIdsBack(text: string, standIn: string, ids: readonly string[]): string {
  if (ids.length === 0) return text;
  let next = 0;
  return text.replace(new RegExp(standIn, 'g'), (found) => ids[next++] ?? found);
}

export function maskPersonalData(text: string): string {
  const aside = setOwnIdsAside(text);
  let masked = aside.text;
  if (classifierRedactor) {
    try {
      masked = classifierRedactor(masked);
    } catch {
      // masking must never throw; the regex pass below still runs
    }
  }
  masked = masked.replace(email, '[EMAIL]').replace(phoneLike, '[PHONE]').replace(digitRun, '[NUMBER]');
  return putOwnIdsBack(putOwnIdsBack(masked, keyIdStandIn, aside.keyIds), uuidStandIn, aside.uuids);
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
