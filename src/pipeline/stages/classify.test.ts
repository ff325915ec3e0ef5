import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalMessageSchema } from '../../core/message.ts';
import { classifyMessages } from './classify.ts';

const message = (text: string, service?: { type: string }) =>
  canonicalMessageSchema.parse({
    platform: 'whatsapp',
    chatId: '120363000000000000@g.us',
    messageId: `m-${text.length}`,
    sentAt: '2024-03-01T10:00:00Z',
    text,
    ...(service ? { kind: 'service', service } : {}),
  });

const categories = (text: string, service?: { type: string }) =>
  classifyMessages([message(text, service)])[0]!.findings.map((f) => f.category);

test('a service line the platform writes from names is searched for identifiers, not for health', () => {
  const line = 'Нұрлан Серікұлы топтан шықты, ИИН 940101300123';
  // the premise: as an ordinary message the health model reads this line as health, on its names
  assert.deepEqual(categories(line).sort(), ['HEALTH', 'IIN'], 'the model no longer flags it: pick another line');
  assert.deepEqual(categories(line, { type: 'left' }), ['IIN']);
  assert.deepEqual(categories('Madina added Arman, Bolat and +7 702 555 01 23', { type: 'added' }), ['PHONE']);
});

test('a pinned message, a title and an ordinary message are classified in full', () => {
  const text = 'У Асель подтвердили туберкулез, она на больничном';
  assert.ok(categories(text).includes('HEALTH'));
  assert.ok(categories(text, { type: 'pinned' }).includes('HEALTH'));
  assert.ok(categories(text, { type: 'title_changed' }).includes('HEALTH'));
});
