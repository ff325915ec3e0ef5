/**
 * Byte-level splitter of a Telegram export's `messages` array into one Buffer per message object, so each can be
 * JSON.parsed on its own and memory stays flat whatever the file size. It only tracks what decides where an element
 * ends (string state, backslash escapes, nesting depth); the bytes inside an element are validated by JSON.parse.
 * UTF-8 never puts an ASCII byte inside a multi-byte sequence, so scanning bytes for `"`, `\`, brackets is safe.
 */

export interface ScannedMessage {
  /** absolute file offset of the element's `{` */
  start: number;
  /** absolute file offset just after the element's `}` */
  end: number;
  /** the element's bytes; empty when it was longer than the scanner's maximum (`tooLong`) */
  bytes: Buffer;
  /** the element was longer than the maximum: scanned past, not kept */
  tooLong?: true;
}

const EMPTY = Buffer.alloc(0);

export interface ScanProblem {
  offset: number;
  reason: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

export function isJsonWhitespace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * Called with the index of a `"` inside a string: is it escaped? Counts the backslashes just before it; a run that
 * reaches the start of the chunk continues the previous chunk's trailing run (`carried`). The run can only reach the
 * chunk start when the string was already open there, because an opening quote stops it.
 */
export function isEscapedQuote(buf: Buffer, quote: number, carried: number): boolean {
  let k = quote - 1;
  while (k >= 0 && buf[k] === BACKSLASH) k--;
  let run = quote - 1 - k;
  if (k < 0) run += carried;
  return (run & 1) === 1;
}

/** The backslash run at the end of a chunk that ends inside a string, to carry into the next chunk. */
export function trailingBackslashes(buf: Buffer, carried: number): number {
  let k = buf.length - 1;
  while (k >= 0 && buf[k] === BACKSLASH) k--;
  const run = buf.length - 1 - k;
  return k < 0 ? run + carried : run;
}

type Phase = 'first' | 'beforeElement' | 'afterElement' | 'inElement' | 'done';

export class MessageArrayScanner {
  private phase: Phase;
  private depth = 0;
  private inString = false;
  private carriedBackslashes = 0;
  private pieces: Buffer[] = [];
  /** bytes held in `pieces`; past the maximum they are dropped and the element only scanned to its end */
  private pieceBytes = 0;
  private tooLong = false;
  private elementStart = -1;
  /** absolute offset of the array's closing `]`, once seen */
  endOffset = -1;
  problem: ScanProblem | null = null;

  /**
   * `first`: positioned just after the array's `[`. `afterElement`: just after a complete element (a resume point).
   */
  constructor(
    start: 'first' | 'afterElement',
    /** the longest element kept (maxLineBytes); a longer one comes out `tooLong`, so memory stays bounded */
    private readonly maxElementBytes = Number.POSITIVE_INFINITY,
  ) {
    this.phase = start;
  }

  get done(): boolean {
    return this.phase === 'done';
  }

  /** True while an element has started but not ended: the data stopped inside a message. */
  get insideElement(): boolean {
    return this.phase === 'inElement';
  }

  /**
   * Feeds the next chunk, read at absolute offset `base`. Returns the elements completed in it; stops at the array's
   * end or at the first problem (recorded in `problem`, after the elements before it are returned).
   */
  feed(buf: Buffer, base: number): ScannedMessage[] {
    const out: ScannedMessage[] = [];
    const n = buf.length;
    let i = 0;
    while (i < n) {
      if (this.phase === 'inElement') {
        // the element's bytes in this chunk start at its `{` when it began here, else at the chunk's start
        const segmentStart = this.elementStart >= base ? this.elementStart - base : 0;
        let depth = this.depth;
        let inString = this.inString;
        let closedAt = -1;
        while (i < n) {
          if (inString) {
            const quote = buf.indexOf(QUOTE, i);
            if (quote < 0) {
              i = n;
              break;
            }
            if (!isEscapedQuote(buf, quote, this.carriedBackslashes)) inString = false;
            i = quote + 1;
            continue;
          }
          const c = buf[i++];
          if (c === QUOTE) inString = true;
          else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
          else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
            if (--depth === 0) {
              closedAt = i;
              break;
            }
          }
        }
        if (closedAt < 0) {
          this.depth = depth;
          this.inString = inString;
          // Also right after an opening quote that ends the chunk: a stale run must not leak into this string.
          this.carriedBackslashes = inString ? trailingBackslashes(buf, this.carriedBackslashes) : 0;
          this.pieceBytes += n - segmentStart;
          if (this.pieceBytes > this.maxElementBytes) {
            this.tooLong = true;
            this.pieces = [];
          } else {
            // Copied so that a message spanning chunks does not keep the whole previous chunk alive.
            this.pieces.push(Buffer.from(buf.subarray(segmentStart, n)));
          }
          return out;
        }
        const end = base + closedAt;
        if (this.tooLong || end - this.elementStart > this.maxElementBytes) {
          out.push({ start: this.elementStart, end, bytes: EMPTY, tooLong: true });
        } else {
          const tail = buf.subarray(segmentStart, closedAt);
          const bytes = this.pieces.length === 0 ? tail : Buffer.concat([...this.pieces, tail]);
          out.push({ start: this.elementStart, end, bytes });
        }
        this.pieces = [];
        this.pieceBytes = 0;
        this.tooLong = false;
        this.carriedBackslashes = 0;
        this.inString = false;
        this.depth = 0;
        this.phase = 'afterElement';
        continue;
      }
      const c = buf[i];
      if (isJsonWhitespace(c)) {
        i++;
        continue;
      }
      if (this.phase === 'done') return out;
      if (c === OPEN_BRACE && (this.phase === 'first' || this.phase === 'beforeElement')) {
        this.phase = 'inElement';
        this.elementStart = base + i;
        // The `{` itself is scanned by the element branch, so that it is kept even when it ends the chunk.
        this.depth = 0;
        this.inString = false;
        continue;
      }
      if (c === COMMA && this.phase === 'afterElement') {
        this.phase = 'beforeElement';
        i++;
        continue;
      }
      if (c === CLOSE_BRACKET && (this.phase === 'first' || this.phase === 'afterElement')) {
        this.phase = 'done';
        this.endOffset = base + i;
        return out;
      }
      this.problem = {
        offset: base + i,
        reason:
          this.phase === 'afterElement'
            ? "expected ',' or ']' after a message"
            : this.phase === 'beforeElement'
              ? 'expected a message object after a comma'
              : 'expected a message object or the end of the messages array',
      };
      return out;
    }
    return out;
  }
}
