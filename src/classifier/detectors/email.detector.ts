import type { PatternDetector, Verdict } from './detector.ts';

/**
 * E-mail addresses, Unicode letters allowed (кириллические домены .рф/.қаз, internationalized local parts).
 * The pattern starts at any letter, so the registry runs it only over texts that contain `@`.
 */
export const emailDetector: PatternDetector = {
  kind: 'pattern',
  name: 'email',
  category: 'EMAIL',
  pattern: '[\\p{L}\\p{N}_%+\\-](?:[\\p{L}\\p{N}._%+\\-]{0,63})@[\\p{L}\\p{N}](?:[\\p{L}\\p{N}\\-]*[\\p{L}\\p{N}])?(?:\\.[\\p{L}\\p{N}](?:[\\p{L}\\p{N}\\-]*[\\p{L}\\p{N}])?)*\\.\\p{L}{2,24}(?![\\p{L}\\p{N}])',
  context: null,
  contextScore: 0,
  evaluate(match: string): Verdict | null {
    const at = match.indexOf('@');
    const local = match.slice(0, at);
    if (local.endsWith('.') || local.includes('..')) return null;
    return { validator: 'email-structure:pass', baseScore: 0.95, validated: true };
  },
};
