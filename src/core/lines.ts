import { isUtf8 } from 'node:buffer';

/**
 * A byte-level line splitter with a maximum line length, for line-based inputs (JSONL, WhatsApp exports). A line is
 * kept as the chunks it arrived in and joined once when it ends, so reading it costs time linear in its length; a
 * line past the maximum is not kept at all (only its first bytes, to tell what it was) but streamed past and counted,
 * so memory stays bounded whatever the input holds.
 */

export interface Line {
  /** 1-based, counting the lines before the first chunk */
  number: number;
  /** the line's bytes without its end; null when it was longer than the maximum */
  bytes: Buffer | null;
  /** the line's length in bytes, also when it was too long to keep */
  length: number;
  /** for a line too long to keep: its first bytes (up to `headBytes`) */
  head: Buffer | null;
  /** the input offset just after the line's end */
  end: number;
}

export interface LineSplitterOptions {
  maxBytes: number;
  /** the input offset of the first chunk */
  start?: number;
  /** lines before the first chunk */
  linesBefore?: number;
  /**
   * End a line at a lone CR too, and take CR LF as one end, as Node's readline does; otherwise only LF ends a line
   * and a CR before it stays in the line's bytes.
   */
  crEndsLine?: boolean;
  /** how much of a line too long to keep is kept (default 1 KiB) */
  headBytes?: number;
}

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);
const NOT_SEARCHED = -2;

export class LineSplitter {
  private readonly maxBytes: number;
  private readonly crEndsLine: boolean;
  private readonly headBytes: number;
  private offset: number;
  private number: number;
  /** the current line's pieces (views into the chunks), while it is within the maximum */
  private pieces: Buffer[] = [];
  private length = 0;
  private head: Buffer | null = null;
  /** the previous chunk ended in a CR that ended a line: an LF starting this chunk belongs to it */
  private afterCr = false;
  /** in the chunk being split: its first CR at or after the last search; -1 none left; NOT_SEARCHED at its start */
  private nextCr = NOT_SEARCHED;

  constructor(options: LineSplitterOptions) {
    this.maxBytes = options.maxBytes;
    this.crEndsLine = options.crEndsLine ?? false;
    this.headBytes = options.headBytes ?? 1024;
    this.offset = options.start ?? 0;
    this.number = options.linesBefore ?? 0;
  }

  /** The lines the chunk ends; the rest is kept for the next chunk. */
  push(chunk: Buffer): Line[] {
    const lines: Line[] = [];
    const base = this.offset;
    const n = chunk.length;
    this.offset += n;
    // a new chunk (or the same buffer refilled): nothing known of its CRs
    this.nextCr = NOT_SEARCHED;
    let i = 0;
    if (this.afterCr) {
      this.afterCr = false;
      if (n > 0 && chunk[0] === LF) i = 1;
    }
    while (i < n) {
      const stop = this.lineEnd(chunk, i);
      if (stop < 0) {
        this.append(chunk, i, n);
        break;
      }
      this.append(chunk, i, stop);
      let next = stop + 1;
      if (chunk[stop] === CR) {
        if (next < n) {
          if (chunk[next] === LF) next++;
        } else {
          this.afterCr = true;
        }
      }
      lines.push(this.take(base + next));
      i = next;
    }
    return lines;
  }

  /** The last line, when the input does not end with a line end. */
  end(): Line[] {
    return this.length > 0 ? [this.take(this.offset)] : [];
  }

  private lineEnd(chunk: Buffer, from: number): number {
    const lf = chunk.indexOf(LF, from);
    if (!this.crEndsLine) return lf;
    // The next CR is looked for once per chunk, not once per line: a chunk of short LF lines and no CR would
    // otherwise be scanned to its end for every line.
    if (this.nextCr === NOT_SEARCHED || (this.nextCr >= 0 && this.nextCr < from)) this.nextCr = chunk.indexOf(CR, from);
    const cr = this.nextCr;
    if (cr < 0) return lf;
    return lf < 0 || cr < lf ? cr : lf;
  }

  private append(chunk: Buffer, from: number, to: number): void {
    if (to <= from) return;
    const piece = chunk.subarray(from, to);
    if (this.head === null && this.length + piece.length > this.maxBytes) {
      this.head = this.headOf([...this.pieces, piece]);
      this.pieces = [];
    } else if (this.head === null) {
      this.pieces.push(piece);
    }
    this.length += piece.length;
  }

  private headOf(pieces: Buffer[]): Buffer {
    const kept: Buffer[] = [];
    let room = this.headBytes;
    for (const piece of pieces) {
      if (room <= 0) break;
      kept.push(piece.subarray(0, room));
      room -= piece.length;
    }
    // a copy: the line's chunks must not stay alive for the sake of its first bytes
    return Buffer.from(Buffer.concat(kept));
  }

  private take(end: number): Line {
    this.number++;
    const { pieces, length, head } = this;
    const bytes =
      head !== null
        ? null
        : pieces.length === 0
          ? EMPTY
          : pieces.length === 1
            ? pieces[0]!
            : Buffer.concat(pieces, length);
    this.pieces = [];
    this.length = 0;
    this.head = null;
    return { number: this.number, bytes, length, head, end };
  }
}

/** The lines of a stream of chunks (see LineSplitter). */
export async function* splitLines(chunks: AsyncIterable<Buffer>, options: LineSplitterOptions): AsyncGenerator<Line> {
  const splitter = new LineSplitter(options);
  for await (const chunk of chunks) yield* splitter.push(chunk);
  yield* splitter.end();
}

/** The text of UTF-8 bytes, or null when they are not UTF-8 (never a silent U+FFFD). */
export function decodeUtf8Strict(bytes: Buffer): string | null {
  return isUtf8(bytes) ? bytes.toString('utf8') : null;
}

/** The offset of the first byte that does not begin a valid UTF-8 sequence, or -1 when all of them are UTF-8. */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const continuation = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
    if (continuation === 0 || i + continuation >= n) return i;
    const second = bytes[i + 1]!;
    // overlong forms, UTF-16 surrogates and code points past U+10FFFF
    if (
      (b === 0xe0 && second < 0xa0) ||
      (b === 0xed && second > 0x9f) ||
      (b === 0xf0 && second < 0x90) ||
      (b === 0xf4 && second > 0x8f)
    )
      return i;
    for (let k = 1; k <= continuation; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += continuation + 1;
  }
  return -1;
}
