import type { PatternDetector, Verdict } from './detector.ts';

/**
 * E-mail addresses, Unicode letters allowed (кириллические домены .рф/.қаз, internationalized local parts).
 * The pattern starts at any letter, so the registry runs it only over texts that contain `@`.
 */
/** A domain that is a file name: a density or size marker, or a file extension as its top-level part. */
const FILE_NAME = /^(?:\d+(?:\.\d+)?x\.|[^.]+\.(?:png|jpe?g|gif|svg|webp|pdf|docx?|xlsx?|pptx?|mp4|mov|zip|txt)$)/i;

const SPACED_LOCAL = /^(?=[a-z0-9._%+-]*[0-9._])[a-z0-9._%+-]+$/i;
const VCS_USER = /^(?:git|hg|svn)$/i;
const TEMPLATE_PART =
  /^(?:фамилия|имя|отчество|инициал\p{L}*|логин|тегі|аты|әкесінің|name|surname|firstname|lastname|first|last|initials?|login|username|user|x+|х+)$/iu;

export const emailDetector: PatternDetector = {
  kind: 'pattern',
  name: 'email',
  category: 'EMAIL',
  pattern:
    '[\\p{L}\\p{N}_%+\\-](?:[\\p{L}\\p{N}._%+\\-]{0,63})(?: (?=@))?@[\\p{L}\\p{N}](?:[\\p{L}\\p{N}\\-]*[\\p{L}\\p{N}])?(?:\\.[\\p{L}\\p{N}](?:[\\p{L}\\p{N}\\-]*[\\p{L}\\p{N}])?)*\\.\\p{L}{2,24}(?![\\p{L}\\p{N}])',
  context: null,
  contextScore: 0,
  evaluate(match: string): Verdict | null {
    const at = match.indexOf('@');
    const local = match.slice(0, at).trimEnd();
    // a space a phone keyboard left before the @ ("erlan71 @mail.ru"): only after a login-like local part, not a word
    if (local.length < at && !SPACED_LOCAL.test(local)) return null;
    if (local.endsWith('.') || local.includes('..')) return null;
    // `logo@2x.png`, `icon@3x.webp`: a file name with a pixel density, not an address
    if (FILE_NAME.test(match.slice(at + 1))) return null;
    // `git@gitlab.example.kz`: a repository's remote, not a mailbox
    if (VCS_USER.test(local)) return null;
    // `фамилия.инициал@edu.kz`, `name.surname@gov.kz`: how addresses are made, not anyone's address
    if (local.split(/[._-]/).every((part) => TEMPLATE_PART.test(part))) return null;
    return { validator: 'email-structure:pass', baseScore: 0.95, validated: true };
  },
};
