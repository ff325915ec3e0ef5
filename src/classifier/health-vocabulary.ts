/**
 * Health vocabulary for the HEALTH detector, in Russian, Kazakh and English.
 *
 * Where the words come from (see docs/health-vocabulary.md for the longer note):
 * - disease and chapter names of ICD-10 (WHO's English edition, the Russian МКБ-10 and the Kazakh АХЖ-10
 *   translation used by the Ministry of Health of the Republic of Kazakhstan);
 * - the categories of "information about health" in the Code of the Republic of Kazakhstan "On public health
 *   and the healthcare system" (2020) and the Law "On personal data and their protection" (special categories):
 *   diagnosis, disability group, temporary incapacity for work (sick leave), pregnancy, HIV, tuberculosis,
 *   oncology, psychiatric and narcological registration, test results;
 * - the everyday words Kazakhstan chats use for the same things (больничный, на учёте у нарколога, ауырып қалды).
 *
 * Kazakh stems stop before a final к/қ/п, which voice to г/ғ/б before a vowel suffix (жүктілік → жүктілігі,
 * ісік → ісігі, жарамсыздық → жарамсыздығы).
 *
 * Syntax of a term: words separated by spaces (any run of spaces matches), `*` at a word's end takes the
 * inflected endings (Russian and Kazakh add suffixes: туберкулёз/туберкулеза/туберкулезом, ауру/ауруы/аурулары),
 * `(a|b)` alternatives; е also matches ё; a term without `*` must end at a word boundary. Matching is
 * case-insensitive unless `upper` is set (abbreviations such as AIDS/СПИД, which in lower case are other words).
 *
 * A weight of 0.5 or more fires alone at the default threshold. Words shared with business language are left
 * out on purpose (анализ, диагностика, вирус, операция, талдау) or kept only in phrases that are medical
 * (анализ крови, қан талдауы, blood test), and a few carry an `unless` guard for their business senses
 * (депрессия рынка, diagnosed the engine fault).
 */
export interface HealthTerm {
  term: string;
  weight: number;
  lang: 'ru' | 'kk' | 'en' | 'any';
  upper?: boolean;
  /** a regex source: when it matches the 32 characters after the term, the term is business language */
  unless?: string;
  /** a regex source: when it matches the 32 characters before the term, the term is business language */
  unlessBefore?: string;
}

const BUSINESS_BEFORE = '(?:рын\\p{L}*|экономи\\p{L}*|market|economic|нарық\\p{L}*|сервер\\p{L}*|server)\\s*$';
const BUSINESS_AFTER = '^[\\s,:-]*(?:рынк|экономик|цен|продаж|двигател|engine|market|econom|bug|fault|error|issue|problem|network|server|car|system|сервер|сети|систем)';

export const HEALTH_TERMS: readonly HealthTerm[] = [
  // Russian: diagnoses and registration
  { term: 'диагноз*', weight: 0.8, lang: 'ru' },
  { term: 'диагностирован*', weight: 0.55, lang: 'ru', unless: BUSINESS_AFTER },
  { term: 'заболевани*', weight: 0.75, lang: 'ru' },
  { term: 'заболел*', weight: 0.7, lang: 'ru' },
  { term: 'болезн*', weight: 0.7, lang: 'ru' },
  { term: 'болеет', weight: 0.6, lang: 'ru' },
  { term: 'туберкул*', weight: 0.9, lang: 'any' },
  { term: 'тубдиспансер*', weight: 0.9, lang: 'ru' },
  { term: 'ВИЧ', weight: 0.9, lang: 'ru', upper: true },
  { term: 'ВИЧ-инфиц*', weight: 0.9, lang: 'ru' },
  { term: 'СПИД*', weight: 0.85, lang: 'ru', upper: true },
  { term: 'онколог*', weight: 0.85, lang: 'any' },
  { term: 'онко(диспансер|центр|больн)*', weight: 0.85, lang: 'ru' },
  { term: 'рак(а|ом|е|у)?', weight: 0.6, lang: 'ru' },
  { term: 'опухол*', weight: 0.8, lang: 'ru' },
  { term: 'метастаз*', weight: 0.85, lang: 'ru' },
  { term: 'химиотерапи*', weight: 0.9, lang: 'ru' },
  { term: 'химии', weight: 0.45, lang: 'ru' },
  { term: 'лучев* терапи*', weight: 0.85, lang: 'ru' },
  { term: 'беременн*', weight: 0.85, lang: 'ru' },
  { term: 'выкидыш*', weight: 0.9, lang: 'ru' },
  { term: 'аборт*', weight: 0.8, lang: 'ru' },
  { term: 'декретн* отпуск*', weight: 0.7, lang: 'ru' },
  { term: 'больничн*', weight: 0.75, lang: 'ru' },
  { term: 'больниц*', weight: 0.55, lang: 'ru' },
  { term: 'госпитализ*', weight: 0.85, lang: 'ru' },
  { term: 'реанимаци*', weight: 0.8, lang: 'ru' },
  { term: 'прооперир*', weight: 0.8, lang: 'ru' },
  { term: 'инвалид*', weight: 0.8, lang: 'ru' },
  { term: 'психиатр*', weight: 0.85, lang: 'any' },
  { term: 'психоневролог*', weight: 0.85, lang: 'ru' },
  { term: 'психическ* (расстройств|заболевани|болезн)*', weight: 0.85, lang: 'ru' },
  { term: 'психоз*', weight: 0.8, lang: 'ru' },
  { term: 'шизофрени*', weight: 0.9, lang: 'ru' },
  { term: 'биполярн*', weight: 0.8, lang: 'ru' },
  { term: 'депресси*', weight: 0.6, lang: 'ru', unless: BUSINESS_AFTER, unlessBefore: BUSINESS_BEFORE },
  { term: 'нарколог*', weight: 0.85, lang: 'any' },
  { term: 'наркодиспансер*', weight: 0.9, lang: 'ru' },
  { term: 'наркозависим*', weight: 0.9, lang: 'ru' },
  { term: 'наркомани*', weight: 0.85, lang: 'ru' },
  { term: 'алкоголизм*', weight: 0.8, lang: 'ru' },
  { term: 'гепатит*', weight: 0.85, lang: 'any' },
  { term: 'диабет*', weight: 0.85, lang: 'any' },
  { term: 'инсульт*', weight: 0.85, lang: 'any' },
  { term: 'инфаркт*', weight: 0.85, lang: 'any' },
  { term: 'эпилепс*', weight: 0.85, lang: 'ru' },
  { term: 'астм(а|ы|ой|е|у|атик)*', weight: 0.75, lang: 'ru' },
  { term: 'пневмони*', weight: 0.8, lang: 'ru' },
  { term: 'ковид*', weight: 0.75, lang: 'ru' },
  { term: 'коронавирус*', weight: 0.7, lang: 'any' },
  { term: 'COVID*', weight: 0.7, lang: 'any' },
  { term: 'грипп(а|ом|е)?', weight: 0.6, lang: 'ru' },
  { term: 'ОРВИ', weight: 0.7, lang: 'ru', upper: true },
  { term: 'гастрит*', weight: 0.8, lang: 'any' },
  { term: 'язв* желудк*', weight: 0.85, lang: 'ru' },
  { term: 'гипертони*', weight: 0.8, lang: 'ru' },
  { term: 'цирроз*', weight: 0.85, lang: 'ru' },
  { term: 'сифилис*', weight: 0.9, lang: 'ru' },
  { term: 'венерическ*', weight: 0.85, lang: 'ru' },
  { term: 'аллерги*', weight: 0.65, lang: 'ru' },
  { term: 'ожирени*', weight: 0.8, lang: 'ru' },
  { term: 'перелом(а|ом|е|ы|ов)?', weight: 0.7, lang: 'ru' },
  { term: 'сотрясени* мозга', weight: 0.85, lang: 'ru' },
  // Russian: tests, treatment, certificates
  { term: 'анализ* (крови|мочи|кала)', weight: 0.85, lang: 'ru' },
  { term: 'результат* анализов', weight: 0.6, lang: 'ru', unless: BUSINESS_AFTER },
  { term: 'ПЦР*', weight: 0.75, lang: 'ru', upper: true },
  { term: 'МРТ', weight: 0.7, lang: 'ru', upper: true },
  { term: 'УЗИ', weight: 0.75, lang: 'ru', upper: true },
  { term: 'флюорографи*', weight: 0.8, lang: 'ru' },
  { term: 'МКБ*', weight: 0.8, lang: 'ru', upper: true },
  { term: 'медсправк*', weight: 0.7, lang: 'ru' },
  { term: 'медицинск* (справк|карт|заключени)*', weight: 0.7, lang: 'ru' },
  { term: 'лечащ* врач*', weight: 0.8, lang: 'ru' },
  { term: 'лечени*', weight: 0.5, lang: 'ru' },
  { term: 'поликлиник*', weight: 0.55, lang: 'ru' },
  { term: 'врач*', weight: 0.45, lang: 'ru' },
  { term: 'лекарств*', weight: 0.45, lang: 'ru' },
  { term: 'таблетк*', weight: 0.45, lang: 'ru' },
  // Kazakh
  { term: 'ауру*', weight: 0.75, lang: 'kk' },
  { term: 'ауыр(ып|ады|ды|ған|са|мын)', weight: 0.6, lang: 'kk' },
  { term: 'науқас*', weight: 0.8, lang: 'kk' },
  { term: 'сырқат*', weight: 0.8, lang: 'kk' },
  { term: 'АИТВ*', weight: 0.9, lang: 'kk', upper: true },
  { term: 'ЖИТС*', weight: 0.85, lang: 'kk', upper: true },
  { term: 'қатерлі ісі(к|г)*', weight: 0.9, lang: 'kk' },
  { term: 'ісі(к|г)*', weight: 0.6, lang: 'kk' },
  { term: 'жүктілі*', weight: 0.85, lang: 'kk' },
  { term: 'жүкті (әйел|ана)*', weight: 0.85, lang: 'kk' },
  { term: 'екіқабат*', weight: 0.85, lang: 'kk' },
  { term: 'мүгедек*', weight: 0.85, lang: 'kk' },
  { term: 'психикалық*', weight: 0.8, lang: 'kk' },
  { term: 'нашақор*', weight: 0.8, lang: 'kk' },
  { term: 'маскүнем*', weight: 0.7, lang: 'kk' },
  { term: 'еңбекке жарамсызд*', weight: 0.9, lang: 'kk' },
  { term: 'АХЖ*', weight: 0.8, lang: 'kk', upper: true },
  { term: 'қан талдау*', weight: 0.85, lang: 'kk' },
  { term: 'зәр талдау*', weight: 0.85, lang: 'kk' },
  { term: 'талдау нәтиже*', weight: 0.5, lang: 'kk', unless: BUSINESS_AFTER },
  { term: 'емдел*', weight: 0.7, lang: 'kk' },
  { term: 'емхана*', weight: 0.55, lang: 'kk' },
  { term: 'жұқтыр*', weight: 0.7, lang: 'kk' },
  { term: 'дәрігер*', weight: 0.45, lang: 'kk' },
  { term: 'дәрі(лер)?', weight: 0.4, lang: 'kk' },
  // English
  { term: 'diagnos(is|ed|es)', weight: 0.7, lang: 'en', unless: '^[\\s,:-]*(?:of\\s+the\\s+|the\\s+|a\\s+)?(?:engine|bug|fault|error|issue|problem|network|server|car|system|market)' },
  { term: 'tubercul*', weight: 0.9, lang: 'en' },
  { term: 'HIV*', weight: 0.9, lang: 'en', upper: true },
  { term: 'AIDS', weight: 0.85, lang: 'en', upper: true },
  { term: 'cancer*', weight: 0.65, lang: 'en' },
  { term: 'oncolog*', weight: 0.85, lang: 'en' },
  { term: 'chemo*', weight: 0.85, lang: 'en' },
  { term: 'tumou?r*', weight: 0.8, lang: 'en' },
  { term: 'metasta*', weight: 0.85, lang: 'en' },
  { term: 'pregnan*', weight: 0.85, lang: 'en' },
  { term: 'miscarriage*', weight: 0.9, lang: 'en' },
  { term: 'maternity leave', weight: 0.7, lang: 'en' },
  { term: 'sick (leave|note|list)', weight: 0.8, lang: 'en' },
  { term: 'disabilit(y|ies)', weight: 0.75, lang: 'en' },
  { term: 'psychiatr*', weight: 0.85, lang: 'en' },
  { term: 'schizophreni*', weight: 0.9, lang: 'en' },
  { term: 'bipolar', weight: 0.8, lang: 'en' },
  { term: 'depression', weight: 0.6, lang: 'en', unless: BUSINESS_AFTER, unlessBefore: BUSINESS_BEFORE },
  { term: 'mental (health|illness|disorder)*', weight: 0.75, lang: 'en' },
  { term: 'diabet*', weight: 0.85, lang: 'en' },
  { term: 'hepatitis', weight: 0.85, lang: 'en' },
  { term: 'epilep*', weight: 0.85, lang: 'en' },
  { term: 'asthma*', weight: 0.75, lang: 'en' },
  { term: 'pneumonia', weight: 0.8, lang: 'en' },
  { term: 'heart attack*', weight: 0.8, lang: 'en' },
  { term: 'blood test*', weight: 0.85, lang: 'en' },
  { term: 'urine test*', weight: 0.85, lang: 'en' },
  { term: 'lab results', weight: 0.6, lang: 'en' },
  { term: 'hospitali[sz]*', weight: 0.8, lang: 'en' },
  { term: 'in hospital', weight: 0.6, lang: 'en' },
  { term: 'drug addiction', weight: 0.85, lang: 'en' },
  { term: 'alcoholism', weight: 0.8, lang: 'en' },
  { term: 'narcolog*', weight: 0.85, lang: 'en' },
  { term: 'MRI', weight: 0.7, lang: 'en', upper: true },
  { term: 'PCR', weight: 0.7, lang: 'en', upper: true },
  { term: 'ICD-10', weight: 0.8, lang: 'en', upper: true },
  { term: 'medical certificate*', weight: 0.7, lang: 'en' },
  { term: 'syphilis', weight: 0.9, lang: 'en' },
  { term: 'doctor*', weight: 0.4, lang: 'en' },
  { term: 'medication*', weight: 0.45, lang: 'en' },
];

/** Words that put an ICD-10 code into a medical context (FORMATS.md: диагноз, МКБ-10, Ds:, АХЖ-10). */
export const ICD_CONTEXT_WORDS: readonly string[] = [
  'диагноз', 'диагн', 'д-з', 'Ds', 'Dx', 'МКБ', 'мкб-10', 'АХЖ', 'ахж-10', 'ICD', 'diagnosis', 'diagnosed',
  'код заболевания', 'код болезни', 'ауру коды', 'аурудың коды', 'диагнозы',
];
