import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CATEGORIES } from '../classifier/index.ts';
import { nearestName } from './nearest-name.ts';

const categories = [...CATEGORIES, 'default'];

test('a mistyped name suggests the valid one it most likely meant', () => {
  const cases: [string, readonly string[], string | undefined][] = [
    ['IIM', categories, 'IIN'],
    ['iin', categories, 'IIN'],
    ['Health', categories, 'HEALTH'],
    ['HELATH', categories, 'HEALTH'],
    ['id-card', categories, 'ID_CARD'],
    ['IDCARD', categories, 'ID_CARD'],
    ['PASPORT', categories, 'PASSPORT'],
    ['EMAILS', categories, 'EMAIL'],
    ['defualt', categories, 'default'],
    ['PHONE_NUMBER', categories, undefined],
    ['SNILS', categories, undefined],
    ['alow', ['allow', 'redact', 'quarantine', 'block'], 'allow'],
    ['qurantine', ['allow', 'redact', 'quarantine', 'block'], 'quarantine'],
    ['deny', ['allow', 'redact', 'quarantine', 'block'], undefined],
    ['inbond', ['version', 'inbound', 'outbound', 'redaction'], 'inbound'],
    ['', categories, undefined],
  ];
  for (const [input, valid, expected] of cases) assert.equal(nearestName(input, valid), expected, input);
});
