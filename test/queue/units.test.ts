import { describe, expect, it } from 'vitest';
import { loadQueueConfig } from '../../src/config/queue.js';
import { ConfigError } from '../../src/errors.js';
import { renderKey } from '../../src/queue/dedup.js';
import { parseEvent } from '../../src/queue/events.js';
import { clampPriority, MAX_PRIORITY } from '../../src/queue/fairness.js';
import { checkBatchLimits } from '../../src/queue/limits.js';
import { etaSeconds } from '../../src/queue/positions.js';
import { displayLabel } from '../../src/queue/queue.js';
import { Throttle } from '../../src/queue/throttle.js';

describe('queue config', () => {
  it('has defaults for everything', () => {
    const c = loadQueueConfig({}, '/srv/lipsync');
    expect(c.redis).toEqual({ url: undefined, embedded: 'auto', serverPath: undefined });
    expect(c.dataDir).toBe('/srv/lipsync/data');
    expect(c.prefix).toBe('lipsync');
    expect(c.limits).toEqual({ maxClipsPerBatch: 10, maxWaitingPerUser: 20, maxAudioSeconds: 300 });
    expect(c.retention.outputTtlMs).toBe(7 * 24 * 3_600_000);
    expect(c.worker).toMatchObject({ attempts: 3, lockDurationMs: 30_000, shutdownGraceMs: 30_000 });
  });

  it('names every bad variable', () => {
    let error: unknown;
    try {
      loadQueueConfig({ REDIS_URL: 'localhost:6379', QUEUE_ADMIN_IDS: 'telegram:1,bob', QUEUE_ATTEMPTS: '0' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('REDIS_URL: expected a redis:// or rediss:// URL');
    expect(message).toContain('QUEUE_ADMIN_IDS');
    expect(message).toContain('(bad: bob)');
    expect(message).toContain('QUEUE_ATTEMPTS');
  });

  it('parses admin ids', () => {
    expect(loadQueueConfig({ QUEUE_ADMIN_IDS: ' telegram:1 , discord:22 ' }).adminIds).toEqual(['telegram:1', 'discord:22']);
  });
});

describe('queue helpers', () => {
  it('render keys depend on content and options, not on option order', () => {
    const k = renderKey('a', 't', { engine: 'wav2lip', loopMode: 'loop' });
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(renderKey('a', 't', { loopMode: 'loop', engine: 'wav2lip' })).toBe(k);
    expect(renderKey('a', 't', { engine: 'builtin', loopMode: 'loop' })).not.toBe(k);
    expect(renderKey('a', 't2', { engine: 'wav2lip', loopMode: 'loop' })).not.toBe(k);
    expect(renderKey('a', 't', { engine: 'wav2lip', loopMode: 'loop' }, 'model-v2')).not.toBe(k);
    expect(renderKey('a', 't', {})).toBe(renderKey('a', 't', { engine: undefined }));
  });

  it('throttles to one value per interval', () => {
    const t = new Throttle(500);
    expect([t.ready(0), t.ready(100), t.ready(499), t.ready(500), t.ready(999), t.ready(1000)]).toEqual([true, false, false, true, false, true]);
  });

  it('limits speak to the user', () => {
    const limits = { maxClipsPerBatch: 2, maxWaitingPerUser: 5, maxAudioSeconds: 90 };
    expect(() => checkBatchLimits(limits, 3, 10, false)).toThrow('That is 3 videos; one batch can have at most 2.');
    expect(() => checkBatchLimits(limits, 3, 10, true)).not.toThrow();
    expect(() => checkBatchLimits(limits, 1, 125, true)).toThrow('The audio is 2:05 min long; the limit is 1:30 min.');
  });

  it('labels are display-only and safe', () => {
    expect(displayLabel('../../secret/\u0007clip.mp4', 'video 1')).toBe('clip.mp4');
    expect(displayLabel(undefined, 'video 1')).toBe('video 1');
    expect(displayLabel('C:\\Users\\x\\face.mov', 'v')).toBe('face.mov');
    // Cut to 80 characters, the extension kept.
    const long = displayLabel(`${'portrait-of-the-speaker-'.repeat(5)}take 3.mp4`, 'v');
    expect(Array.from(long)).toHaveLength(80);
    expect(long).toMatch(/^portrait-of-the-speaker-.*….mp4$/);
    expect(displayLabel(`${'x'.repeat(100)}`, 'v')).toBe('x'.repeat(80));
  });

  it('priorities stay within BullMQ limits', () => {
    expect(clampPriority(0)).toBe(1);
    expect(clampPriority(MAX_PRIORITY + 10)).toBe(MAX_PRIORITY);
  });

  it('ETA needs a measured speed and spreads over workers', () => {
    expect(etaSeconds(3, null, 1)).toBeNull();
    expect(etaSeconds(null, 10, 1)).toBeNull();
    expect(etaSeconds(3, 10, 0)).toBe(30);
    expect(etaSeconds(3, 10, 2)).toBe(15);
  });

  it('parses stream entries into typed events', () => {
    const e = parseEvent('1-0', ['t', 'clipDone', 'b', 'b1', 'c', 'b1-1', 'd', '{"output":{"key":"k","path":"/p","bytes":3,"cached":false}}', 'at', '5']);
    expect(e).toEqual({ id: '1-0', type: 'clipDone', batchId: 'b1', clipId: 'b1-1', at: 5, output: { key: 'k', path: '/p', bytes: 3, cached: false } });
    const done = parseEvent('2-0', ['t', 'batchDone', 'b', 'b1', 'c', '', 'd', '{"total":1,"done":1,"failed":0,"cancelled":0}', 'at', '6']);
    expect(done).toEqual({ id: '2-0', type: 'batchDone', batchId: 'b1', at: 6, summary: { total: 1, done: 1, failed: 0, cancelled: 0 } });
    expect(parseEvent('3-0', ['t', 'weird', 'b', 'b1'])).toBeNull();
  });
});
