import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/bots/core/clock.js';
import { sendClip } from '../../../src/bots/core/delivery.js';
import { RateLimitedError, type ChatAddress, type ChatPlatform, type MessageRef, type OutgoingMessage, type VideoUpload } from '../../../src/bots/core/platform.js';
import { S3Storage } from '../../../src/queue/s3Storage.js';
import { startS3Server, type S3TestServer } from '../../support/s3Server.js';

/** Reads each upload's bytes as a platform adapter does; the first try is cut off half-way by a rate limit. */
class UploadingPlatform implements ChatPlatform {
  readonly name = 'test';
  readonly limits = { uploadBytes: 50 * 1024 * 1024, downloadBytes: 1, downloadLimitLiftable: false, editIntervalMs: 3000, maxTextLength: 4096 };
  tries = 0;
  received: Buffer[] = [];
  async sendText(to: ChatAddress, _m: OutgoingMessage): Promise<MessageRef> {
    return { chatId: to.chatId, messageId: '1' };
  }
  async editText(): Promise<void> {}
  async sendVideo(_to: ChatAddress, v: VideoUpload): Promise<void> {
    this.tries++;
    const stream = await v.open();
    if (this.tries === 1) {
      for await (const _chunk of stream) break; // one chunk, then the platform says "slow down"
      throw new RateLimitedError(1);
    }
    this.received.push(await buffer(stream));
  }
}

describe('bot delivery reads the clip from the store', () => {
  let s3: S3TestServer;
  let dir: string;
  let storage: S3Storage;
  beforeAll(async () => {
    s3 = await startS3Server();
    dir = await mkdtemp(path.join(os.tmpdir(), 'lipsync-deliver-'));
    storage = new S3Storage({ bucket: s3.bucket, prefix: 'deliver', region: s3.region, endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials });
  }, 60_000);
  afterAll(async () => {
    storage?.close();
    await s3?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('uploads the stored bytes, opened afresh for each try (no local path on the bot host)', async () => {
    const key = createHash('sha256').update('deliver').digest('hex');
    const bytes = randomBytes(3 * 1024 * 1024);
    const file = path.join(dir, 'clip.mp4');
    await writeFile(file, bytes);
    await storage.putOutput(key, file);
    await rm(file);

    const platform = new UploadingPlatform();
    const ok = await sendClip(
      { platform, outputs: storage, links: null, clock: systemClock, log: pino({ level: 'silent' }) },
      { chatId: '42' },
      { batchId: 'b', clipId: 'b-1', index: 0, total: 1, template: 'face.mp4', key, bytes: bytes.length },
    );
    expect(ok).toBe(true);
    expect(platform.tries).toBe(2);
    expect(platform.received).toHaveLength(1);
    expect(platform.received[0]!.equals(bytes)).toBe(true);
  });
});
