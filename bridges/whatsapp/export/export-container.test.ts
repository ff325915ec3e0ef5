import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPlainFileName, isUnsafeEntryName } from './export-container.ts';

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
