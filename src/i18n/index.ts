import { isLanguage, LANGUAGES, type Language } from '../auth/users.ts';
import { en, type Catalog, type MessageKey } from './en.ts';
import { kk } from './kk.ts';
import { ru } from './ru.ts';

export { LANGUAGES, isLanguage, type Language, type MessageKey };

export const CATALOGS: Readonly<Record<Language, Catalog>> = { kk, ru, en };

/** The locale Intl formats dates and numbers with for each language. */
const LOCALES: Readonly<Record<Language, string>> = { kk: 'kk-KZ', ru: 'ru-RU', en: 'en-GB' };

/** Strings and formats in one language, for one request. */
export interface Translator {
  language: Language;
  /** the catalog's text with `{name}` replaced by params' values (plain text: the view escapes it) */
  t(key: MessageKey, params?: Readonly<Record<string, string | number>>): string;
  /** a number in the language's notation */
  number(value: number, options?: Intl.NumberFormatOptions): string;
  /** a moment as date and time, in the console's time zone */
  dateTime(value: string | Date): string;
  /** a day (`YYYY-MM-DD`, taken as that calendar day) */
  day(value: string): string;
}

export function translator(language: Language, timeZone: string): Translator {
  const catalog = CATALOGS[language];
  const locale = LOCALES[language];
  const numbers = new Intl.NumberFormat(locale);
  const dateTimes = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone });
  const days = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
  return {
    language,
    t(key, params) {
      const text = catalog[key];
      if (!params) return text;
      return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
        const value = params[name];
        return value === undefined ? whole : typeof value === 'number' ? numbers.format(value) : value;
      });
    },
    number: (value, options) => (options ? new Intl.NumberFormat(locale, options) : numbers).format(value),
    dateTime: (value) => dateTimes.format(typeof value === 'string' ? new Date(value) : value),
    day: (value) => days.format(new Date(`${value}T00:00:00Z`)),
  };
}

/**
 * The best of the console's languages for an Accept-Language header (`ru-RU,ru;q=0.9,en;q=0.8`), or null when it
 * names none of them.
 */
export function languageFromHeader(header: string | undefined): Language | null {
  if (!header) return null;
  const ranked = header
    .split(',')
    .map((part, order) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { primary: tag.trim().toLowerCase().split('-')[0] ?? '', q: q === undefined ? 1 : Number(q), order };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  return ranked.map((entry) => entry.primary).find(isLanguage) ?? null;
}
