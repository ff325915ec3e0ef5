import { CATEGORIES } from '../classifier/types.ts';
import { DECISIONS, type Decision } from '../review/decide.ts';
import { STATUSES, type ReviewFilter } from '../review/items.ts';
import type { AuditFilter } from '../audit/export.ts';
import { BadInput } from './context.ts';
import type { AuditFilterForm } from './views/audit.ts';
import { FILTER_FIELDS, type QueueFilterForm } from './views/queue.ts';

/** A query or form body as the parsers give it: a field may come once, several times or not at all. */
export type Fields = Readonly<Record<string, unknown>>;

/** A field's one value ('' when absent; the first when repeated). */
export function field(fields: Fields | undefined, name: string): string {
  const value = fields?.[name];
  const one = Array.isArray(value) ? value[0] : value;
  return typeof one === 'string' ? one.trim() : '';
}

/** Every value of a field (checkboxes named alike). */
export function fieldList(fields: Fields | undefined, name: string): string[] {
  const value = fields?.[name];
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim());
}

/** Midnight at the start of `YYYY-MM-DD` in the time zone; a full ISO time is taken as it is. */
export function dayStart(value: string, timeZone: string): Date {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!day) {
    const at = /^\d{4}-\d{2}-\d{2}T/.test(value) ? new Date(value) : new Date(Number.NaN);
    if (Number.isNaN(at.getTime())) throw new BadInput('error.badDate');
    return at;
  }
  const utc = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
  if (Number.isNaN(utc) || new Date(utc).toISOString().slice(0, 10) !== value) throw new BadInput('error.badDate');
  return new Date(utc - zoneOffsetMs(new Date(utc), timeZone));
}

/** How far the zone's wall clock is ahead of UTC at that moment. */
function zoneOffsetMs(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return wall - at.getTime();
}

/**
 * The queue's filter from a query or form: the form's values (to show them again) and the filter the service
 * takes. With no status field at all the queue shows open items; an empty one means any status.
 */
export function queueFilter(
  fields: Fields | undefined,
  timeZone: string,
): { form: QueueFilterForm; filter: ReviewFilter } {
  const form = Object.fromEntries(
    FILTER_FIELDS.map((name) => [name, field(fields, name)]),
  ) as unknown as QueueFilterForm;
  if (fields?.status === undefined) form.status = 'open';
  form.category = form.category.toUpperCase();
  if (form.category && !(CATEGORIES as readonly string[]).includes(form.category))
    throw new BadInput('error.badRequest');
  if (form.status && !(STATUSES as readonly string[]).includes(form.status)) throw new BadInput('error.badRequest');
  const filter: ReviewFilter = {};
  if (form.agency) filter.agency = form.agency;
  if (form.category) filter.category = form.category;
  if (form.status) filter.status = form.status;
  if (form.chat) filter.chat = form.chat;
  if (form.since) filter.since = dayStart(form.since, timeZone);
  if (form.until) filter.until = dayStart(form.until, timeZone);
  return { form, filter };
}

export function auditFilter(
  fields: Fields | undefined,
  timeZone: string,
): { form: AuditFilterForm; filter: AuditFilter } {
  const form: AuditFilterForm = {
    action: field(fields, 'action'),
    actor: field(fields, 'actor'),
    since: field(fields, 'since'),
    until: field(fields, 'until'),
  };
  const filter: AuditFilter = {};
  if (form.action) filter.action = form.action;
  if (form.actor) filter.actor = form.actor;
  if (form.since) filter.since = dayStart(form.since, timeZone);
  if (form.until) filter.until = dayStart(form.until, timeZone);
  return { form, filter };
}

export function decisionOf(fields: Fields | undefined): Decision {
  const value = field(fields, 'decision');
  if (!(DECISIONS as readonly string[]).includes(value)) throw new BadInput('error.badDecision');
  return value as Decision;
}

const NOTE_LIMIT = 4000;

/** A reviewer's note: trimmed, none when empty, refused when longer than a note should be. */
export function noteOf(fields: Fields | undefined): string | undefined {
  const note = field(fields, 'note');
  if (note.length > NOTE_LIMIT) throw new BadInput('error.badRequest');
  return note || undefined;
}

/** Where to go back to: a path of this console, never another site (`//host`, `/\host`). */
export function localPath(value: string, fallback = '/queue'): string {
  return /^\/(?![/\\])[^\s]*$/.test(value) ? value : fallback;
}
