import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeTestModel } from '../../scripts/make-test-model.js';
import { createLinkSigner, createWebService, type WebService } from '../../src/web/index.js';
import { testWebConfig } from '../support/batchFixture.js';
import { launchChromium, type Browser } from '../support/chromium.js';
import { ffmpeg, makeMovingTemplate, SPEECH } from '../support/media.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { QueueHarness, silentLog } from '../queue/harness.js';
import { readZip } from './zipReader.js';
import { freePort } from '../support/net.js';
import { localOutputPath } from '../support/storage.js';


/**
 * A real batch, end to end: `lipsync worker` renders two clips with the real renderClip (test model, the
 * portrait fixture, real speech), the web service serves them, and headless Chromium plays and downloads them.
 */
describe('results page in Chromium', () => {
  let h: QueueHarness | undefined;
  let web: WebService | undefined;
  let browser: Browser | undefined;
  afterEach(async () => {
    await browser?.close();
    await web?.stop();
    await h?.close();
    browser = undefined;
    web = undefined;
    h = undefined;
  });

  it('plays every clip and downloads a ZIP identical to storage', async () => {
    h = await QueueHarness.create('browser');
    await mkdir(h.config.dataDir, { recursive: true });
    const model = path.join(h.dir, 'test.onnx');
    await writeTestModel(model);
    const audio = path.join(h.dir, 'speech.wav');
    ffmpeg(['-i', SPEECH, '-t', '1.5', audio]);
    const face1 = makeMovingTemplate(path.join(h.dir, 'face1.mp4'), { seconds: 2, fps: 25 });
    const face2 = makeMovingTemplate(path.join(h.dir, 'face2.mp4'), { seconds: 1, fps: 20, size: 256 });

    const port = await freePort();
    const config = testWebConfig({ WEB_PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` });
    web = createWebService({ config, queueConfig: h.config, redisUrl: () => TEST_REDIS_URL, log: silentLog });
    await web.start();
    await h.startWorker(null, { LIPSYNC_MODEL: model, LIPSYNC_ENGINE: 'wav2lip', LIPSYNC_DEVICE: 'cpu' });
    const s = await h.queue.submitBatch({
      owner: { platform: 'cli', userId: 'browser' },
      audio: { path: audio, label: 'speech.wav' },
      videos: [
        { path: face1, label: 'Astronaut <one>.mp4' },
        { path: face2, label: 'Astronaut <one>.mov' },
      ],
    });
    const done = await h.waitBatchDone(s.batchId);
    expect(h.of('clipFailed', s.batchId)).toEqual([]);
    expect(done.summary).toEqual({ total: 2, done: 2, failed: 0, cancelled: 0 });
    const batch = (await h.queue.getBatch(s.batchId))!;
    const stored = await Promise.all(batch.clips.map((c) => readFile(localOutputPath(h!.queue.storage, c.output!.key))));

    const links = createLinkSigner({ secret: config.linkSecret, ttlSeconds: config.linkTtlSeconds, publicUrl: config.publicUrl });
    browser = await launchChromium();
    const page = await browser.context.newPage();
    const response = await page.goto(links.batchUrl(s.batchId));
    expect(response?.status()).toBe(200);
    await expect(page.title()).resolves.toBe('Your lip-synced clips');

    // Every preview loads far enough to show a frame.
    const videos = page.locator('video');
    await expect(videos.count()).resolves.toBe(2);
    // (Strings: these run in the page, and the project compiles without the DOM library.)
    await page.waitForFunction("[...document.querySelectorAll('video')].every((v) => v.readyState >= 2)", null, { timeout: 60_000 });
    const states = (await page.evaluate(
      "[...document.querySelectorAll('video')].map((v) => ({ ready: v.readyState, w: v.videoWidth, error: v.error ? v.error.code : null }))",
    )) as { ready: number; w: number; error: number | null }[];
    expect(states).toHaveLength(2);
    for (const st of states) {
      expect(st.ready).toBeGreaterThanOrEqual(2);
      expect(st.w).toBeGreaterThan(0);
      expect(st.error).toBeNull();
    }
    // Accessible names come from the clip headings.
    await expect(page.getByRole('heading', { name: '1. Astronaut <one>.mp4' }).count()).resolves.toBe(1);

    // "Download all (ZIP)": reachable by keyboard, and the file holds every clip byte for byte.
    const zipLink = page.getByRole('link', { name: 'Download all (ZIP)' });
    await zipLink.focus();
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.keyboard.press('Enter')]);
    expect(download.suggestedFilename()).toBe(`lipsync-${s.batchId}.zip`);
    expect(await download.failure()).toBeNull();
    const zip = await readFile((await download.path())!);
    const entries = readZip(zip);
    expect(entries.map((e) => e.name)).toEqual(['Astronaut _one_.mp4', 'Astronaut _one_ (2).mp4']);
    entries.forEach((e, i) => {
      expect(e.method).toBe(0);
      expect(e.data.equals(stored[i]!), e.name).toBe(true);
    });
  });
});
