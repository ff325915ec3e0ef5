/**
 * Data subjects' rights (issue 24), as every front end calls them: find where a person's identifier is held, and
 * export it for an access request. An officer of the agency or an admin; each search is audited with the value's
 * keyed digest and the counts, never the value.
 */
import { writeAudit } from '../audit/log.ts';
import { requireRole, visibleAgencies, type Actor } from '../auth/roles.ts';
import { classify } from '../classifier/index.ts';
import { redact } from '../classifier/redact.ts';
import { requireIndexKey, type Keyring } from '../core/keys.ts';
import {
  digestLabel,
  subjectDigest,
  subjectDigests,
  subjectValue,
  isSubjectCategory,
  type SubjectCategory,
} from '../core/subject.ts';
import { openMessageOriginal } from '../review/originals.ts';
import type { Store } from '../store/database.ts';
import { subjectPlaces, type SubjectPlaces } from '../store/subjects.ts';

export interface SubjectQuery {
  category: SubjectCategory;
  value: string;
}

const SUBJECT_ROLES = ['officer', 'admin'] as const;

export async function findSubject(
  store: Store,
  actor: Actor,
  keyring: () => Promise<Keyring>,
  query: SubjectQuery,
  action: 'subject.find' | 'subject.export' = 'subject.find',
): Promise<SubjectPlaces> {
  requireRole(actor, SUBJECT_ROLES, action === 'subject.find' ? 'find data subjects' : 'export data subjects');
  const keys = requireIndexKey(await keyring());
  const places = await subjectPlaces(
    store.pool,
    visibleAgencies(actor),
    subjectDigests(keys, query.category, query.value),
  );
  await writeAudit(store.pool, {
    actor,
    action,
    details: {
      category: query.category,
      digest: digestLabel(subjectDigest(keys.current, query.category, query.value)),
      indexKeyId: keys.currentId,
      found: {
        messages: places.messages.length,
        attachments: places.attachments.length,
        reviewItems: places.reviewItems.length,
        outboundAttempts: places.outboundAttempts.length,
      },
    },
  });
  return places;
}

/** One line of `subject find --jsonl`: a place, its kind and its ids. */
export function placesAsLines(places: SubjectPlaces): Record<string, unknown>[] {
  return [
    ...places.messages.map((m) => ({ kind: 'message', ...m })),
    ...places.attachments.map((a) => ({ kind: 'attachment', ...a })),
    ...places.reviewItems.map((r) => ({ kind: 'review-item', ...r })),
    ...places.outboundAttempts.map((o) => ({ kind: 'outbound-attempt', ...o })),
  ];
}

export interface SubjectReport extends SubjectPlaces {
  generatedAt: string;
  category: SubjectCategory;
  /** each message the person is found in, as received, other people's personal data tagged */
  texts: { messageId: string; chat: string; sentAt: string; text: string }[];
}

/**
 * An access request's report: where the person's data is held and the messages themselves as received (an
 * original opened for it), with the person's own identifier kept and everyone else's personal data tagged.
 */
export async function exportSubject(
  store: Store,
  actor: Actor,
  keyring: () => Promise<Keyring>,
  query: SubjectQuery,
  now = new Date(),
): Promise<SubjectReport> {
  const places = await findSubject(store, actor, keyring, query, 'subject.export');
  const ring = await keyring();
  const texts = [];
  for (const m of places.messages) {
    const received = await receivedText(store, ring, m.id);
    texts.push({ messageId: m.id, chat: m.chat, sentAt: m.sentAt, text: othersRedacted(received, query) });
  }
  return { ...places, generatedAt: now.toISOString(), category: query.category, texts };
}

/** The message as received: its sealed original where policy changed it, else its stored text. */
async function receivedText(store: Store, keyring: Keyring, messageId: string): Promise<string> {
  const original = await openMessageOriginal(store.pool, keyring, messageId);
  if (original) return original.text;
  const row = await store.pool.query<{ text: string }>(`SELECT text FROM messages WHERE id = $1`, [messageId]);
  return row.rows[0]?.text ?? '';
}

/** Every finding but the person's own identifier replaced by its tag. */
export function othersRedacted(text: string, query: SubjectQuery): string {
  const own = subjectValue(query.category, query.value);
  const others = classify(text).filter(
    (f) =>
      !(
        f.category === query.category &&
        isSubjectCategory(f.category) &&
        subjectValue(f.category, text.slice(f.start, f.end)) === own
      ),
  );
  return redact(text, others, { kind: 'tag' });
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The report as a page a person can read and print: the messages first, then where else the data is held. */
export function reportHtml(report: SubjectReport): string {
  const rows = report.texts
    .map(
      (t) =>
        `<tr><td>${escapeHtml(t.sentAt)}</td><td>${escapeHtml(t.chat)}</td><td>${escapeHtml(t.text).replace(/\n/g, '<br>')}</td></tr>`,
    )
    .join('\n');
  const list = (title: string, items: string[]) =>
    `<h2>${title} (${items.length})</h2>${items.length ? `<ul>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>` : ''}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Personal data held: access request report</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3em .6em;vertical-align:top}</style>
</head><body>
<h1>Personal data held: access request report</h1>
<p>Generated ${escapeHtml(report.generatedAt)} for one ${escapeHtml(report.category)}. Other people's personal data in these messages is replaced by its category.</p>
<h2>Messages (${report.texts.length})</h2>
<table><thead><tr><th>Sent</th><th>Chat</th><th>Text</th></tr></thead><tbody>
${rows}
</tbody></table>
${list(
  'Attachments',
  report.attachments.map(
    (a) => `file ${a.sha256.slice(0, 12)}…, pages ${a.pages.join(', ')}, in messages ${a.messageIds.join(', ')}`,
  ),
)}
${list(
  'Review items',
  report.reviewItems.map((r) => `item ${r.id} (${r.status}), message ${r.messageId}, opened ${r.openedAt}`),
)}
${list(
  'Attempts to send abroad',
  report.outboundAttempts.map((o) => `attempt ${o.id} (${o.status}) at ${o.createdAt}`),
)}
</body></html>
`;
}
