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
  /**
   * The term's stable id within its language: a finding stores `health:<lang>:<id>` (healthTermId), never the
   * words. Keep an id when the term's pattern is tuned; never give a retired id to another term.
   */
  id: string;
  term: string;
  weight: number;
  lang: 'ru' | 'kk' | 'en' | 'any';
  upper?: boolean;
  /** a regex source: when it matches the 32 characters after the term, the term is business language */
  unless?: string;
  /** a regex source: when it matches the 32 characters before the term, the term is business language */
  unlessBefore?: string;
}

/** What a finding stores for a vocabulary hit: the term's id with its language, never the matched words. */
export function healthTermId(term: Pick<HealthTerm, 'id' | 'lang'>): string {
  return `health:${term.lang}:${term.id}`;
}

const BUSINESS_BEFORE = '(?:рын\\p{L}*|экономи\\p{L}*|market|economic|нарық\\p{L}*|сервер\\p{L}*|server)\\s*$';
const BUSINESS_AFTER = '^[\\s,:-]*(?:рынк|экономик|цен|продаж|двигател|engine|market|econom|bug|fault|error|issue|problem|network|server|car|system|сервер|сети|систем)';

export const HEALTH_TERMS: readonly HealthTerm[] = [
  // Russian: diagnoses and registration
  { id: 'diagnosis', term: 'диагноз*', weight: 0.8, lang: 'ru' },
  { id: 'diagnosed', term: 'диагностирован*', weight: 0.55, lang: 'ru', unless: BUSINESS_AFTER },
  { id: 'disease', term: 'заболевани*', weight: 0.75, lang: 'ru' },
  { id: 'fell-ill', term: 'заболел*', weight: 0.7, lang: 'ru' },
  { id: 'illness', term: 'болезн*', weight: 0.7, lang: 'ru' },
  { id: 'is-ill', term: 'болеет', weight: 0.6, lang: 'ru' },
  { id: 'tuberculosis', term: 'туберкул*', weight: 0.9, lang: 'any' },
  { id: 'tb-dispensary', term: 'тубдиспансер*', weight: 0.9, lang: 'ru' },
  { id: 'hiv', term: 'ВИЧ', weight: 0.9, lang: 'ru', upper: true },
  { id: 'hiv-infected', term: 'ВИЧ-инфиц*', weight: 0.9, lang: 'ru' },
  { id: 'aids', term: 'СПИД*', weight: 0.85, lang: 'ru', upper: true },
  { id: 'oncology', term: 'онколог*', weight: 0.85, lang: 'any' },
  { id: 'oncology-clinic', term: 'онко(диспансер|центр|больн)*', weight: 0.85, lang: 'ru' },
  { id: 'cancer', term: 'рак(а|ом|е|у)?', weight: 0.6, lang: 'ru' },
  { id: 'tumour', term: 'опухол*', weight: 0.8, lang: 'ru' },
  { id: 'metastasis', term: 'метастаз*', weight: 0.85, lang: 'ru' },
  { id: 'chemotherapy', term: 'химиотерапи*', weight: 0.9, lang: 'ru' },
  { id: 'chemo', term: 'химии', weight: 0.45, lang: 'ru' },
  { id: 'radiotherapy', term: 'лучев* терапи*', weight: 0.85, lang: 'ru' },
  { id: 'pregnancy', term: 'беременн*', weight: 0.85, lang: 'ru' },
  { id: 'miscarriage', term: 'выкидыш*', weight: 0.9, lang: 'ru' },
  { id: 'abortion', term: 'аборт*', weight: 0.8, lang: 'ru' },
  { id: 'maternity-leave', term: 'декретн* отпуск*', weight: 0.7, lang: 'ru' },
  { id: 'sick-leave', term: 'больничн*', weight: 0.75, lang: 'ru' },
  { id: 'hospital', term: 'больниц*', weight: 0.55, lang: 'ru' },
  { id: 'hospitalisation', term: 'госпитализ*', weight: 0.85, lang: 'ru' },
  { id: 'intensive-care', term: 'реанимаци*', weight: 0.8, lang: 'ru' },
  { id: 'operated', term: 'прооперир*', weight: 0.8, lang: 'ru' },
  { id: 'disability', term: 'инвалид*', weight: 0.8, lang: 'ru' },
  { id: 'psychiatry', term: 'психиатр*', weight: 0.85, lang: 'any' },
  { id: 'psychoneurology', term: 'психоневролог*', weight: 0.85, lang: 'ru' },
  { id: 'mental-disorder', term: 'психическ* (расстройств|заболевани|болезн)*', weight: 0.85, lang: 'ru' },
  { id: 'psychosis', term: 'психоз*', weight: 0.8, lang: 'ru' },
  { id: 'schizophrenia', term: 'шизофрени*', weight: 0.9, lang: 'ru' },
  { id: 'bipolar', term: 'биполярн*', weight: 0.8, lang: 'ru' },
  { id: 'depression', term: 'депресси*', weight: 0.6, lang: 'ru', unless: BUSINESS_AFTER, unlessBefore: BUSINESS_BEFORE },
  { id: 'narcology', term: 'нарколог*', weight: 0.85, lang: 'any' },
  { id: 'narcology-clinic', term: 'наркодиспансер*', weight: 0.9, lang: 'ru' },
  { id: 'drug-dependence', term: 'наркозависим*', weight: 0.9, lang: 'ru' },
  { id: 'drug-addiction', term: 'наркомани*', weight: 0.85, lang: 'ru' },
  { id: 'alcoholism', term: 'алкоголизм*', weight: 0.8, lang: 'ru' },
  { id: 'hepatitis', term: 'гепатит*', weight: 0.85, lang: 'any' },
  { id: 'diabetes', term: 'диабет*', weight: 0.85, lang: 'any' },
  { id: 'stroke', term: 'инсульт*', weight: 0.85, lang: 'any' },
  { id: 'heart-attack', term: 'инфаркт*', weight: 0.85, lang: 'any' },
  { id: 'epilepsy', term: 'эпилепс*', weight: 0.85, lang: 'ru' },
  { id: 'asthma', term: 'астм(а|ы|ой|е|у|атик)*', weight: 0.75, lang: 'ru' },
  { id: 'pneumonia', term: 'пневмони*', weight: 0.8, lang: 'ru' },
  { id: 'covid', term: 'ковид*', weight: 0.75, lang: 'ru' },
  { id: 'coronavirus', term: 'коронавирус*', weight: 0.7, lang: 'any' },
  { id: 'covid', term: 'COVID*', weight: 0.7, lang: 'any' },
  { id: 'flu', term: 'грипп(а|ом|е)?', weight: 0.6, lang: 'ru' },
  { id: 'arvi', term: 'ОРВИ', weight: 0.7, lang: 'ru', upper: true },
  { id: 'gastritis', term: 'гастрит*', weight: 0.8, lang: 'any' },
  { id: 'stomach-ulcer', term: 'язв* желудк*', weight: 0.85, lang: 'ru' },
  { id: 'hypertension', term: 'гипертони*', weight: 0.8, lang: 'ru' },
  { id: 'cirrhosis', term: 'цирроз*', weight: 0.85, lang: 'ru' },
  { id: 'syphilis', term: 'сифилис*', weight: 0.9, lang: 'ru' },
  { id: 'venereal', term: 'венерическ*', weight: 0.85, lang: 'ru' },
  { id: 'allergy', term: 'аллерги*', weight: 0.65, lang: 'ru' },
  { id: 'obesity', term: 'ожирени*', weight: 0.8, lang: 'ru' },
  { id: 'fracture', term: 'перелом(а|ом|е|ы|ов)?', weight: 0.7, lang: 'ru' },
  { id: 'concussion', term: 'сотрясени* мозга', weight: 0.85, lang: 'ru' },
  // Russian: tests, treatment, certificates
  { id: 'lab-test', term: 'анализ* (крови|мочи|кала)', weight: 0.85, lang: 'ru' },
  { id: 'test-results', term: 'результат* анализов', weight: 0.6, lang: 'ru', unless: BUSINESS_AFTER },
  { id: 'pcr', term: 'ПЦР*', weight: 0.75, lang: 'ru', upper: true },
  { id: 'mri', term: 'МРТ', weight: 0.7, lang: 'ru', upper: true },
  { id: 'ultrasound', term: 'УЗИ', weight: 0.75, lang: 'ru', upper: true },
  { id: 'fluorography', term: 'флюорографи*', weight: 0.8, lang: 'ru' },
  { id: 'icd', term: 'МКБ*', weight: 0.8, lang: 'ru', upper: true },
  { id: 'medical-note', term: 'медсправк*', weight: 0.7, lang: 'ru' },
  { id: 'medical-document', term: 'медицинск* (справк|карт|заключени)*', weight: 0.7, lang: 'ru' },
  { id: 'attending-doctor', term: 'лечащ* врач*', weight: 0.8, lang: 'ru' },
  { id: 'treatment', term: 'лечени*', weight: 0.5, lang: 'ru' },
  { id: 'polyclinic', term: 'поликлиник*', weight: 0.55, lang: 'ru' },
  { id: 'doctor', term: 'врач*', weight: 0.45, lang: 'ru' },
  { id: 'medicine', term: 'лекарств*', weight: 0.45, lang: 'ru' },
  { id: 'pills', term: 'таблетк*', weight: 0.45, lang: 'ru' },
  // Kazakh
  { id: 'illness', term: 'ауру*', weight: 0.75, lang: 'kk' },
  { id: 'ache', term: 'ауыр(ып|ады|ды|ған|са|мын)', weight: 0.6, lang: 'kk' },
  { id: 'patient', term: 'науқас*', weight: 0.8, lang: 'kk' },
  { id: 'sickness', term: 'сырқат*', weight: 0.8, lang: 'kk' },
  { id: 'hiv', term: 'АИТВ*', weight: 0.9, lang: 'kk', upper: true },
  { id: 'aids', term: 'ЖИТС*', weight: 0.85, lang: 'kk', upper: true },
  { id: 'malignant-tumour', term: 'қатерлі ісі(к|г)*', weight: 0.9, lang: 'kk' },
  { id: 'tumour', term: 'ісі(к|г)*', weight: 0.6, lang: 'kk' },
  { id: 'pregnancy', term: 'жүктілі*', weight: 0.85, lang: 'kk' },
  { id: 'pregnant-woman', term: 'жүкті (әйел|ана)*', weight: 0.85, lang: 'kk' },
  { id: 'pregnant', term: 'екіқабат*', weight: 0.85, lang: 'kk' },
  { id: 'disability', term: 'мүгедек*', weight: 0.85, lang: 'kk' },
  { id: 'mental', term: 'психикалық*', weight: 0.8, lang: 'kk' },
  { id: 'drug-addict', term: 'нашақор*', weight: 0.8, lang: 'kk' },
  { id: 'alcoholic', term: 'маскүнем*', weight: 0.7, lang: 'kk' },
  { id: 'incapacity', term: 'еңбекке жарамсызд*', weight: 0.9, lang: 'kk' },
  { id: 'icd', term: 'АХЖ*', weight: 0.8, lang: 'kk', upper: true },
  { id: 'blood-test', term: 'қан талдау*', weight: 0.85, lang: 'kk' },
  { id: 'urine-test', term: 'зәр талдау*', weight: 0.85, lang: 'kk' },
  { id: 'test-results', term: 'талдау нәтиже*', weight: 0.5, lang: 'kk', unless: BUSINESS_AFTER },
  { id: 'treated', term: 'емдел*', weight: 0.7, lang: 'kk' },
  { id: 'polyclinic', term: 'емхана*', weight: 0.55, lang: 'kk' },
  { id: 'infected', term: 'жұқтыр*', weight: 0.7, lang: 'kk' },
  { id: 'doctor', term: 'дәрігер*', weight: 0.45, lang: 'kk' },
  { id: 'medicine', term: 'дәрі(лер)?', weight: 0.4, lang: 'kk' },
  // English
  { id: 'diagnosis', term: 'diagnos(is|ed|es)', weight: 0.7, lang: 'en', unless: '^[\\s,:-]*(?:of\\s+the\\s+|the\\s+|a\\s+)?(?:engine|bug|fault|error|issue|problem|network|server|car|system|market)' },
  { id: 'tuberculosis', term: 'tubercul*', weight: 0.9, lang: 'en' },
  { id: 'hiv', term: 'HIV*', weight: 0.9, lang: 'en', upper: true },
  { id: 'aids', term: 'AIDS', weight: 0.85, lang: 'en', upper: true },
  { id: 'cancer', term: 'cancer*', weight: 0.65, lang: 'en' },
  { id: 'oncology', term: 'oncolog*', weight: 0.85, lang: 'en' },
  { id: 'chemo', term: 'chemo*', weight: 0.85, lang: 'en' },
  { id: 'tumour', term: 'tumou?r*', weight: 0.8, lang: 'en' },
  { id: 'metastasis', term: 'metasta*', weight: 0.85, lang: 'en' },
  { id: 'pregnancy', term: 'pregnan*', weight: 0.85, lang: 'en' },
  { id: 'miscarriage', term: 'miscarriage*', weight: 0.9, lang: 'en' },
  { id: 'maternity-leave', term: 'maternity leave', weight: 0.7, lang: 'en' },
  { id: 'sick-leave', term: 'sick (leave|note|list)', weight: 0.8, lang: 'en' },
  { id: 'disability', term: 'disabilit(y|ies)', weight: 0.75, lang: 'en' },
  { id: 'psychiatry', term: 'psychiatr*', weight: 0.85, lang: 'en' },
  { id: 'schizophrenia', term: 'schizophreni*', weight: 0.9, lang: 'en' },
  { id: 'bipolar', term: 'bipolar', weight: 0.8, lang: 'en' },
  { id: 'depression', term: 'depression', weight: 0.6, lang: 'en', unless: BUSINESS_AFTER, unlessBefore: BUSINESS_BEFORE },
  { id: 'mental-health', term: 'mental (health|illness|disorder)*', weight: 0.75, lang: 'en' },
  { id: 'diabetes', term: 'diabet*', weight: 0.85, lang: 'en' },
  { id: 'hepatitis', term: 'hepatitis', weight: 0.85, lang: 'en' },
  { id: 'epilepsy', term: 'epilep*', weight: 0.85, lang: 'en' },
  { id: 'asthma', term: 'asthma*', weight: 0.75, lang: 'en' },
  { id: 'pneumonia', term: 'pneumonia', weight: 0.8, lang: 'en' },
  { id: 'heart-attack', term: 'heart attack*', weight: 0.8, lang: 'en' },
  { id: 'blood-test', term: 'blood test*', weight: 0.85, lang: 'en' },
  { id: 'urine-test', term: 'urine test*', weight: 0.85, lang: 'en' },
  { id: 'lab-results', term: 'lab results', weight: 0.6, lang: 'en' },
  { id: 'hospitalisation', term: 'hospitali[sz]*', weight: 0.8, lang: 'en' },
  { id: 'in-hospital', term: 'in hospital', weight: 0.6, lang: 'en' },
  { id: 'drug-addiction', term: 'drug addiction', weight: 0.85, lang: 'en' },
  { id: 'alcoholism', term: 'alcoholism', weight: 0.8, lang: 'en' },
  { id: 'narcology', term: 'narcolog*', weight: 0.85, lang: 'en' },
  { id: 'mri', term: 'MRI', weight: 0.7, lang: 'en', upper: true },
  { id: 'pcr', term: 'PCR', weight: 0.7, lang: 'en', upper: true },
  { id: 'icd-10', term: 'ICD-10', weight: 0.8, lang: 'en', upper: true },
  { id: 'medical-certificate', term: 'medical certificate*', weight: 0.7, lang: 'en' },
  { id: 'syphilis', term: 'syphilis', weight: 0.9, lang: 'en' },
  { id: 'doctor', term: 'doctor*', weight: 0.4, lang: 'en' },
  { id: 'medication', term: 'medication*', weight: 0.45, lang: 'en' },
];

/** Words that put an ICD-10 code into a medical context (FORMATS.md: диагноз, МКБ-10, Ds:, АХЖ-10). */
export const ICD_CONTEXT_WORDS: readonly string[] = [
  'диагноз', 'диагн', 'д-з', 'Ds', 'Dx', 'МКБ', 'мкб-10', 'АХЖ', 'ахж-10', 'ICD', 'diagnosis', 'diagnosed',
  'код заболевания', 'код болезни', 'ауру коды', 'аурудың коды', 'диагнозы',
];
