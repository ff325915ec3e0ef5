/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. A text starting like a formula
 * (=, +, @, or - not followed by a digit) is prefixed with ' so a spreadsheet never runs it; chat ids like -1001234
 * stay as they are. Reports and audit exports write their CSV with it.
 */
export function csvField(value: string | number): string {
  let text = String(value);
  if (typeof value === 'string' && /^(?:[=+@]|-(?!\d))/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
