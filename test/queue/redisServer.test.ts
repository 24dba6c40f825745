import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { ensureRedis } from '../../src/queue/redisServer.js';
import { freePort } from '../support/net.js';
import { silentLog } from './harness.js';


describe('Redis bootstrap for `lipsync start`', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lipsync-redis-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('uses REDIS_URL as given', async () => {
    const ep = await ensureRedis({ url: 'redis://db.example:6380', embedded: 'auto', serverPath: undefined }, { dataDir: dir, log: silentLog });
    expect(ep).toMatchObject({ url: 'redis://db.example:6380', embedded: false });
  });

  it('launches redis-server with AOF in the data dir when nothing listens, and stops it', async () => {
    const port = await freePort();
    const ep = await ensureRedis({ url: undefined, embedded: 'auto', serverPath: undefined }, { dataDir: dir, log: silentLog, port });
    expect(ep).toMatchObject({ url: `redis://127.0.0.1:${port}`, embedded: true });
    const client = new Redis(ep.url, { maxRetriesPerRequest: 1 });
    try {
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      expect(await client.config('GET', 'dir')).toEqual(['dir', path.join(dir, 'redis')]);
      await client.set('k', 'v');
    } finally {
      client.disconnect();
    }
    // A second start finds the running server instead of launching another.
    const again = await ensureRedis({ url: undefined, embedded: 'auto', serverPath: undefined }, { dataDir: dir, log: silentLog, port });
    expect(again.embedded).toBe(false);
    await ep.stop();
    expect((await stat(path.join(dir, 'redis'))).isDirectory()).toBe(true);
  });

  it('explains how to get Redis when it cannot start one', async () => {
    const port = await freePort();
    const missing = ensureRedis({ url: undefined, embedded: 'auto', serverPath: path.join(dir, 'no-redis-server') }, { dataDir: dir, log: silentLog, port });
    await expect(missing).rejects.toBeInstanceOf(ConfigError);
    await expect(missing).rejects.toThrow(/apt install redis-server/);
    await expect(ensureRedis({ url: undefined, embedded: 'never', serverPath: undefined }, { dataDir: dir, log: silentLog, port })).rejects.toThrow(
      /REDIS_EMBEDDED=never/,
    );
  });
});
