import type { Readable } from 'node:stream';
import type { CanonicalMessageInput, Platform } from './message.ts';

/**
 * The optional ability of a bridge to read history (an export file). Telegram's live bot cannot read history,
 * so history comes from exports through this interface; the importer in the core drives it.
 */

/** A position in an export, opaque to the core: the source resumes right after it. JSON-serializable. */
export type Checkpoint = Record<string, unknown>;

export interface HistoryChat {
  platform: Platform;
  /** the chat id as a live bridge knows it (Telegram Bot API form: -100… for supergroups and channels) */
  sourceChatId: string;
  title: string;
  /** entries the export holds for it, when known up front */
  expectedEntries?: number;
}

export interface HistoryEntry {
  /** unvalidated canonical message: the pipeline's ingest stage validates it */
  message: CanonicalMessageInput;
  /**
   * Set when the entry could not be read at all (e.g. a line that is not JSON): it goes to the dead-letter
   * queue with this reason (file and line, never content) and the import goes on.
   */
  problem?: string;
  /** the position just after this entry */
  checkpoint: Checkpoint;
}

export interface HistoryProgress {
  bytesRead: number;
  totalBytes: number;
}

export interface HistorySource {
  readonly platform: Platform;
  /** the file the operator named, for messages */
  readonly inputPath: string;
  /** the chats this export holds (after any --chat selection) */
  chats(): Promise<HistoryChat[]>;
  /**
   * Every entry in order, service events and unknown kinds included. Resumes right after `resumeAfter`.
   * A malformed or truncated export throws an InputError naming the file and the byte offset or message id.
   */
  entries(options?: { resumeAfter?: Checkpoint | null }): AsyncIterable<HistoryEntry>;
  progress(): HistoryProgress;
  /**
   * The sha256 of a file the source already read whole when it opened (the export it indexed), so that the import
   * does not read it once more to recognise it on resume.
   */
  readonly contentHash?: { file: string; sha256: string };
  /**
   * Where the entry that ended at `checkpoint` stands, for a message naming it (`x.jsonl:12`, `result.json: message at
   * byte 4096`); never its content. Called for a refused entry only, so it costs nothing per message.
   */
  describeEntry?(checkpoint: Checkpoint): string;
  /** the bytes of an attachment the export references (Attachment.sourcePath), or null when absent */
  openAttachment(sourcePath: string): Promise<Readable | null>;
  close(): Promise<void>;
}
