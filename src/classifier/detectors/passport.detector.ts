import { ContextWords, isTemplateNumber, type PatternDetector, type Verdict } from './detector.ts';

/**
 * Kazakhstan passports: the letter N and 8 digits (people also type the Cyrillic Н). N plus eight digits is
 * also an invoice or a part number, so only a context word makes it a finding.
 */
export const passportDetector: PatternDetector = {
  kind: 'pattern',
  name: 'passport',
  category: 'PASSPORT',
  // the lookbehind sits after the first character so the combined pass can still skip fast to N/Н
  pattern:
    '[NНnн№](?<![\\p{L}\\p{N}][NНnн№])(?: ?-? ?|,? (?:номер|нөмірі|nömırı|number|no\\.?):? )\\d(?:[ -]?\\d){7}(?![ -]?\\p{N})',
  context: new ContextWords(
    'passport',
    [
      'паспорт',
      'төлқұжат',
      'passport',
      'загранпаспорт',
      'загрн',
      'выдан',
      'выдач',
      'МВД',
      'ІІМ',
      'МЮ РК',
      'загран',
      'шетелдік төлқұжат',
      'pasport',
      'tölqūjat',
      'tolqujat',
      'tolkuzhat',
      'tolkujat',
      'tölqujat',
      'пасспорт',
      'пасп',
      'pp#',
      'pp no',
      // travel documents' context: an N and eight digits in a visa form or a pilgrims' list is a passport number
      'виза',
      'визу',
      'визы',
      'визе',
      'visa',
      'посольств',
      'embassy',
      'консульств',
      'consulate',
      'қажылық',
      'qajylyq',
      'паломник',
      'умра',
      'анкет',
      'серия/номер',
      'іссапар',
      'issapar',
      'гостиниц',
      'заселени',
      'hotel',
      'шекара',
      'şekara',
      'shekara',
      'границ',
      'border',
      'төлкұжат',
      'вылет',
      'сборн',
      'спортшы',
      'sportşy',
      'жарыс',
      'делегаци',
      'delegasi',
      'delegation',
      'турнир',
      'tournament',
    ],
    {
      // a document's number is often a sentence after the document's name
      before: 80,
      after: 40,
      // passports of things, not people: a building's or a vehicle's technical passport, a deal's or a product's
      guard:
        /(?:тех\.?\s*паспорт|техническ\p{L}*\s+паспорт|паспорт\p{L}*\s+(?:здани|объект|здоровь|сделк|проект|безопасност|качеств|издели|транспортн|сосуд|котл|лифт|прибор|сч[её]тчик|автомобил|дорог|участк|оборудован)|техникалық\s+(?:паспорт|төлқұжат)|тіркеу\s+куәлі|tırkeu\s+kuälı|свидетельств\p{L}*\s+о\s+регистрац|registration\s+certificate|technical\s+passport|(?:building|vehicle|product|equipment)\s+passport)/iu,
    },
  ),
  contextScore: 0.85,
  evaluate(match: string): Verdict | null {
    if (isTemplateNumber(match.replace(/\D/g, ''))) return null;
    if (match.startsWith('№')) {
      return { validator: 'passport-format:pass', baseScore: 0.1, validated: false, note: '№ and 8 digits' };
    }
    return { validator: 'passport-format:pass', baseScore: 0.3, validated: false };
  },
};
