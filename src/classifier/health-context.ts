import { personNames } from './person-names.ts';
import { escapeWord, matchAtWordStart } from './detectors/detector.ts';

/**
 * What decides whether health words are about a person. HEALTH means information about a person's health; the
 * same words also name institutions, professions, the sector, statistics and markets. Two kinds of context words,
 * matched as word prefixes (case-insensitive, ё as е) anywhere in the message, which in chat is a line or two:
 *
 * - **person cues** (a pronoun, "у него", "сотрудник", "пациент", "науқас", "my mother"…) raise a health word's
 *   confidence: the message is about someone;
 * - **guards** (a tender, a vacancy, a conference or association, statistics, a vehicle, a ministry) mark the
 *   message as about the sector: without a person cue, no health word in it is reported.
 *
 * A finding names the cue that raised it (`contextId`: `person:<id>`) and a guard it was kept despite (`note`),
 * by id, never by the words found in the message.
 */
export interface ContextWord {
  id: string;
  /** word prefixes; a space matches any run of spaces */
  words: readonly string[];
}

// prettier-ignore
export const PERSON_CUES: readonly ContextWord[] = [
  { id: 'ru-pronoun', words: ['у него', 'у неё', 'у нее', 'у меня', 'у нас в семье', 'он ', 'она ', 'его ', 'её ', 'ему ', 'ей ', 'мне ', 'мой ', 'моя ', 'моей ', 'моего ', 'моему ', 'сама ', 'сам '] },
  { id: 'ru-person', words: ['сотрудник ', 'сотрудника', 'сотруднику', 'сотрудником', 'сотрудница', 'сотрудницы', 'работник ', 'работника', 'работнику', 'работница', 'пациент', 'больной ', 'больная ', 'коллег', 'подчинённ', 'подчиненн', 'гражданин', 'гражданк', 'заявител', 'начальни', 'руководител', 'специалист отдела', 'водител', 'секретар', 'бухгалтер'] },
  { id: 'ru-family', words: ['муж ', 'мужа', 'мужу', 'жена ', 'жены', 'жене ', 'сын', 'доч', 'мама', 'маме', 'мамы', 'папа', 'папе', 'отец', 'отца', 'мать ', 'матери', 'брат', 'сестр', 'ребёнок', 'ребенок', 'ребёнка', 'ребенка', 'ребёнку', 'ребенку', 'внук', 'внучк', 'бабушк', 'дедушк', 'тёщ', 'тещ', 'свекров'] },
  { id: 'kk-person', words: ['оның', 'менің', 'ол ', 'оған', 'маған', 'науқас', 'қызметкер', 'әріптес', 'бастығ', 'жүргізуш', 'есепші'] },
  { id: 'kk-family', words: ['анам', 'анасы', 'әкем', 'әкесі', 'ағам', 'ағасы', 'апам', 'әпкем', 'інім', 'інісі', 'қарындас', 'сіңлі', 'әйелі', 'әйелім', 'күйеу', 'баласы', 'балам', 'қызы ', 'қызым', 'ұлы ', 'ұлым', 'немере', 'әжем', 'атам'] },
  { id: 'kk-latn-person', words: ['onyñ', 'onyn', 'onyng', 'menıñ', 'menin', 'mening', 'nauqas', 'naukas', 'qyzmetker', 'kyzmetker', 'äriptes', 'ariptes', 'anam', 'äkem', 'akem', 'ağam', 'agam', 'balasy', 'äielı', 'aieli', 'ayeli', 'küieu', 'kuieu', 'kuyeu', 'ol '] },
  { id: 'en-person', words: ['he ', 'she ', 'his ', 'her ', 'him ', 'my ', "i'm ", 'i am ', 'i have ', 'patient', 'employee', 'colleague', 'staff member', 'mother', 'father', 'mom', 'mum', 'dad', 'wife', 'husband', 'son ', 'daughter', 'brother', 'sister', 'child ', "child's", 'kid ', 'mr ', 'mrs ', 'ms '] },
];

// prettier-ignore
export const GUARDS: readonly ContextWord[] = [
  { id: 'procurement', words: ['мердігер', 'merdıger', 'merdiger', 'жөндеу', 'jöndeu', 'qaldyq', 'қалдық', 'подрядчик', 'отход', 'contractor', 'repair', 'waste', 'тендер', 'закуп', 'госзакуп', 'поставк', 'поставщик', 'конкурс на', 'лот ', 'лота', 'мебел', 'ремонт', 'оборудовани', 'коммерческ', 'сатып алу', 'жеткізуш', 'procurement', 'tender', 'supplier', 'furniture', 'renovation'] },
  { id: 'vacancy', words: ['ваканси', 'требуется', 'требуются', 'резюме', 'на должность', 'бос орын', 'бос лауазым', 'жұмысқа қабылда', 'vacancy', 'hiring', 'job opening', 'we are looking for'] },
  { id: 'event', words: ['конференц', 'ассоциаци', 'съезд', 'форум', 'семинар', 'вебинар', 'симпозиум', 'конгресс', 'қауымдастығ', 'кеңес өт', 'conference', 'association', 'congress', 'symposium', 'webinar'] },
  { id: 'statistics', words: ['эпидеми', 'вспышк', 'ел бойынша', 'жаңа жағдай', 'новых случаев', 'случаев', 'syrqattanuşylyq', 'syrkattanushylyk', 'oblysta', 'пайыз', 'paiyz', 'процент', 'outbreak', 'cases', 'заболеваемост', 'статистик', 'по области', 'по региону', 'по стране', 'по республике', 'на 100 ', 'случаев заболев', 'сырқаттанушылық', 'облыс бойынша', 'incidence', 'statistics', 'per 100', 'nationwide'] },
  { id: 'vehicle', words: ['машин скорой', 'машину скорой', 'машины скорой', 'автомобил', 'автопарк', 'реанимобил', 'көлі', 'ambulances', 'vehicle', 'fleet'] },
  { id: 'market', words: ['рынк', 'рынок', 'экономик', 'акци', 'индекс', 'нарық', 'market', 'economy', 'stocks'] },
  { id: 'document', words: ['протокол', 'статья', 'статью', 'статьи', 'приказ', 'памятк', 'новост', 'ВОЗ', 'сайт', 'публикац', 'брошюр', 'лекци', 'методичк', 'мақала', 'бұйрық', 'website', 'article', 'protocol', 'guideline', 'press', 'пресс', 'newsletter', 'WHO '] },
  { id: 'campaign', words: ['для желающих', 'желающим', 'всем сотрудникам', 'всех сотрудников', 'барлық қызметкер', 'тілеушілер', 'for all staff', 'anyone who wants'] },
  { id: 'it', words: ['сервер', 'server', 'network', 'reboot', 'перезапуск', 'релиз', 'release', 'баг', 'bug', 'бағдарлама', 'программ'] },
  { id: 'institution-news', words: ['министерств', 'минздрав', 'управлени здравоохранени', 'управление здравоохранения', 'денсаулық сақтау министрлі', 'акимат', 'ministry of health'] },
];

/** A matcher for a list of context words: the id of the first that occurs in a text, or null. */
export class ContextMatcher {
  private readonly pattern: RegExp;
  private readonly ids: string[];

  constructor(
    private readonly namespace: string,
    lists: readonly ContextWord[],
  ) {
    this.ids = lists.map((l) => l.id);
    const groups = lists.map((l) => `(${l.words.map((word) => escapeWord(word, '\\s+')).join('|')})`);
    this.pattern = new RegExp(`(?:${groups.join('|')})`, 'giu');
  }

  /** `<namespace>:<id>` of the first context word found in `text` (with a space after it), or null. */
  find(text: string): string | null {
    const m = matchAtWordStart(this.pattern, `${text} `, 0);
    if (m === null) return null;
    for (let g = 1; g < m.length; g++) if (m[g] !== undefined) return `${this.namespace}:${this.ids[g - 1]}`;
    return null;
  }
}

export const PERSON = new ContextMatcher('person', PERSON_CUES);

let firstName: RegExp | null = null;

/**
 * A first name, capitalised as names are written (Дана, not данные), with a case ending of up to five letters.
 * Built when first needed: only a message with a health word asks whether it names a person.
 */
function firstNamePattern(): RegExp {
  return (firstName ??= new RegExp(
    `(?<![\\p{L}])(?:${personNames()
      .map((n) => n[0]!.toUpperCase() + n.slice(1))
      .sort((a, b) => b.length - a.length)
      .join('|')})\\p{Ll}{0,5}(?![\\p{L}])`,
    'u',
  ));
}

/**
 * Characters no NAMED shape starts with: lower-case letters but the prepositions' first (у, от, для, к, с), spaces,
 * digits and common punctuation. Looked at first, it spares most positions of a message the shapes' leading
 * look-behinds, each of which consults \p{L}'s range table (the same matches: none starts at such a character).
 */
const NOT_A_NAMED_START = [
  '[a-z',
  '\\u0430-\\u0433\\u0435-\\u0439\\u043b-\\u043d\\u043f\\u0440\\u0442\\u0444-\\u044f\\u0451\\u0456', // а-я but у о д к с; ё і
  '\\u0493\\u049b\\u04a3\\u04af\\u04b1\\u04bb\\u04d9\\u04e9', // ғ қ ң ү ұ һ ә ө
  '\\s0-9.,!?:;()"\'-]',
].join('');
/**
 * A person named by name, as chats do: a capitalised word in a Kazakh possessive or dative case (Ерланның,
 * Асхатқа, Marattyñ), after a Russian preposition (у Асем, для Ерика) or before an English verb (Dana has).
 * Case-sensitive, unlike the cue words; a city in those cases (Астананың) is the price.
 */
const NAMED_SHAPES =
  /(?<![\p{L}])\p{Lu}\p{Ll}{2,}(?:ның|нің|тың|тің|дың|дің|ға|ге|қа|ке|ñ|nyñ|nıñ|tyñ|tıñ|dyñ|dıñ|ğa|ge|qa|ke|nyn|nin|tyn|tin|dyn|din|ga|ka)(?![\p{L}])|(?<![\p{L}])(?:у|от|для|к|с)\s+\p{Lu}\p{Ll}{2,}(?:[аеиоуыя]|ом|ем|ой|ей)?(?![\p{L}])|(?<![\p{L}])\p{Lu}\p{Ll}{2,}(?:'s)?\s+(?:is|has|had|was|got|takes|fell|broke|needs|will)(?![\p{L}])/u;
const NAMED = new RegExp(`(?!${NOT_A_NAMED_START})(?:${NAMED_SHAPES.source})`, 'u');

/** `person:<cue>` for a cue word, `person:name` for a name in one of NAMED's shapes, or null. */
export function personIn(text: string): string | null {
  return (
    PERSON.find(text) ?? (firstNamePattern().test(text) ? 'person:first-name' : NAMED.test(text) ? 'person:name' : null)
  );
}
export const GUARD = new ContextMatcher('guard', GUARDS);
