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
import { latinForms } from './kazakh-latin.ts';
import { EXTRA_HEALTH_TERMS } from './health-lexicon.ts';

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
  /**
   * `setting`: an institution, a profession, the sector, or a visit to a doctor (больница, врач, емхана, hospital,
   * дәрігерге барамын: a visit says nothing of a condition). Never reported on its
   * own, and a person named beside it does not make it health data ("сотрудник больницы"); it only corroborates
   * another health word. Being there is a phrase of its own (лежит в больнице, ауруханада жатыр).
   */
  role?: 'setting';
  /** a regex source matched instead of `term`'s syntax, for phrases the syntax cannot say; `term` still names it */
  raw?: string;
}

/** What a finding stores for a vocabulary hit: the term's id with its language, never the matched words. */
export function healthTermId(term: Pick<HealthTerm, 'id' | 'lang'>): string {
  return `health:${term.lang}:${term.id}`;
}

const BUSINESS_BEFORE =
  '(?:рын\\p{L}*|экономи\\p{L}*|market|economic|нарық\\p{L}*|сервер\\p{L}*|server|network|issue\\p{L}*)[^.!?]{0,20}$';
const BUSINESS_AFTER =
  '^[\\s,:-]*(?:проблем|неисправ|сбо|рынк|экономик|цен|продаж|двигател|engine|market|econom|bug|fault|error|issue|problem|network|server|car|system|сервер|сети|систем)';

// prettier-ignore
const BASE_TERMS: readonly HealthTerm[] = [
  // Russian: diagnoses and registration
  { id: 'diagnosis', term: 'диагноз*', weight: 0.8, lang: 'ru', unless: BUSINESS_AFTER, unlessBefore: BUSINESS_BEFORE },
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
  { id: 'hospital', term: 'больниц*', weight: 0.3, lang: 'ru', role: 'setting' },
  { id: 'hospitalisation', term: 'госпитализ*', weight: 0.85, lang: 'ru' },
  { id: 'intensive-care', term: 'реанимаци*', weight: 0.8, lang: 'ru' },
  { id: 'operated', term: 'прооперир*', weight: 0.8, lang: 'ru' },
  // its Latin form is also the English "invalid": not after "is/as/marked", nor before "format/number/date…"
  {
    id: 'disability',
    term: 'инвалид*',
    weight: 0.8,
    lang: 'ru',
    unlessBefore: '(?:^|\\s)(?:is|as|are|was|were|be|been|marked|considered|rejected|returns?|an)\\s+$',
    unless: '^\\s*(?:format|number|data|input|value|date|code|request|token|password|address|entry|e-?mail|link|signature|iin|iban|card|document)',
  },
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
  { id: 'treatment', term: 'лечени*', weight: 0.45, lang: 'ru' },
  { id: 'polyclinic', term: 'поликлиник*', weight: 0.3, lang: 'ru', role: 'setting' },
  { id: 'doctor', term: 'врач*', weight: 0.3, lang: 'ru', role: 'setting' },
  { id: 'medicine', term: 'лекарств*', weight: 0.4, lang: 'ru' },
  { id: 'pills', term: 'таблетк*', weight: 0.4, lang: 'ru' },
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
  { id: 'polyclinic', term: 'емхана*', weight: 0.3, lang: 'kk', role: 'setting' },
  { id: 'infected', term: 'жұқтыр*', weight: 0.7, lang: 'kk' },
  { id: 'doctor', term: 'дәрігер*', weight: 0.3, lang: 'kk', role: 'setting' },
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
  { id: 'doctor', term: 'doctor*', weight: 0.3, lang: 'en', role: 'setting' },
  { id: 'medication', term: 'medication*', weight: 0.45, lang: 'en' },

  // Institutions, professions and the sector (role setting: never alone)
  { id: 'hospital', term: 'аурухана*', weight: 0.3, lang: 'kk', role: 'setting' },
  { id: 'chief-doctor', term: 'бас дәрігер*', weight: 0.3, lang: 'kk', role: 'setting' },
  { id: 'chief-doctor', term: 'главн* врач*', weight: 0.3, lang: 'ru', role: 'setting' },
  { id: 'clinic', term: 'клиник*', weight: 0.3, lang: 'ru', role: 'setting' },
  { id: 'nurse', term: 'медсестр*', weight: 0.3, lang: 'ru', role: 'setting' },
  { id: 'hospital', term: 'hospital*', weight: 0.3, lang: 'en', role: 'setting' },
  { id: 'clinic', term: 'clinic*', weight: 0.3, lang: 'en', role: 'setting' },
  { id: 'nurse', term: 'nurse*', weight: 0.3, lang: 'en', role: 'setting' },
  // Being in hospital, seeing a doctor: about a person
  { id: 'in-hospital', term: 'лежит в больнице', raw: '(?:лежит|лежал[аи]?|лежу|лежим|положили|попал[аи]?|попадёт|попадет|находится|госпитализирован[аы]?|выписал[аи]?(?:сь)?)(?:\\s+\\p{L}+)?\\s+(?:в|из)\\s+(?:\\p{L}+\\s+)?(?:больниц|стационар|реанимаци|палат|отделени[ея]\\s+(?:кардиологи|хирурги|неврологи|онкологи|травматологи|терапи|реанимаци)|кардиологи|хирурги|инфекционк|роддом|роддоме)\\p{L}*', weight: 0.85, lang: 'ru' },
  { id: 'in-ward', term: 'палат*', raw: 'палат[аеуы]\\s*(?:№\\s*)?\\d+', weight: 0.5, lang: 'ru' },
  { id: 'in-hospital', term: 'ауруханада жат*', raw: '(?:ауруханада|ауруханаға|стационарда|стационарға|реанимацияда|емханада\\s+ем)\\s*(?:\\p{L}+\\s+)?(?:жат|түс|ем|емдел|жатқыз)\\p{L}*', weight: 0.85, lang: 'kk' },
  { id: 'to-doctor', term: 'к врачу', raw: '(?:к|у)\\s+(?:\\p{L}+\\s+)?(?:врач[ау]|терапевт[ау]|невролог[ау]|кардиолог[ау]|онколог[ау]|эндокринолог[ау]|хирург[ау]|гинеколог[ау]|психиатр[ау]|стоматолог[ау])(?![\\p{L}])', weight: 0.45, lang: 'ru', role: 'setting' },
  { id: 'to-doctor', term: 'дәрігерге бар*', raw: 'дәрігерге\\s+(?:бар|көрін|қаралы|жазыл)\\p{L}*', weight: 0.45, lang: 'kk', role: 'setting' },
  { id: 'to-doctor', term: 'see a doctor', raw: "(?:see|saw|seeing|visit(?:ed)?)\\s+(?:a|the|his|her|my)?\\s*(?:doctor|gp|specialist|cardiologist|oncologist|psychiatrist)|doctor'?s\\s+appointment", weight: 0.45, lang: 'en', role: 'setting' },
  { id: 'in-ward', term: 'in the ward', raw: 'in\\s+(?:the\\s+)?(?:cardiology|surgical|oncology|intensive\\s+care|icu|maternity|infectious\\s+diseases?|neurology)\\s+(?:ward|unit|department)', weight: 0.85, lang: 'en' },
  // Treatment, medication, procedures
  { id: 'substitution-therapy', term: 'заместительн* терапи*', weight: 0.9, lang: 'ru' },
  { id: 'methadone', term: 'метадон*', weight: 0.85, lang: 'any' },
  { id: 'buprenorphine', term: 'бупренорфин*', weight: 0.85, lang: 'any' },
  { id: 'art', term: 'АРВТ', weight: 0.9, lang: 'ru', upper: true },
  { id: 'antiretroviral', term: 'антиретровирус*', weight: 0.9, lang: 'ru' },
  { id: 'art', term: 'antiretroviral*', weight: 0.9, lang: 'en' },
  { id: 'dialysis', term: 'диализ*', weight: 0.9, lang: 'any' },
  { id: 'haemodialysis', term: 'гемодиализ*', weight: 0.9, lang: 'any' },
  { id: 'dialysis', term: 'dialysis', weight: 0.9, lang: 'en' },
  { id: 'bypass', term: 'шунтирован*', weight: 0.85, lang: 'ru' },
  { id: 'stent', term: 'стентирован*', weight: 0.85, lang: 'ru' },
  { id: 'bypass', term: 'bypass surgery', weight: 0.9, lang: 'en' },
  { id: 'caesarean', term: 'кесар*', weight: 0.85, lang: 'any' },
  { id: 'caesarean', term: 'c(a)?esarean*', weight: 0.9, lang: 'en' },
  { id: 'c-section', term: 'c-section*', weight: 0.9, lang: 'en' },
  { id: 'organ-removed', term: 'удал* желчн*', raw: 'удал\\p{L}*\\s+(?:\\p{L}+\\s+)?(?:желчн\\p{L}*|почк\\p{L}*|матк\\p{L}*|аппендикс\\p{L}*|аппендицит\\p{L}*|щитовидк\\p{L}*|щитовидн\\p{L}*|селез[её]нк\\p{L}*|яичник\\p{L}*|молочн\\p{L}*|грудь|желуд\\p{L}*|опухол\\p{L}*|полип\\p{L}*|кист\\p{L}*|миндалин\\p{L}*|гланд\\p{L}*)', weight: 0.85, lang: 'ru' },
  { id: 'organ-removed', term: 'appendectomy', raw: '(?:appendectomy|hysterectomy|mastectomy|cholecystectomy|thyroidectomy|tonsillectomy|(?:gallbladder|appendix|kidney|thyroid|spleen|uterus|ovary|tonsils)\\s+(?:removed|removal|surgery|out))', weight: 0.9, lang: 'en' },
  { id: 'appendicitis', term: 'аппендицит*', weight: 0.85, lang: 'any' },
  { id: 'surgery', term: 'операци* на', raw: '(?:операци[юяи]\\s+на\\s+(?:сердц|глаз|колен|позвоночник|желуд|сустав|спин|ног|рук|голов)\\p{L}*|прооперировал\\p{L}*|после\\s+операции(?!\\s+по\\s))', weight: 0.75, lang: 'ru' },
  { id: 'surgery', term: 'ота жаса*', raw: '(?:ота\\s+жаса\\p{L}*|отадан\\s+кейін|ота\\s+жасат\\p{L}*|отаға\\s+түс\\p{L}*)', weight: 0.8, lang: 'kk' },
  { id: 'surgery', term: 'after surgery', raw: '(?:after|before|recovering\\s+from|had|underwent|scheduled\\s+for)\\s+(?:(?:his|her|my|the|a|an)\\s+)?(?:\\p{L}+\\s+)?(?:surgery|operation)', weight: 0.75, lang: 'en' },
  { id: 'after-chemo', term: 'после химии', raw: '(?:после|на|курс)\\s+химии|химию\\s+(?:прош|проход|дела|начал)\\p{L}*', weight: 0.85, lang: 'ru' },
  { id: 'chemo', term: 'химиядан кейін', raw: 'химия(?:дан|ға|терапия\\p{L}*)', weight: 0.8, lang: 'kk' },
  { id: 'insulin-pump', term: 'инсулинов* помп*', weight: 0.9, lang: 'ru' },
  { id: 'insulin-pump', term: 'insulin pump*', weight: 0.9, lang: 'en' },
  { id: 'insulin', term: 'инсулин*', weight: 0.7, lang: 'any' },
  { id: 'insulin', term: 'insulin*', weight: 0.7, lang: 'en' },
  { id: 'vaccinated', term: 'прививк*', weight: 0.45, lang: 'ru' },
  { id: 'injection', term: 'уколы', weight: 0.5, lang: 'ru' },
  { id: 'drips', term: 'капельниц*', weight: 0.75, lang: 'ru' },
  { id: 'drips', term: 'тамшы* сал*', weight: 0.75, lang: 'kk' },
  { id: 'rehab', term: 'реабилитаци*', weight: 0.5, lang: 'ru' },
  { id: 'antidepressant', term: 'антидепрессант*', weight: 0.85, lang: 'ru' },
  { id: 'antidepressant', term: 'antidepressant*', weight: 0.85, lang: 'en' },
  { id: 'antipsychotic', term: 'нейролептик*', weight: 0.85, lang: 'ru' },
  { id: 'drug-for-condition', term: 'метформин*', raw: '(?:метформин|эналаприл|лозартан|амлодипин|бисопролол|варфарин|левотироксин|l-тироксин|эутирокс|сертралин|флуоксетин|кветиапин|галоперидол|карбамазепин|вальпроат|тенофовир|долутегравир|изониазид|рифампицин|преднизолон|метотрексат|тамоксифен)\\p{L}*', weight: 0.8, lang: 'ru' },
  { id: 'drug-for-condition', term: 'metformin', raw: '(?:metformin|enalapril|losartan|amlodipine|bisoprolol|warfarin|levothyroxine|sertraline|fluoxetine|quetiapine|haloperidol|carbamazepine|valproate|tenofovir|dolutegravir|isoniazid|rifampicin|prednisolone|methotrexate|tamoxifen)', weight: 0.8, lang: 'en' },
  // Pregnancy and maternity
  { id: 'pregnancy-weeks', term: 'апталық жүкті*', raw: 'апта(?:лық|да)\\s+жүкті\\p{L}*|жүктілік(?:тің)?\\s+\\d+', weight: 0.9, lang: 'kk' },
  { id: 'light-work', term: 'жеңіл жұмыс*', raw: 'жеңіл\\s+жұмыс\\p{L}*\\s+(?:ауыс|көшір)\\p{L}*', weight: 0.8, lang: 'kk' },
  { id: 'light-work', term: 'на лёгкий труд', raw: '(?:на|к)\\s+л[её]гк\\p{L}*\\s+(?:труд|работ)\\p{L}*', weight: 0.75, lang: 'ru' },
  { id: 'light-work', term: 'light duties', raw: '(?:light|lighter|restricted)\\s+(?:duties|duty|work)', weight: 0.6, lang: 'en' },
  { id: 'maternity-leave', term: 'декреттік демалыс*', weight: 0.85, lang: 'kk' },
  { id: 'childcare-leave', term: 'бала күтімі демалыс*', weight: 0.75, lang: 'kk' },
  { id: 'on-maternity-leave', term: 'в декрет*', raw: '(?:в|из|на)\\s+декрет\\p{L}*|декретн\\p{L}*', weight: 0.8, lang: 'ru' },
  { id: 'childcare-leave', term: 'по уходу за ребенком', raw: 'по\\s+уходу\\s+за\\s+реб[её]нком', weight: 0.7, lang: 'ru' },
  { id: 'childbirth', term: 'босан*', weight: 0.8, lang: 'kk' },
  { id: 'childbirth', term: 'родил*', raw: 'родил[аи]\\s+(?:сына|дочь|дочку|ребенка|ребёнка|двойню)|роддом\\p{L}*|родов(?:ой|ого|ом)?\\s+отпуск\\p{L}*|в\\s+родах', weight: 0.75, lang: 'ru' },
  { id: 'pregnant-spaced', term: 'екі қабат*', weight: 0.85, lang: 'kk' },
  { id: 'expecting', term: 'expecting a baby', raw: '(?:expecting\\s+a\\s+baby|weeks\\s+pregnant|due\\s+date|prenatal|antenatal)', weight: 0.85, lang: 'en' },
  // Kazakh conditions and care
  { id: 'fell-ill', term: 'ауырып қал*', weight: 0.8, lang: 'kk' },
  { id: 'sick-leave', term: 'сырқатнама*', weight: 0.85, lang: 'kk' },
  { id: 'sick-sheet', term: 'ауру парағ*', weight: 0.85, lang: 'kk' },
  { id: 'diagnosis', term: 'диагноз*', weight: 0.8, lang: 'kk' },
  { id: 'dispensary', term: 'есепте тұр*', raw: '(?:диспансерлік\\s+)?есепте\\s+тұр\\p{L}*', weight: 0.75, lang: 'kk' },
  { id: 'dispensary', term: 'на учёте', raw: '(?:на|с)\\s+уч[её]т\\p{L}*\\s+(?:у|в)\\s+(?:нарколог|психиатр|онколог|фтизиатр|эндокринолог|кардиолог|невролог|диспансер|тубдиспансер|наркодиспансер|психдиспансер|ПНД|женской\\s+консультаци)\\p{L}*|диспансерн\\p{L}*\\s+уч[её]т\\p{L}*', weight: 0.85, lang: 'ru' },
  { id: 'cold', term: 'простыл*', weight: 0.7, lang: 'ru' },
  { id: 'temperature', term: 'температур* (у|под)', raw: '(?:с\\s+температурой|температура\\s+(?:под\\s+)?(?:3[7-9]|40)|temperature\\s+of\\s+(?:3[7-9]|10[0-4])|fever)', weight: 0.65, lang: 'any' },
  { id: 'flu-sick', term: 'температурасы', raw: 'температурасы\\s+(?:бар|көтеріл\\p{L}*|жоғары)|тұмау\\p{L}*|суық\\s+тиі\\p{L}*', weight: 0.7, lang: 'kk' },
  { id: 'sick', term: 'sick', raw: "(?:off\\s+sick|called\\s+in\\s+sick|is\\s+sick|got\\s+sick|feeling\\s+sick|fell\\s+ill|is\\s+ill|unwell|sick\\s+day)", weight: 0.65, lang: 'en' },
  { id: 'blood-pressure', term: 'давлени*', raw: '(?:высокое|низкое|скачет|подскочило|повышенное)\\s+давлени\\p{L}*|давлени\\p{L}*\\s+(?:подскочило|скачет|\\d{2,3}\\s*[/на]+\\s*\\d{2,3})|қан\\s+қысымы|blood\\s+pressure', weight: 0.7, lang: 'any' },
  { id: 'stroke', term: 'stroke', raw: '(?:had|suffered)\\s+a\\s+stroke', weight: 0.85, lang: 'en' },
  { id: 'cancer', term: 'қатерлі*', weight: 0.6, lang: 'kk' },
  { id: 'heart', term: 'жүрегі*', raw: 'жүрег\\p{L}*\\s+(?:ауыр\\p{L}*|сыр\\s+берді|ауруы)', weight: 0.8, lang: 'kk' },
  { id: 'heart', term: 'сердечн* приступ*', raw: '(?:сердечн\\p{L}*\\s+приступ\\p{L}*|проблем\\p{L}*\\s+с\\s+сердцем|сердце\\s+(?:прихватило|болит))', weight: 0.8, lang: 'ru' },
  { id: 'mental-health', term: 'психолог*', raw: '(?:к\\s+психологу|у\\s+психолога|психотерапевт\\p{L}*)', weight: 0.7, lang: 'ru' },

  // Conditions, symptoms and injuries named as people name them (a larger lexicon: what generalises is coverage)
  { id: 'migraine', term: 'мигрен*', weight: 0.75, lang: 'ru' },
  { id: 'psoriasis', term: 'псориаз*', weight: 0.8, lang: 'any' },
  { id: 'arthritis', term: 'артрит*', weight: 0.8, lang: 'any' },
  { id: 'arthrosis', term: 'артроз*', weight: 0.8, lang: 'any' },
  { id: 'radiculitis', term: 'радикулит*', weight: 0.8, lang: 'any' },
  { id: 'osteochondrosis', term: 'остеохондроз*', weight: 0.8, lang: 'any' },
  { id: 'hernia', term: 'грыж*', weight: 0.75, lang: 'ru' },
  { id: 'measles', term: 'кор(ь|и|ью)', weight: 0.75, lang: 'ru' },
  { id: 'rubella', term: 'краснух*', weight: 0.8, lang: 'ru' },
  { id: 'chickenpox', term: 'ветрянк*', weight: 0.85, lang: 'ru' },
  { id: 'rotavirus', term: 'ротавирус*', weight: 0.8, lang: 'any' },
  { id: 'poisoning', term: 'отравлени*', weight: 0.6, lang: 'ru' },
  { id: 'tonsillitis', term: 'ангин*', weight: 0.75, lang: 'any' },
  { id: 'bronchitis', term: 'бронхит*', weight: 0.8, lang: 'any' },
  { id: 'sinusitis', term: '(синусит|гайморит|отит|ларингит|трахеит|фарингит)*', weight: 0.8, lang: 'any' },
  { id: 'conjunctivitis', term: 'конъюнктивит*', weight: 0.8, lang: 'any' },
  { id: 'cystitis', term: '(цистит|пиелонефрит|простатит|холецистит|панкреатит|колит|гастродуоденит|эзофагит)*', weight: 0.8, lang: 'any' },
  { id: 'ulcer', term: 'язв(а|у|ы|ой|енн*)', weight: 0.7, lang: 'ru' },
  { id: 'varicose', term: '(варикоз|тромбоз|тромбофлебит|геморро)*', weight: 0.8, lang: 'any' },
  { id: 'arrhythmia', term: '(аритми|тахикарди|стенокарди|ишеми|кардиомиопати)*', weight: 0.8, lang: 'any' },
  { id: 'heart-failure', term: '(сердечн|почечн|печеночн|печёночн)* недостаточност*', weight: 0.85, lang: 'ru' },
  { id: 'anaemia', term: 'анеми*', weight: 0.75, lang: 'any' },
  { id: 'leukaemia', term: '(лейкоз|лейкеми|лимфом|меланом|сарком|карцином|миелом)*', weight: 0.9, lang: 'any' },
  { id: 'myoma', term: '(миом|эндометриоз|мастопати)*', weight: 0.85, lang: 'any' },
  { id: 'infertility', term: 'бесплоди*', weight: 0.85, lang: 'ru' },
  { id: 'ivf', term: 'ЭКО', weight: 0.7, lang: 'ru', upper: true },
  { id: 'ivf', term: 'IVF', weight: 0.8, lang: 'en', upper: true },
  { id: 'thyroid', term: '(гипотиреоз|гипертиреоз|тиреоидит|зоб)*', weight: 0.8, lang: 'any' },
  { id: 'gout', term: '(подагр|остеопороз|ревматизм|ревматоидн)*', weight: 0.8, lang: 'any' },
  { id: 'dementia', term: '(деменци|альцгеймер|паркинсон|аутизм|рассеянн* склероз)*', weight: 0.85, lang: 'any' },
  { id: 'neurosis', term: '(невроз|неврастени|панически* атак|тревожн* расстройств|бессонниц)*', weight: 0.75, lang: 'ru' },
  { id: 'fainting', term: '(обморок|потерял* сознани|судорог|головокружени)*', weight: 0.7, lang: 'ru' },
  { id: 'concussion-alone', term: 'сотрясени*', weight: 0.6, lang: 'ru' },
  { id: 'dislocation', term: '(вывих|растяжени* связок|ушиб)*', weight: 0.7, lang: 'ru' },
  { id: 'burn', term: 'ожог*', weight: 0.65, lang: 'ru' },
  { id: 'burns-unit', term: 'ожогов*', weight: 0.8, lang: 'ru' },
  { id: 'trauma-unit', term: 'травмпункт*', raw: 'травмпункт\\p{L}*|в\\s+травм[еуы]\\b|травматологи[июя]', weight: 0.75, lang: 'ru' },
  { id: 'cast', term: 'в гипсе', raw: '(?:в\\s+гипсе|наложили\\s+гипс|гипс\\s+сним\\p{L}*|спиц[ыу]\\s+в)', weight: 0.75, lang: 'ru' },
  { id: 'pacemaker', term: 'кардиостимулятор*', weight: 0.85, lang: 'ru' },
  { id: 'hearing-aid', term: 'слухов* аппарат*', weight: 0.8, lang: 'ru' },
  { id: 'endoscopy', term: '(гастроскопи|колоноскопи|бронхоскопи|биопси|маммографи|эндоскопи)*', weight: 0.8, lang: 'any' },
  { id: 'ecg', term: 'ЭКГ', weight: 0.7, lang: 'ru', upper: true },
  { id: 'intensive-therapy', term: 'интенсивн* терапи*', weight: 0.8, lang: 'ru' },
  { id: 'military-medical-board', term: 'ВВК', weight: 0.7, lang: 'ru', upper: true },
  { id: 'fitness-category', term: 'категори* годност*', weight: 0.75, lang: 'ru' },
  { id: 'cold-symptoms', term: '(простуд|насморк|кашл)*', weight: 0.65, lang: 'ru' },
  { id: 'ari', term: 'ОРЗ', weight: 0.7, lang: 'ru', upper: true },
  { id: 'has-fever', term: 'температурит', weight: 0.7, lang: 'ru' },
  { id: 'aches', term: 'болит голова', raw: 'бол(?:ит|ят|ела|ел|ели|еть)\\s+(?:\\p{L}+\\s+)?(?:голов|живот|спин|горл|зуб|сердц|ног|рук|колен|ух|глаз|поясниц|желуд|сустав)\\p{L}*|(?:голов|живот|спин|горл|зуб|поясниц)\\p{L}*\\s+(?:бол(?:ит|ят|ела)|раскалывается|прихватило)', weight: 0.75, lang: 'ru' },
  { id: 'nausea', term: '(тошнит|тошнот|рвот|диаре|понос)*', weight: 0.65, lang: 'ru' },
  { id: 'stones', term: 'камни в', raw: 'камн\\p{L}*\\s+в\\s+(?:почк|желчн|печен)\\p{L}*', weight: 0.85, lang: 'ru' },
  { id: 'pregnancy-week', term: 'на 38 неделе', raw: 'на\\s+\\d{1,2}(?:-?й)?\\s+недел[еи](?:\\s+беременност\\p{L}*)?', weight: 0.45, lang: 'ru' },
  { id: 'medical-board', term: 'медкомисси*', weight: 0.45, lang: 'ru' },
  { id: 'inpatient', term: 'стационар*', weight: 0.45, lang: 'ru' },
  { id: 'rehab-addiction', term: 'алкогольн* зависимост*', weight: 0.85, lang: 'ru' },
  // Kazakh
  { id: 'flu', term: 'тұмау*', weight: 0.7, lang: 'kk' },
  { id: 'measles', term: 'қызылша*', weight: 0.8, lang: 'kk' },
  { id: 'aches', term: 'басы ауыр*', raw: '(?:басы|тісі|іші|белі|жүрегі|аяғы|қолы|тамағы|құлағы|көзі|бүйрегі|асқазаны)\\s+ауыр\\p{L}*|(?:bas[yı]|tıs[ıi]|ış[ıi]|bel[ıi]|jüreg[ıi]|ayağy|ayagy|aiagy|qoly|tamağy|tamagy)\\s+a[uw][yı]r\\p{L}*', weight: 0.75, lang: 'kk' },
  { id: 'broken', term: 'аяғын сындыр*', raw: '(?:аяғын|қолын|қабырғасын|білегін|саусағын)\\s+сындыр\\p{L}*|(?:ayağyn|ayagyn|aiagyn|qolyn|kolyn)\\s+synd[yı]r\\p{L}*', weight: 0.8, lang: 'kk' },
  { id: 'fracture', term: 'сынық*', weight: 0.55, lang: 'kk' },
  { id: 'burn', term: 'күйік*', weight: 0.6, lang: 'kk' },
  { id: 'burned', term: 'күйіп қал*', weight: 0.6, lang: 'kk' },
  { id: 'maternity-hospital', term: 'перзентхана*', weight: 0.8, lang: 'kk' },
  { id: 'stones', term: 'өтінде тас', raw: '(?:өтінде|бүйрегінде|өт\\s+қабында)\\s+тас|(?:ötınde|otinde|büiregınde|buireginde)\\s+tas', weight: 0.85, lang: 'kk' },
  { id: 'surgery-word', term: 'ота', raw: 'ота(?:сы|ға|дан|ны|да)?(?![\\p{L}])', weight: 0.45, lang: 'kk' },
  { id: 'surgery-word-latn', term: 'ota', raw: 'ota(?:sy|ğa|ga|dan|ny|da)?(?![\\p{L}])', weight: 0.45, lang: 'kk' },
  { id: 'intensive-care', term: 'жансақтау*', weight: 0.8, lang: 'kk' },
  { id: 'injury', term: 'жарақат*', weight: 0.65, lang: 'kk' },
  { id: 'concussion', term: 'миы шайқал*', weight: 0.85, lang: 'kk' },
  { id: 'cough', term: 'жөтел*', weight: 0.6, lang: 'kk' },
  { id: 'pregnant-short', term: 'жүкті', raw: 'жүкті(?=\\s*(?:[,.!?]|$|еді|екен|болып|болды|әйел|ана))|j[üu]kt[ıi](?=\\s*(?:[,.!?]|$))', weight: 0.75, lang: 'kk' },
  { id: 'pregnancy-week', term: 'аптада', raw: '(?<=\\d{1,2}\\s{1,3})аптада(?![\\p{L}])', weight: 0.45, lang: 'kk' },
  { id: 'pregnancy-week-latn', term: 'aptada', raw: '(?<=\\d{1,2}\\s{1,3})aptada(?![\\p{L}])', weight: 0.45, lang: 'kk' },
  { id: 'burns-unit', term: 'күйік бөлімі*', weight: 0.85, lang: 'kk' },
  { id: 'trauma', term: 'травматология*', weight: 0.7, lang: 'kk' },
  // English
  { id: 'fever', term: 'fever*', weight: 0.65, lang: 'en' },
  { id: 'migraine', term: 'migraine*', weight: 0.75, lang: 'en' },
  { id: 'psoriasis', term: 'psoriasis', weight: 0.85, lang: 'en' },
  { id: 'arthritis', term: 'arthritis', weight: 0.85, lang: 'en' },
  { id: 'measles', term: '(measles|chickenpox|rubella|mumps|rotavirus|norovirus)', weight: 0.85, lang: 'en' },
  { id: 'stones', term: '(gallstones|kidney stones)', weight: 0.85, lang: 'en' },
  { id: 'sprain', term: 'sprain*', weight: 0.7, lang: 'en' },
  { id: 'broken', term: 'broke his leg', raw: "(?:broke|broken|fractured)\\s+(?:his|her|my|their|a)?\\s*(?:leg|arm|wrist|ankle|rib|ribs|hip|collarbone|finger|foot|hand|nose)", weight: 0.8, lang: 'en' },
  { id: 'concussion', term: 'concussion*', weight: 0.85, lang: 'en' },
  { id: 'fracture', term: 'fracture*', weight: 0.65, lang: 'en' },
  { id: 'burns-unit', term: 'burns unit', weight: 0.85, lang: 'en' },
  { id: 'intensive-care', term: 'intensive care', weight: 0.8, lang: 'en' },
  { id: 'icu', term: 'ICU', weight: 0.75, lang: 'en', upper: true },
  { id: 'er', term: 'the ER', raw: '(?:to|in|at)\\s+the\\s+ER(?![\\p{L}])|A&E', weight: 0.7, lang: 'en' },
  { id: 'inpatient', term: 'inpatient*', weight: 0.75, lang: 'en' },
  { id: 'pacemaker', term: 'pacemaker*', weight: 0.85, lang: 'en' },
  { id: 'strep', term: 'strep throat', weight: 0.85, lang: 'en' },
  { id: 'flu', term: 'flu', weight: 0.55, lang: 'en' },
  { id: 'has-a', term: 'has a cold', raw: '(?:has|had|got|have|caught)\\s+(?:a|the)\\s+(?:cold|cough|fever|temperature|migraine|rash|infection|stomach\\s+bug|virus|flu)', weight: 0.75, lang: 'en' },
  { id: 'infection', term: 'infection*', weight: 0.55, lang: 'en' },
  { id: 'appendicitis', term: 'appendicitis', weight: 0.85, lang: 'en' },
  { id: 'maternity-hospital', term: 'maternity (hospital|ward)', weight: 0.8, lang: 'en' },
  { id: 'weeks-along', term: 'is 38 weeks', raw: 'is\\s+\\d{1,2}\\s+weeks(?!\\s+(?:late|away|old|behind|overdue))', weight: 0.55, lang: 'en' },
  { id: 'rehab', term: 'rehab*', weight: 0.55, lang: 'en' },
  { id: 'dependence', term: 'alcohol dependence', raw: '(?:alcohol|drug|opioid|substance)\\s+(?:dependence|dependency|abuse|use\\s+disorder)', weight: 0.85, lang: 'en' },
  { id: 'medical-board', term: 'medical board', weight: 0.6, lang: 'en' },
  { id: 'fitness', term: 'limited fitness', raw: '(?:limited|unfit|fit)\\s+for\\s+(?:military\\s+)?service|limited\\s+fitness', weight: 0.7, lang: 'en' },
  { id: 'signed-off', term: 'signed him off', raw: 'signed\\s+(?:him|her|me|them)\\s+off', weight: 0.75, lang: 'en' },
  { id: 'allergic', term: 'allergic reaction', raw: 'allerg(?:ic|y|ies)', weight: 0.65, lang: 'en' },
  { id: 'blood-sugar', term: 'blood sugar', weight: 0.75, lang: 'en' },
  { id: 'neurosurgery', term: 'neurosurgery', raw: "(?:in|to)\\s+(?:neurosurgery|cardiology|oncology|traumatology|the\\s+trauma\\s+cent(?:re|er))", weight: 0.75, lang: 'en' },

  { id: 'in-hospital-latn', term: 'auruhanada', raw: '(?:auruhana(?:da|ğa|ga)|stasionar(?:da|ğa|ga)|reanima(?:s|c|ts)iada)(?:\\s*(?:\\p{L}+\\s+)?(?:jat|zhat|tüs|tus|em)\\p{L}*)?', weight: 0.5, lang: 'kk' },
  { id: 'in-hospital-word', term: 'ауруханада', raw: '(?:ауруханада|ауруханаға|стационарда|стационарға|роддомда|перзентханада)(?![\\p{L}])', weight: 0.45, lang: 'kk' },
  { id: 'sick-sheet-word', term: 'ауруханалық парақ*', weight: 0.85, lang: 'kk' },
  { id: 'sick-sheet-ru', term: 'бюллетен*', weight: 0.7, lang: 'any' },
  { id: 'toxicosis', term: 'токсикоз*', weight: 0.85, lang: 'any' },
  { id: 'dental', term: 'зуб мудрости', raw: '(?:удал\\p{L}*\\s+зуб\\p{L}*|зуб\\p{L}*\\s+мудрост\\p{L}*|пломб\\p{L}*\\s+(?:постав|выпал)\\p{L}*)', weight: 0.6, lang: 'ru' },
  { id: 'stitches', term: 'швов', raw: '(?:наложили|сняли)\\s+(?:\\d+\\s+)?(?:шв\\p{L}*|шов)|тігіс\\s+салды', weight: 0.75, lang: 'any' },
  { id: 'amputation', term: 'ампутир*', weight: 0.9, lang: 'ru' },
  { id: 'transplant', term: 'пересадк*', raw: 'пересадк\\p{L}*\\s+(?:почк|печен|сердц|костного)\\p{L}*|трансплантаци\\p{L}*', weight: 0.85, lang: 'ru' },
  { id: 'copd', term: 'ХОБЛ', weight: 0.85, lang: 'ru', upper: true },
  { id: 'breastfeeding', term: 'кормит грудью', raw: 'корм\\p{L}*\\s+грудью|emizedi|емізеді|breastfeeding', weight: 0.75, lang: 'any' },
  { id: 'on-hold-pregnancy', term: 'на сохранении', weight: 0.8, lang: 'ru' },
  { id: 'antibiotics', term: 'антибиотик*', weight: 0.55, lang: 'ru' },
  { id: 'parasites', term: '(лямбли|глист|гельминт)*', weight: 0.75, lang: 'ru' },
  { id: 'contusion', term: 'контузи*', weight: 0.8, lang: 'ru' },
  { id: 'ent-doctor', term: 'к лору', raw: '(?:к|у)\\s+лор[ау](?![\\p{L}])', weight: 0.6, lang: 'ru' },
  { id: 'ambulance-took', term: 'скорая увезла', raw: 'скор(?:ая|ую)\\s+(?:увезла|забрала|вызвал\\p{L}*)|вызвал\\p{L}*\\s+скорую|жедел\\s+жәрдем\\s+шақыр\\p{L}*|jedel\\s+järdem\\s+şaq[yı]r\\p{L}*|ambulance\\s+took', weight: 0.75, lang: 'any' },
  { id: 'blood-sugar-kk', term: 'қантын өлшеді', raw: 'қант\\p{L}*\\s+(?:өлшеді|көтеріл\\p{L}*)|ммоль', weight: 0.7, lang: 'kk' },
  { id: 'hemoglobin', term: 'гемоглобин*', weight: 0.75, lang: 'any' },
  { id: 'cancer-kk', term: 'обыр*', weight: 0.85, lang: 'kk' },
  { id: 'chickenpox-kk', term: 'желшешек*', weight: 0.85, lang: 'kk' },
  { id: 'poisoned-kk', term: 'улан*', weight: 0.7, lang: 'kk' },
  { id: 'radiotherapy-kk', term: 'сәулелік терапия*', weight: 0.85, lang: 'kk' },
  { id: 'cataract', term: 'катаракт*', weight: 0.85, lang: 'any' },
  { id: 'epilepsy-kk', term: 'эпилепсия*', weight: 0.85, lang: 'kk' },
  ...EXTRA_HEALTH_TERMS,
];

/**
 * The Kazakh and Russian (loanword) terms again in the 2021 Latin alphabet, with and without its diacritics (kazakh-latin.ts), under the
 * same id with a `.latn` suffix (`.latn2` for a second way of writing the first letter). Phrases written as raw
 * regex stay Cyrillic only.
 */
function latinVariants(terms: readonly HealthTerm[]): HealthTerm[] {
  const out: HealthTerm[] = [];
  for (const term of terms) {
    // Kazakh written in Latin letters keeps the Russian loanwords it uses (dializ, reanimasia, insult, operasia)
    if (term.raw || term.upper || term.lang === 'en') continue;
    const forms = latinForms(term.term);
    forms?.forEach((form, i) => out.push({ ...term, id: `${term.id}-latn${i === 0 ? '' : i + 1}`, term: form }));
  }
  return out;
}

/**
 * A term written as alternatives from its first letter (`(синусит|гайморит)*`) becomes one term per alternative
 * (ids `<id>-1`, `<id>-2`…): the lookup walks a term's literal first letters.
 */
function expandLeadingAlternatives(terms: readonly HealthTerm[]): HealthTerm[] {
  return terms.flatMap((term) => {
    const m = /^\(([^()]*)\)(.*)$/.exec(term.term);
    if (term.raw || !m) return [term];
    return m[1]!
      .split('|')
      .map((alternative, i) => ({ ...term, id: `${term.id}-${i + 1}`, term: `${alternative}${m[2]}` }));
  });
}

const EXPANDED = expandLeadingAlternatives(BASE_TERMS);
export const HEALTH_TERMS: readonly HealthTerm[] = [...EXPANDED, ...latinVariants(EXPANDED)];

/** Words that put an ICD-10 code into a medical context (FORMATS.md: диагноз, МКБ-10, Ds:, АХЖ-10). */
export const ICD_CONTEXT_WORDS: readonly string[] = [
  'диагноз',
  'диагн',
  'д-з',
  'Ds',
  'Dx',
  'МКБ',
  'мкб-10',
  'АХЖ',
  'ахж-10',
  'ICD',
  'diagnosis',
  'diagnosed',
  'код заболевания',
  'код болезни',
  'ауру коды',
  'аурудың коды',
  'диагнозы',
];
