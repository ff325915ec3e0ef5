/**
 * Month names as phones write them in the layouts that spell the month (`28 Aug 2013`, `18 мар. 12:14`,
 * `Mar 5, 8:11 PM`): abbreviated and full, in the form used inside a date (Russian genitive `марта`) and the
 * stand-alone form (`март`), taken from the ICU data Node ships rather than typed by hand. Pure once built.
 */

/** The languages whose month names are read: the ones this gateway's agencies meet and the issue lists. */
export const MONTH_NAME_LOCALES = ['en', 'en-GB', 'ru', 'kk', 'de', 'es', 'fr', 'pt', 'pt-PT', 'tr'] as const;

/**
 * A name as looked up: lower case, without a trailing dot, and with Turkish dotted and dotless i folded to `i`,
 * so `MAYIS`, `Mayıs` and `mayıs` are one key (JavaScript lower-cases `I` to `i` and `İ` to `i` + U+0307).
 */
export function monthKey(word: string): string {
  return word
    .toLowerCase()
    .replace(/\.$/u, '')
    .replace(/\u0307/gu, '')
    .replace(/ı/gu, 'i');
}

/** Every form ICU writes for each month of a locale: short and long, inside a date and on their own. */
function formsOf(locale: string): string[][] {
  const inDate = ['short', 'long'].map(
    (month) => new Intl.DateTimeFormat(locale, { day: 'numeric', month: month as 'short', timeZone: 'UTC' }),
  );
  const alone = ['short', 'long'].map(
    (month) => new Intl.DateTimeFormat(locale, { month: month as 'short', timeZone: 'UTC' }),
  );
  const months: string[][] = [];
  for (let month = 0; month < 12; month++) {
    const date = new Date(Date.UTC(2022, month, 18));
    const forms = [
      ...inDate.map((format) => format.formatToParts(date).find((part) => part.type === 'month')?.value ?? ''),
      ...alone.map((format) => format.format(date)),
    ];
    // some locales write a short month inside a date as a number (pt-PT `18/03`): not a name
    months.push(forms.filter((form) => /^\p{L}/u.test(form)));
  }
  return months;
}

/** key → month (1–12); a key two locales give to different months would be dropped (none does today). */
function buildTable(): { months: Map<string, number>; initials: Set<string> } {
  const months = new Map<string, number>();
  const clashing = new Set<string>();
  for (const locale of MONTH_NAME_LOCALES) {
    formsOf(locale).forEach((forms, index) => {
      for (const form of forms) {
        const key = monthKey(form);
        const known = months.get(key);
        if (known !== undefined && known !== index + 1) clashing.add(key);
        months.set(key, index + 1);
      }
    });
  }
  for (const key of clashing) months.delete(key);
  const initials = new Set([...months.keys()].map((key) => key.charAt(0)));
  return { months, initials };
}

// built on first use: asking ICU for ten locales' names is a noticeable part of the CLI's start-up, and most
// commands (a Telegram import, a worker) never read a WhatsApp date
let table: ReturnType<typeof buildTable> | null = null;

/** The month (1–12) a name means, or null when it is no month name this module knows. */
export function monthOfName(word: string): number | null {
  return (table ??= buildTable()).months.get(monthKey(word)) ?? null;
}

/** Whether a line starting with this character may start with a month name (a cheap test before the patterns). */
export function mayStartMonthName(char: string): boolean {
  return (table ??= buildTable()).initials.has(monthKey(char));
}
