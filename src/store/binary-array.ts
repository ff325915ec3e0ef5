/**
 * PostgreSQL arrays in the binary wire format (what `array_send` writes and `array_recv` reads), for the deliver
 * stage's columns. node-postgres sends a Buffer parameter as binary, so the server takes each element as it is
 * instead of parsing an array literal (`{"…","…"}`) and every element's text form, and the client neither escapes
 * nor re-encodes the literal: on the delivery statement, the literal's building, encoding and parsing were a
 * noticeable share of both the deliver worker's and PostgreSQL's CPU (docs/benchmarks.md).
 *
 * The statement must declare each parameter's type (`$3::text[]`): the array names its element type and the server
 * refuses a mismatch ("binary data has array element type …").
 */

/** Element types by their PostgreSQL type OID (pg_type.oid, fixed for built-in types). */
const OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int4: 23,
  text: 25,
  float8: 701,
  timestamptz: 1184,
  uuid: 2950,
  jsonb: 3802,
} as const;
export type ElementType = keyof typeof OID;

type Value<T extends ElementType> = T extends 'bool'
  ? boolean
  : T extends 'int4' | 'int8' | 'float8'
    ? number
    : T extends 'bytea'
      ? Buffer
      : string;

/** Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 UTC), in which timestamps travel. */
const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const HEADER_BYTES = 20;
const FIXED_SIZE: Partial<Record<ElementType, number>> = {
  bool: 1,
  int4: 4,
  int8: 8,
  float8: 8,
  timestamptz: 8,
  uuid: 16,
};

/** A one-dimensional array of `type` (null or undefined elements are NULL), ready to pass as a query parameter. */
export function binaryArray<T extends ElementType>(type: T, values: readonly (Value<T> | null | undefined)[]): Buffer {
  let capacity = HEADER_BYTES;
  const fixed = FIXED_SIZE[type];
  for (const value of values) {
    capacity += 4;
    if (value === null || value === undefined) continue;
    // a UTF-16 unit never takes more than 3 bytes of UTF-8: one pass writes the strings, with room to spare
    capacity +=
      fixed ??
      (type === 'bytea' ? (value as Buffer).length : (type === 'jsonb' ? 1 : 0) + (value as string).length * 3);
  }
  const out = Buffer.allocUnsafe(capacity);
  out.writeInt32BE(values.length === 0 ? 0 : 1, 0); // dimensions (an empty array has none)
  out.writeInt32BE(0, 4); // has nulls: set below
  out.writeUInt32BE(OID[type], 8);
  let at = 12;
  if (values.length > 0) {
    out.writeInt32BE(values.length, 12);
    out.writeInt32BE(1, 16); // lower bound
    at = HEADER_BYTES;
  }
  let hasNull = false;
  for (const value of values) {
    if (value === null || value === undefined) {
      out.writeInt32BE(-1, at);
      at += 4;
      hasNull = true;
      continue;
    }
    const start = at + 4;
    let end: number;
    switch (type) {
      case 'text':
        end = start + out.write(value as string, start, 'utf8');
        break;
      case 'bytea':
        end = start + (value as Buffer).copy(out, start);
        break;
      case 'jsonb':
        out[start] = 1; // jsonb's binary format version, followed by the JSON text
        end = start + 1 + out.write(value as string, start + 1, 'utf8');
        break;
      case 'int4':
        end = out.writeInt32BE(value as number, start);
        break;
      case 'int8':
        end = out.writeBigInt64BE(BigInt(value as number), start);
        break;
      case 'float8':
        end = out.writeDoubleBE(value as number, start);
        break;
      case 'bool':
        end = out.writeUInt8(value ? 1 : 0, start);
        break;
      case 'timestamptz':
        end = out.writeBigInt64BE(BigInt(timeMs(value as string) - POSTGRES_EPOCH_MS) * 1000n, start);
        break;
      case 'uuid':
        end = start + uuidBytes(value as string).copy(out, start);
        break;
      default:
        throw new TypeError(`binaryArray: no binary form for ${String(type)}`);
    }
    out.writeInt32BE(end - start, at);
    at = end;
  }
  if (hasNull) out.writeInt32BE(1, 4);
  return out.subarray(0, at);
}

function timeMs(iso: string): number {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new RangeError(`not a time: ${JSON.stringify(iso.slice(0, 40))}`);
  return ms;
}

function uuidBytes(uuid: string): Buffer {
  if (!UUID.test(uuid)) throw new RangeError(`not a uuid: ${JSON.stringify(uuid.slice(0, 40))}`);
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}
