import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/media.js';
import { freePort } from '../support/net.js';
import { deletePrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../support/redis.js';

const CLI = path.resolve(import.meta.dirname, '../../bin/lipsync.js');

describe('lipsync start', () => {
  const { dir, cleanup } = tempDir('lipsync-start-');
  const prefix = uniquePrefix('start');
  afterAll(async () => {
    const redis = await requireRedis();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    cleanup();
  });
  const baseEnv = () => {
    const env: NodeJS.ProcessEnv = { ...process.env, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, DATA_DIR: path.join(dir, 'data'), LOG_FORMAT: 'json', WEB_HOST: '127.0.0.1' };
    for (const key of ['LINK_SECRET', 'WEB_DEV', 'TELEGRAM_BOT_TOKEN', 'DISCORD_TOKEN', 'NODE_ENV']) delete env[key];
    return env;
  };

  it('runs the worker and the download server together and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'start'], { env: { ...baseEnv(), WEB_DEV: '1', WEB_PORT: String(port), OPS_TOKEN: 'start-test-ops-token-123' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr.on('data', (c: Buffer) => (log += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 90_000;
      while (!log.includes('"lipsync started"')) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`lipsync start did not come up:\n${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(log).toMatch(/"services":\["redis","worker","web"\]/);
      const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { authorization: 'Bearer start-test-ops-token-123' } })).json()) as { redis: { ok: boolean }; worker: { count: number } };
      expect(health.redis.ok).toBe(true);
      expect(health.worker.count).toBe(1);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('without LINK_SECRET generates one once, keeps it in DATA_DIR (mode 0600) and says so', async () => {
    const dataDir = path.join(dir, 'data-secret');
    const startOnce = async (): Promise<string> => {
      const port = await freePort();
      const child = spawn(process.execPath, [CLI, 'start'], { env: { ...baseEnv(), DATA_DIR: dataDir, WEB_PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      child.stderr.on('data', (c: Buffer) => (log += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        await new Promise<void>((resolve, reject) => {
          const check = () => (log.includes('"lipsync started"') ? resolve() : undefined);
          child.stderr.on('data', check);
          child.once('exit', () => reject(new Error(`lipsync start exited:\n${log}`)));
        });
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
      return log;
    };
    const first = await startOnce();
    expect(first).toMatch(/LINK_SECRET was not set: generated one and stored it/);
    const file = path.join(dataDir, 'link-secret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const secret = readFileSync(file, 'utf8').trim();
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(first).not.toContain(secret);
    const second = await startOnce();
    expect(second).not.toMatch(/generated one/);
    expect(second).toMatch(/using the LINK_SECRET stored in DATA_DIR/);
    expect(readFileSync(file, 'utf8').trim()).toBe(secret);
  });

  it('still refuses a LINK_SECRET that is too short, saying how to make one', () => {
    const res = spawnSync(process.execPath, [CLI, 'start'], { env: { ...baseEnv(), LINK_SECRET: 'short' }, encoding: 'utf8', timeout: 60_000 });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/LINK_SECRET: must be at least 32 characters; make one with: openssl rand -hex 32/);
  });
});
