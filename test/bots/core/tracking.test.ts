import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisSessionPersistence } from '../../../src/bots/core/sessionPersistence.js';
import { RedisTrackingStore } from '../../../src/bots/core/tracking.js';
import { deletePrefix, requireRedis, uniquePrefix } from '../../support/redis.js';

describe('RedisTrackingStore delivery leases', () => {
  let redis: Redis;
  const prefix = uniquePrefix('lease');
  beforeAll(async () => {
    redis = await requireRedis();
  });
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('one holder at a time; complete is final; giveBack only by the holder; a dead holder’s lease expires', async () => {
    const a = new RedisTrackingStore(redis, prefix, 'telegram', 3600);
    const b = new RedisTrackingStore(redis, prefix, 'telegram', 3600);
    const first = await a.lease('clip:1', 60_000);
    expect(first.state).toBe('ok');
    const second = await b.lease('clip:1', 60_000);
    expect(second.state).toBe('busy');
    expect(second.state === 'busy' && second.retryInMs).toBeGreaterThan(50_000);
    // A stranger's token does not release it; the holder's does.
    await b.giveBack('clip:1', 'lease:not-mine');
    expect((await b.lease('clip:1', 60_000)).state).toBe('busy');
    if (first.state !== 'ok') throw new Error('unreachable');
    await a.giveBack('clip:1', first.token);
    const third = await b.lease('clip:1', 60_000);
    expect(third.state).toBe('ok');
    if (third.state !== 'ok') throw new Error('unreachable');
    await b.complete('clip:1', third.token);
    expect(await a.lease('clip:1', 60_000)).toEqual({ state: 'done' });
    expect(await redis.ttl(`${prefix}:bots:telegram:claim:clip:1`)).toBeGreaterThan(3000);

    // A holder that died: its lease runs out by itself, then another process takes over.
    expect((await a.lease('clip:2', 60_000)).state).toBe('ok');
    expect((await b.lease('clip:2', 60_000)).state).toBe('busy');
    await redis.pexpire(`${prefix}:bots:telegram:claim:clip:2`, 0); // the lease time is up
    expect((await b.lease('clip:2', 60_000)).state).toBe('ok');

    // A claim written by an older version ('1') counts as delivered.
    await redis.set(`${prefix}:bots:telegram:claim:clip:3`, '1');
    expect(await a.lease('clip:3', 60_000)).toEqual({ state: 'done' });
  });

  it('session records round-trip with their TTL and can be removed', async () => {
    const p = new RedisSessionPersistence(redis, prefix, 'telegram');
    const record = { state: { audio: { path: '/d/s-1/a.ogg', label: 'a.ogg', seconds: 2 }, templates: [], submitting: false, nextTemplateId: 1 }, dir: '/d/s-1', owner: null };
    await p.save('telegram:1:-:7', record, 60_000);
    expect((await p.all()).get('telegram:1:-:7')).toEqual(record);
    expect(await redis.pttl(`${prefix}:bots:telegram:session:telegram:1:-:7`)).toBeGreaterThan(50_000);
    await p.remove('telegram:1:-:7');
    expect((await p.all()).size).toBe(0);
  });
});
