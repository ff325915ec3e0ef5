import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify, redact } from '../../classifier/index.ts';
import { remapEntities } from './remap-entities.ts';

const entity = (text: string, part: string, type = 'bold', from = 0) => ({
  type,
  offset: text.indexOf(part, from),
  length: part.length,
});

describe('remapEntities', () => {
  it('shifts entities after a redacted span and drops the ones over it', () => {
    const text = 'Call +7 701 234 56 78 today, see the agenda';
    const entities = [
      entity(text, 'Call'),
      entity(text, '+7 701 234 56 78', 'phone'),
      entity(text, 'agenda', 'italic'),
    ];
    const findings = classify(text);
    const delivered = redact(text, findings, { kind: 'tag' });
    const moved = remapEntities(text, delivered, findings, entities);
    assert.deepEqual(
      moved.map((e) => [e.type, delivered.slice(e.offset, e.offset + e.length)]),
      [
        ['bold', 'Call'],
        ['italic', 'agenda'],
      ],
    );
  });

  it('handles several replacements and an unchanged finding in between', () => {
    const text = 'ИИН 940101300123 и ИИН 811201401188: готово, подпись';
    const findings = classify(text);
    assert.equal(findings.length, 2);
    const delivered = redact(text, [findings[0]!], { kind: 'mask', keepLast: 4 });
    const entities = [entity(text, 'готово'), entity(text, 'подпись', 'underline')];
    const moved = remapEntities(text, delivered, findings, entities);
    assert.deepEqual(
      moved.map((e) => delivered.slice(e.offset, e.offset + e.length)),
      ['готово', 'подпись'],
    );
  });

  it('returns the entities unchanged when nothing was redacted', () => {
    const text = 'plain text';
    const entities = [entity(text, 'plain')];
    assert.deepEqual(remapEntities(text, text, [], entities), entities);
  });

  it('drops every entity rather than keep offsets it cannot trust', () => {
    assert.deepEqual(
      remapEntities('abc 940101300123', 'something else entirely', classify('abc 940101300123'), [
        { type: 'bold', offset: 0, length: 3 },
      ]),
      [],
    );
  });
});
