import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { openQueues, storedPayloadKey } from '../src/pipeline/queues.ts';
import type { DeliverPayload } from '../src/pipeline/queues.ts';
import { emptyDeliveryBatch } from '../src/store/delivery.ts';
import { redisUrl, removePrefix, testPrefix } from './helpers/redis.ts';

/** Deliver jobs keep their sealed batch as bytes under a key of its own beside the job, on the machine's Redis. */
describe('a deliver job whose payload rests beside it', () => {
  const prefix = testPrefix();
  const queues = openQueues({ redisUrl, prefix, queueKey: randomBytes(32) }, new Redis(redisUrl));
  const inspect = new Redis(redisUrl);
  after(async () => {
    await queues.close();
    inspect.disconnect();
    await removePrefix(prefix);
  });

  const payload = (): DeliverPayload => {
    const batch = emptyDeliveryBatch();
    batch.messages.text.push('Сәлем, ИИН 900101300123');
    return {
      agencyId: 'agency-1',
      runId: 'run-1',
      seq: 0,
      checkpoint: null,
      ...batch,
      blocked: 0,
      failed: 0,
      flaggedByCategory: {},
    };
  };

  it('is written before the job, holds no ciphertext in the job, opens, and goes when released', async () => {
    const job = await queues.deliver.addSealed(payload(), { jobId: 'b-1' });
    const key = storedPayloadKey(`${prefix}:deliver`, 'b-1');
    const bytes = await inspect.getBuffer(key);
    assert.ok(bytes && bytes.length > 28, 'the sealed bytes rest under their own key');
    // no expiry while the job waits
    assert.equal(await inspect.ttl(key), -1);
    assert.equal(job.data.ct, '');
    assert.equal(job.data.stored, true);
    // neither the job's hash nor the bytes hold the text in clear
    assert.ok(!bytes.toString('utf8').includes('900101300123'));
    const hash = await inspect.hgetall(`${prefix}:deliver:b-1`);
    assert.ok(!JSON.stringify(hash).includes('900101300123'));
    const opened = await queues.deliver.openStored(job);
    assert.deepEqual(opened.messages.text, ['Сәлем, ИИН 900101300123']);
    // a failed job's payload expires after the failed job is dropped
    await queues.deliver.expireStored('b-1');
    const ttl = await inspect.ttl(key);
    assert.ok(ttl > 7 * 24 * 3600 && ttl <= 8 * 24 * 3600, `ttl ${ttl}`);
    await queues.deliver.releaseStored('b-1');
    assert.equal(await inspect.exists(key), 0);
    // a job whose bytes are gone is refused, naming the job
    await assert.rejects(queues.deliver.openStored(job), /deliver job b-1: its sealed payload is gone/);
  });

  it('the plain open of a stored job is refused rather than guessed', async () => {
    const job = await queues.deliver.addSealed(payload(), { jobId: 'b-2' });
    assert.throws(() => queues.deliver.open(job), /b-2: its sealed payload is gone/);
    assert.deepEqual((await queues.deliver.openStored(job)).agencyId, 'agency-1');
  });

  it('other queues keep their payload in the job', async () => {
    const job = await queues.extract.addSealed({ agencyId: 'agency-1', sha256: 'a'.repeat(64) }, { jobId: 'x-1' });
    assert.notEqual(job.data.ct, '');
    assert.equal(job.data.stored, undefined);
    assert.equal(await inspect.exists(storedPayloadKey(`${prefix}:extract`, 'x-1')), 0);
    assert.equal((await queues.extract.openStored(job)).sha256, 'a'.repeat(64));
  });
});
