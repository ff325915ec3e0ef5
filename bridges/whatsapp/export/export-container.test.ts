import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPlainFileName, isSymlinkEntry, isUnsafeEntryName, zipEntryRefusal } from './export-container.ts';

describe('isUnsafeEntryName', () => {
  const cases: [string, boolean][] = [
    ['_chat.txt', false],
    ['WhatsApp Chat with Штаб.txt', false],
    ['media/IMG-20240115-WA0001.jpg', false],
    ['a..b.txt', false],
    ['../evil.txt', true],
    ['media/../../evil.txt', true],
    ['/etc/evil', true],
    ['C:/Windows/evil', true],
    ['c:evil', true],
    ['..\\evil.txt', true],
    ['\\\\server\\share', true],
    ['evil\0.txt', true],
  ];
  for (const [name, unsafe] of cases) it(JSON.stringify(name), () => assert.equal(isUnsafeEntryName(name), unsafe));
});

describe('isSymlinkEntry', () => {
  // version made by: host in the high byte (0 MS-DOS, 3 Unix); a Unix mode in the attributes' high half
  const cases: [string, number, number, boolean][] = [
    ['a Unix symbolic link', (3 << 8) | 20, 0o120777, true],
    ['a Unix regular file', (3 << 8) | 20, 0o100644, false],
    ['a Unix folder', (3 << 8) | 20, 0o040755, false],
    ['an MS-DOS entry whose attributes look like a link', 20, 0o120777, false],
  ];
  for (const [what, versionMadeBy, mode, link] of cases)
    it(what, () => assert.equal(isSymlinkEntry({ versionMadeBy, externalFileAttributes: (mode << 16) >>> 0 }), link));
});

describe('isPlainFileName', () => {
  const cases: [string, boolean][] = [
    ['IMG-20240115-WA0001.jpg', true],
    ['Отчёт за квартал.pdf', true],
    ['', false],
    ['..', false],
    ['media/IMG.jpg', false],
    ['..\\evil', false],
    ['C:evil', false],
  ];
  for (const [name, plain] of cases) it(JSON.stringify(name), () => assert.equal(isPlainFileName(name), plain));
});

describe('zipEntryRefusal', () => {
  const limits = { maxZipEntryBytes: 1024 * 1024 * 1024, maxZipRatio: 100 };
  const MiB = 1024 * 1024;
  const cases: [string, { uncompressedSize: number; compressedSize: number }, string | null][] = [
    ['a photo stored as is', { uncompressedSize: 3 * MiB, compressedSize: 3 * MiB }, null],
    ['chat text at 10:1', { uncompressedSize: 20 * MiB, compressedSize: 2 * MiB }, null],
    ['exactly the ratio', { uncompressedSize: 100 * MiB, compressedSize: MiB }, null],
    ['a small file of repeated bytes, under the ratio floor', { uncompressedSize: MiB, compressedSize: 10 }, null],
    ['a bomb at ≈ 1,000:1', { uncompressedSize: 300 * MiB, compressedSize: 306 * 1024 }, 'maxZipRatio'],
    ['a header declaring no compressed bytes', { uncompressedSize: 2 * MiB, compressedSize: 0 }, 'maxZipRatio'],
    ['past the entry size', { uncompressedSize: 1025 * MiB, compressedSize: 1000 * MiB }, 'maxZipEntryBytes'],
  ];
  for (const [name, entry, limit] of cases) {
    it(`${name}: ${limit ?? 'accepted'}`, () => {
      const refusal = zipEntryRefusal('export.zip', '_chat.txt', entry, limits);
      assert.equal(refusal?.limit ?? null, limit);
      if (refusal)
        assert.match(refusal.message, new RegExp(`^export\\.zip: zip entry "_chat\\.txt" .* past ${limit} `));
    });
  }
});
