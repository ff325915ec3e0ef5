/**
 * An attachment inspected: its extracted text through the same classifier as message text, each finding placed by
 * page and offset in that page's text. A file that could not be read carries its reason instead, for policy to
 * decide (it is never clean).
 */
import { classify } from '../classifier/index.ts';
import type { Category, Finding } from '../classifier/types.ts';
import { DEFAULT_LIMITS, extract, type ExtractLimits, type Kind } from './extract.ts';
import { boxesOf, type Box } from './layout.ts';

export interface AttachmentFinding extends Finding {
  /** 1-based page of the attachment; offsets are into that page's extracted text */
  page: number;
  /** where the finding's words sit on the page; null for a file without pages to draw on (office, text) */
  boxes: Box[] | null;
  /** the identifier's keyed digest and sealed value (base64) for the subject index, when `digest` was given */
  subject?: { digest: string; sealed: string };
}

/** A finding's value to its keyed digest and sealed value (the subject index's), or null when it is not indexed. */
export type SubjectDigester = (category: string, value: string) => { digest: Buffer; sealed: Buffer } | null;

export type Inspection =
  | { inspected: true; kind: Kind; pages: number; ocrPages: number; findings: AttachmentFinding[] }
  | { inspected: false; reason: string };

/** `classifyText`: the classifier as the message's text meets it (the agency's `classifier:` section included). */
export async function inspectAttachment(
  file: string,
  limits: ExtractLimits = DEFAULT_LIMITS,
  classifyText: (text: string) => Finding[] = (text) => classify(text),
  digest?: SubjectDigester,
): Promise<Inspection> {
  const extraction = await extract(file, limits);
  if (!extraction.inspected) return extraction;
  const findings = extraction.pages.flatMap((p) =>
    classifyText(p.text).map((f) => {
      const subject = digest?.(f.category, p.text.slice(f.start, f.end));
      return {
        ...f,
        page: p.page,
        boxes: p.words.length > 0 ? boxesOf(p.words, f.start, f.end) : null,
        ...(subject
          ? { subject: { digest: subject.digest.toString('base64'), sealed: subject.sealed.toString('base64') } }
          : {}),
      };
    }),
  );
  const ocrPages = extraction.pages.filter((p) => p.ocr).length;
  return { inspected: true, kind: extraction.kind, pages: extraction.pages.length, ocrPages, findings };
}

/** What an inspection comes to for policy: the distinct categories found, sorted, or UNINSPECTED for a file not read. */
export function categoriesOf(inspection: Inspection): (Category | 'UNINSPECTED')[] {
  if (!inspection.inspected) return ['UNINSPECTED'];
  return [...new Set(inspection.findings.map((f) => f.category))].sort();
}
