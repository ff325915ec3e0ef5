import assert from 'node:assert/strict';
import { createDecipheriv, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { open, PayloadRefused, queueSealer, seal, sealStored } from './sealed-payload.ts';

describe('sealed payloads', () => {
  const sealer = queueSealer(randomBytes(32));
  const texts = [
    'plain ASCII',
    'Сәлем, әріптестер! ИИН 900101300123, тел. +7 701 123 45 67',
    'emoji 👋🏽 and Latin-1 é ñ ü',
    'a lone surrogate \ud800 and \udfff, a pair \ud83d\ude00',
    '',
  ];

  it('opens to the payload sealed, whatever its characters, lone surrogates included', () => {
    for (const text of texts) {
      const payload = { text, n: 1, list: [text, null, true] };
      const data = seal(sealer, 'deliver', 'job-1', { agencyId: 'a' }, payload);
      assert.deepEqual(open(sealer, 'deliver', { id: 'job-1', data }), payload);
    }
  });

  it('seals the JSON as UTF-8, byte for byte what Buffer.from(json) gives', () => {
    for (const text of texts) {
      const payload = { text };
      const data = seal(sealer, 'deliver', 'job-2', {}, payload);
      const decipher = createDecipheriv('aes-256-gcm', sealer.key, Buffer.from(data.iv, 'base64'));
      const bytes = decipher.update(Buffer.from(data.ct, 'base64'));
      assert.deepEqual(bytes, Buffer.from(JSON.stringify(payload), 'utf8'));
    }
  });

  it('a payload resting beside its job opens from its bytes, and from nothing else', () => {
    for (const text of texts) {
      const payload = { text, n: 2 };
      const { data, bytes } = sealStored(sealer, 'deliver', 'job-3', { agencyId: 'a' }, payload);
      // the job's data holds the route and no ciphertext
      assert.equal(data.stored, true);
      assert.equal(data.ct, '');
      assert.deepEqual(open(sealer, 'deliver', { id: 'job-3', data }, bytes), payload);
      // the bytes of another job, or altered, or gone, are refused naming the job
      const other = sealStored(sealer, 'deliver', 'job-4', { agencyId: 'a' }, payload).bytes;
      assert.throws(() => open(sealer, 'deliver', { id: 'job-3', data }, other), PayloadRefused);
      const altered = Buffer.from(bytes);
      altered[altered.length - 1] = (altered[altered.length - 1] as number) ^ 1;
      assert.throws(() => open(sealer, 'deliver', { id: 'job-3', data }, altered), PayloadRefused);
      assert.throws(() => open(sealer, 'deliver', { id: 'job-3', data }, null), /job-3: its sealed payload is gone/);
      assert.throws(() => open(sealer, 'deliver', { id: 'job-3', data }), PayloadRefused);
      // under another queue key
      assert.throws(() => open(queueSealer(randomBytes(32)), 'deliver', { id: 'job-3', data }, bytes), PayloadRefused);
    }
  });
});
