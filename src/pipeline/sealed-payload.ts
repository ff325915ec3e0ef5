import { isAscii, transcode } from 'node:buffer';
import { createHash, createHmac } from 'node:crypto';
import { UnrecoverableError } from '../core/bullmq.ts';
import { IV_BYTES, openParts, partsOf, sealBytes, sealParts, TAG_BYTES, type SealedParts } from '../crypto/aead.ts';

/**
 * A queue payload as it rests in Redis: the payload's JSON sealed with the installation's queue key
 * (AES-256-GCM), beside the few routing fields an operator may read without it (agency, run, batch, stage,
 * reason — never message text, names or chat ids). The associated data binds the ciphertext to its queue, its
 * job id and those routing fields, so a payload copied onto another job, or routing fields changed, do not open.
 */
export interface Sealed<R extends object = object> {
  v: 1;
  /** which queue key sealed it: a fingerprint of the key, not the key */
  kid: string;
  route: R;
  iv: string;
  tag: string;
  ct: string;
  /**
   * The ciphertext rests under a key of its own beside the job, as bytes (storedPayload): `iv`, `tag` and `ct`
   * are empty. A batch's megabytes are then not encoded as base64 inside the job's JSON and decoded again.
   */
  stored?: true;
}

/** The queue key with its fingerprint, computed once. */
export interface QueueSealer {
  readonly key: Buffer;
  readonly kid: string;
  /** keys job ids (keyedJobId): derived from the queue key, so no key serves two primitives */
  readonly idKey: Buffer;
}

export function queueSealer(key: Buffer): QueueSealer {
  return {
    key,
    kid: `q-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`,
    idKey: createHmac('sha256', key).update('aitu-gateway job ids').digest(),
  };
}

/** What a worker, or `dlq list`, meets when a payload does not open: never the payload's contents. */
export class PayloadRefused extends UnrecoverableError {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadRefused';
  }
}

function associatedData(queue: string, jobId: string, route: object): Buffer {
  const fields = Object.entries(route).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(['aitu-gateway queue payload v1', queue, jobId, fields]), 'utf8');
}

/** Seals one job's payload; called once per job (a batch is one seal, never one per message). */
export function seal<R extends object>(
  sealer: QueueSealer,
  queue: string,
  jobId: string,
  route: R,
  payload: unknown,
): Sealed<R> {
  const { iv, tag, body } = sealParts(
    sealer.key,
    encodeUtf8(JSON.stringify(payload)),
    associatedData(queue, jobId, route),
  );
  return {
    v: 1,
    kid: sealer.kid,
    route,
    iv: iv.toString('base64'),
    tag: tag.toString('base64'),
    ct: body.toString('base64'),
  };
}

/**
 * A payload's JSON as UTF-8. V8's encoder (Node 20) is several times slower than ICU's converter from UTF-16 on
 * batches of Cyrillic text; JSON.stringify escapes lone surrogates, so both give the same bytes.
 */
function encodeUtf8(json: string): Buffer {
  return transcode(Buffer.from(json, 'utf16le'), 'utf16le', 'utf8');
}

/**
 * Seals one job's payload to rest beside the job: the job's data (the route, no ciphertext) and the bytes to store,
 * the IV and the tag before the ciphertext. The associated data is the one `seal` binds, so bytes moved to another
 * job do not open.
 */
export function sealStored<R extends object>(
  sealer: QueueSealer,
  queue: string,
  jobId: string,
  route: R,
  payload: unknown,
): { data: Sealed<R>; bytes: Buffer } {
  return {
    data: { v: 1, kid: sealer.kid, route, iv: '', tag: '', ct: '', stored: true },
    bytes: sealBytes(sealer.key, encodeUtf8(JSON.stringify(payload)), associatedData(queue, jobId, route)),
  };
}

export function isSealed(data: unknown): data is Sealed {
  const d = data as Partial<Sealed> | null;
  return (
    typeof d === 'object' &&
    d !== null &&
    d.v === 1 &&
    typeof d.kid === 'string' &&
    typeof d.route === 'object' &&
    d.route !== null &&
    typeof d.iv === 'string' &&
    typeof d.tag === 'string' &&
    typeof d.ct === 'string'
  );
}

/**
 * The opened payload's text. `toString('utf8')` (V8's decoder, Node 20) was the largest single cost of a deliver
 * worker, on batches of Cyrillic text; ICU's converter into UTF-16 is several times faster, and ASCII needs none.
 * The bytes passed the tag check: they are the UTF-8 that `seal` wrote.
 */
function decodeUtf8(bytes: Buffer): string {
  if (isAscii(bytes)) return bytes.toString('latin1');
  return transcode(bytes, 'utf8', 'utf16le').toString('utf16le');
}

/** A stored payload's parts (crypto/aead.ts's layout), or null when its bytes are gone. */
function storedParts(stored: Buffer | null | undefined): SealedParts | null {
  return stored && stored.length >= IV_BYTES + TAG_BYTES ? partsOf(stored) : null;
}

const base64Parts = (data: Sealed): SealedParts => ({
  iv: Buffer.from(data.iv, 'base64'),
  tag: Buffer.from(data.tag, 'base64'),
  body: Buffer.from(data.ct, 'base64'),
});

/**
 * The payload of a job sealed for this queue and job id. A clear-text payload (an earlier version, or written
 * by hand), one sealed under another key, or one that does not open is refused, naming the job only. A payload
 * that rests beside its job (`stored`) is opened from `stored`, the bytes read from its key (null: gone).
 */
export function open<T>(
  sealer: QueueSealer,
  queue: string,
  job: { id?: string | undefined; data: unknown },
  stored?: Buffer | null,
): T {
  const what = `${queue} job ${job.id ?? '(no id)'}`;
  const data = job.data;
  if (!isSealed(data))
    throw new PayloadRefused(
      `${what}: its payload is not sealed with the queue key (clear text, or another version); refused`,
    );
  if (data.kid !== sealer.kid)
    throw new PayloadRefused(
      `${what}: sealed under another queue key (${data.kid}, this installation's is ${sealer.kid}); refused`,
    );
  const parts = data.stored === true ? storedParts(stored) : base64Parts(data);
  if (parts === null)
    throw new PayloadRefused(
      `${what}: its sealed payload is gone from Redis (expired, or lost with its data); refused`,
    );
  let text: string;
  try {
    text = decodeUtf8(openParts(sealer.key, parts, associatedData(queue, job.id ?? '', data.route)));
  } catch {
    throw new PayloadRefused(`${what}: its sealed payload does not open (altered, or moved from another job); refused`);
  }
  return JSON.parse(text) as T;
}

/**
 * A job id derived from what a job carries, keyed with the queue key: the same parts give the same id (so a
 * repeated add is ignored), and an id cannot be matched against guessed chat or message ids without the key.
 * BullMQ job ids must not contain ':'.
 */
export function keyedJobId(sealer: QueueSealer, kind: string, parts: readonly string[]): string {
  const hmac = createHmac('sha256', sealer.idKey);
  for (const part of parts) hmac.update(part).update('\u0000');
  return `${kind}-${hmac.digest('hex').slice(0, 32)}`;
}
