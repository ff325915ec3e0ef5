import { ContextWords, isTemplateNumber, type DigitDetector, type DigitShape, type Verdict } from './detector.ts';

/**
 * Kazakhstan identity card numbers: 9 digits (the format is not officially published; see FORMATS.md). Nine
 * digits alone are far too common, so the bare match scores below any sensible threshold and only a context
 * word makes it a finding.
 */
export const idCardDetector: DigitDetector = {
  kind: 'digits',
  name: 'id-card',
  category: 'ID_CARD',
  minDigits: 9,
  maxDigits: 9,
  context: new ContextWords(
    'id-card',
    [
      'удостоверение',
      'удостоверения',
      'удостоверении',
      'уд. личн',
      'уд.личн',
      'удв',
      'жеке куәлік',
      'жеке куәлігі',
      'жеке куәлігінің',
      'жеке басын куәландыратын',
      'куәлік',
      'ID card',
      'ID-card',
      'identity card',
      'id карт',
      'national ID',
      'уд.л',
      'уд. л',
      'уд/л',
      'уд л',
      'удост',
      'jeke ku',
      'zheke ku',
      'жеке ку',
      'уд.',
      'ж.к.',
      'ж.к',
      'jk nom',
      'jk nöm',
      'jk №',
      'жк нөм',
      'айди',
      'aidi',
      'айдишк',
      'ув. л',
      'ув.л',
      'уд-е',
      'ж/к',
      'куәліг',
      'kuälık',
      'kuälıg',
      'kualik',
      'kualig',
      'j.k.',
      'j.k',
      'ID',
      'j/k',
      'уд$',
      'УЛ$',
      'ЖК$',
      'JK$',
      'выдан',
      'выдач',
      'МВД',
      'ІІМ',
    ],
    {
      // a document's number is often a sentence after the document's name
      before: 80,
      after: 40,
      // other certificates called удостоверение / куәлік: a driving licence, a service or military card, a birth or
      // registration certificate, a certificate of training
      guard:
        /(?:водительск\p{L}*\s+(?:удостоверени|прав)|служебн|пенсионн\p{L}*\s+удостоверени|военн\p{L}*\s+(?:билет|удостоверени)|ветеран|удостоверени\p{L}*\s+(?:о|об)\s|удостоверени\p{L}*\s+на\s+прав|удостоверени\p{L}*\s+по\s+(?:технике|охране|безопасн)|(?:transaction|order|user|client|customer|session|request|ticket|chat|device|merchant|terminal|tracking|payment|invoice|apple|google|telegram|driver|app|appointment|portal\p{L}*|қолданушы|пайдаланушы|paidalanuşy|qoldanuşy|портал\p{L}*|заказ\p{L}*|транзакци\p{L}*|клиент\p{L}*|пользовател\p{L}*)\s*ID(?![\p{L}]|\s+card|\s+карт)|ID\s+(?:заказ|транзакц|платеж|платёж|клиент|пользовател|order|transaction|payment)|біліктілік|замен\p{L}*\s+(?:удостоверени|паспорт)|ауыстыру|auystyru|bılıktılık|biliktilik|квалификац|жүргізуші\s+куәлі|jürgızuşı\s+kuälı|jurgizushi\s+kuali|zhurgizushi\s+kuali|қызметтік|qyzmettık|әскери\s+(?:билет|куәлі)|äskeri\s+(?:bilet|kuälı)|туу\s+туралы|о\s+рождении|тіркеу\s+куәлі|tırkeu\s+kuälı|driv(?:er'?s|ing)\s+licen|service\s+id|military|birth|registration\s+cert)/iu,
    },
  ),
  contextScore: 0.85,
  evaluate(shape: DigitShape): Verdict | null {
    // any grouping: a card's number is copied in threes, in cells of one digit, or whole; the document model decides
    if (shape.plus || shape.digits.length !== 9) return null;
    if (isTemplateNumber(shape.digits)) return null;
    return { validator: 'id-card-format:pass', baseScore: 0.15, validated: false };
  },
};
