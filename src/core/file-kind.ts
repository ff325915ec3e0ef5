import { open } from 'node:fs/promises';

/** What a file's first bytes say it is, when it is an archive no importer reads as such. */
export type ArchiveKind = 'zip' | 'gzip';

const SIGNATURES: readonly { kind: ArchiveKind; magic: Buffer }[] = [
  // a local file header, or the end record an empty zip is made of
  { kind: 'zip', magic: Buffer.from('PK\x03\x04', 'latin1') },
  { kind: 'zip', magic: Buffer.from('PK\x05\x06', 'latin1') },
  { kind: 'gzip', magic: Buffer.from([0x1f, 0x8b]) },
];

/** The archive a file is by its first bytes, or null (also for a file too short to tell). */
export async function archiveKind(path: string): Promise<ArchiveKind | null> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    const found = SIGNATURES.find(
      ({ magic }) => bytesRead >= magic.length && head.subarray(0, magic.length).equals(magic),
    );
    return found?.kind ?? null;
  } finally {
    await handle.close();
  }
}
