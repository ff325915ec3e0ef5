/**
 * Input limits (docs/security.md says why each default): past a per-message limit the message is
 * dead-lettered naming it; past a per-file limit the import stops (exit 2) naming it and the file.
 */
export const inputLimitDefaults = {
  /** one JSONL line, one WhatsApp export line */
  maxLineBytes: 1024 * 1024,
  /** a message's text, in UTF-16 code units as JavaScript and Telegram count them */
  maxTextChars: 64 * 1024,
  /** a zip entry's inflated size */
  maxZipEntryBytes: 2 * 1024 * 1024 * 1024,
  /** a zip entry's inflated size over its compressed size (checked for entries past 1 MiB inflated) */
  maxZipRatio: 100,
  /** the attachment bytes one import run reads into the store */
  maxImportAttachmentBytes: 64 * 1024 * 1024 * 1024,
} as const;

/** Reading one attachment (src/extract/, docs/attachments.md): past any of these it is recorded UNINSPECTED. */
export const extractLimitDefaults = {
  /** the file's bytes */
  extractMaxBytes: 50 * 1024 * 1024,
  /** a PDF's pages */
  extractMaxPages: 100,
  /** an image's pixels, or a page's rendered for OCR (read from its header, before anything decodes it) */
  extractMaxPixels: 50_000_000,
  /** seconds for the whole file, every tool together */
  extractTimeoutSeconds: 120,
} as const;
