import { mkdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { pino } from 'pino';
import { writeTestModel } from '../../scripts/make-test-model.js';
import { createTelegramService } from '../../src/bots/telegram/service.js';
import type { WebConfig } from '../../src/config/web.js';
import type { Owner, Service } from '../../src/queue/index.js';
import { createWebService, type WebService } from '../../src/web/index.js';
import { studioSignInUrl } from '../../src/web/studio/signIn.js';
import { QueueHarness, silentLog, type WorkerProcess } from '../queue/harness.js';
import { testWebConfig, TEST_SECRET } from './batchFixture.js';
import { launchChromium, type Browser } from './chromium.js';
import { FakeTelegram, type FakeChat, type FakeUser } from './fakeTelegram.js';
import { ffmpeg, makeMovingTemplate, SPEECH } from './media.js';
import { freePort } from './net.js';
import { TEST_REDIS_URL } from './redis.js';
import { localOutputPath } from './storage.js';
import { WAIT_MS, waitUntil } from './wait.js';

/** Where the browser tests leave their screenshots (gitignored). */
export const ARTIFACTS_DIR = path.resolve(import.meta.dirname, '../../test-artifacts');

/** A studio user signed in over plain HTTP: the session cookie to send back, as the browser would. */
export interface StudioHttpUser {
  owner: Owner;
  /** `lipsync_studio=…` (name=value only). */
  cookie: string;
  csrf: string;
}

/** One server-sent event as the stream delivered it. */
export interface SseEvent {
  event: string;
  data: string;
}

export interface SseStream {
  status: number;
  readonly events: SseEvent[];
  /** Raw text received so far (pings included). */
  readonly raw: string;
  close(): void;
}

/**
 * Waits until `expression` (JavaScript, evaluated in the page) is truthy and returns its value. The studio's CSP
 * forbids eval, which page.waitForFunction needs for a string predicate; page.evaluate goes through the debugger.
 */
export async function waitInPage<T>(page: Page, what: string, expression: string, timeoutMs = WAIT_MS): Promise<T> {
  let last: unknown;
  return waitUntil(
    what,
    async () => {
      last = await page.evaluate(expression);
      return last as T;
    },
    timeoutMs,
    () => `last value: ${JSON.stringify(last)}`,
  );
}

const LINK_PATTERN = /https?:\/\/[^\s"'<>\\]+\/studio\/login\?t=[A-Za-z0-9_.-]+/;

/**
 * The studio end to end: a real queue world (QueueHarness: own Redis prefix, data dir, worker processes), the real
 * web service with the studio on a free port, and on demand a fake Telegram Bot API driving the real Telegram bot
 * (to obtain sign-in links the way users do) and headless Chromium.
 */
export class StudioHarness {
  browser: Browser | null = null;
  tg: FakeTelegram | null = null;
  private bot: Service | null = null;
  readonly botLog: string[] = [];

  private constructor(
    readonly q: QueueHarness,
    readonly web: WebService,
    readonly config: WebConfig,
    readonly baseUrl: string,
  ) {}

  static async create(label: string): Promise<StudioHarness> {
    const q = await QueueHarness.create(label);
    try {
      await mkdir(q.config.dataDir, { recursive: true });
      const port = await freePort();
      const baseUrl = `http://127.0.0.1:${port}`;
      const config = testWebConfig({ WEB_PORT: String(port), PUBLIC_URL: baseUrl });
      const web = createWebService({ config, queueConfig: q.config, redisUrl: () => TEST_REDIS_URL, log: silentLog });
      await web.start();
      return new StudioHarness(q, web, config, baseUrl);
    } catch (err) {
      await q.close();
      throw err;
    }
  }

  /** A worker rendering with the real pipeline and the tiny test model (CPU). */
  async startModelWorker(): Promise<WorkerProcess> {
    const model = path.join(this.q.dir, 'test.onnx');
    await writeTestModel(model);
    return this.q.startWorker(null, { LIPSYNC_MODEL: model, LIPSYNC_ENGINE: 'wav2lip', LIPSYNC_DEVICE: 'cpu' });
  }

  /** A one-use sign-in link like the bots hand out (optionally issued in the past, to be expired). */
  signInUrl(owner: Owner, locale?: string, opts: { issuedMsAgo?: number; ttlSeconds?: number } = {}): string {
    const issuedAt = Date.now() - (opts.issuedMsAgo ?? 0);
    return studioSignInUrl(
      { secret: this.config.linkSecret, publicUrl: this.baseUrl, ...(opts.ttlSeconds !== undefined ? { ttlSeconds: opts.ttlSeconds } : {}), now: () => issuedAt },
      owner,
      locale,
    );
  }

  /**
   * Follows a sign-in link without a browser, sending the Fetch Metadata a browser sends when it opens a link as a page
   * (without them the server answers with its confirmation page and uses nothing): status, the cookie it set, the redirect.
   */
  async openSignIn(url: string): Promise<{ status: number; cookie: string | null; location: string | null; contentType: string | null; body: string }> {
    // node:http, not fetch: undici's fetch always sends Sec-Fetch-Mode: cors, whatever the caller sets.
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(url, { headers: { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' } }, resolve).on('error', reject);
    });
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const setCookie = (res.headers['set-cookie'] ?? []).find((c) => c.startsWith('lipsync_studio='));
    return {
      status: res.statusCode ?? 0,
      cookie: setCookie ? setCookie.split(';')[0]! : null,
      location: res.headers.location ?? null,
      contentType: res.headers['content-type'] ?? null,
      body: Buffer.concat(chunks).toString('utf8'),
    };
  }

  /** Signs `owner` in over HTTP and reads the session's CSRF token from /studio/api/me. */
  async signInHttp(owner: Owner, locale?: string): Promise<StudioHttpUser> {
    const login = await this.openSignIn(this.signInUrl(owner, locale));
    if (login.status !== 303 || !login.cookie) throw new Error(`sign-in failed: ${login.status} ${login.body.slice(0, 300)}`);
    const me = await this.api({ owner, cookie: login.cookie, csrf: '' }, 'GET', '/studio/api/me');
    if (me.status !== 200) throw new Error(`/studio/api/me answered ${me.status}: ${me.text.slice(0, 300)}`);
    const csrf = (me.json as { csrf?: unknown }).csrf;
    if (typeof csrf !== 'string') throw new Error(`/studio/api/me has no csrf: ${me.text.slice(0, 300)}`);
    return { owner, cookie: login.cookie, csrf };
  }

  /** A request with the user's cookie (and CSRF header on state-changing methods). */
  async api(user: StudioHttpUser, method: string, urlPath: string, body?: unknown): Promise<{ status: number; text: string; json: unknown; headers: Headers; bytes: Buffer }> {
    const headers: Record<string, string> = { cookie: user.cookie };
    if (method !== 'GET' && method !== 'HEAD') headers['x-csrf-token'] = user.csrf;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}${urlPath}`, { method, headers, redirect: 'manual', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const bytes = Buffer.from(await res.arrayBuffer());
    const text = bytes.toString('utf8');
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: res.status, text, json, headers: res.headers, bytes };
  }

  /** Opens /studio/api/events with the user's cookie and collects the events as they arrive. */
  openEvents(user: StudioHttpUser): Promise<SseStream> {
    const url = new URL('/studio/api/events', this.baseUrl);
    return new Promise((resolve, reject) => {
      const req = http.get(url, { headers: { cookie: user.cookie, accept: 'text/event-stream' } }, (res) => {
        const events: SseEvent[] = [];
        let raw = '';
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          raw += chunk;
          pending += chunk;
          let end: number;
          while ((end = pending.search(/\r?\n\r?\n/)) >= 0) {
            const block = pending.slice(0, end);
            pending = pending.slice(end).replace(/^\r?\n\r?\n/, '');
            let event = 'message';
            const data: string[] = [];
            for (const line of block.split(/\r?\n/)) {
              if (line.startsWith('event:')) event = line.slice(6).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
            }
            if (data.length > 0) events.push({ event, data: data.join('\n') });
          }
        });
        res.on('error', () => undefined);
        resolve({
          status: res.statusCode ?? 0,
          events,
          get raw() {
            return raw;
          },
          close: () => req.destroy(),
        });
      });
      req.on('error', reject);
    });
  }

  /** The fake Telegram Bot API and the real Telegram bot, linked to this studio (LINK_SECRET + PUBLIC_URL). */
  async startTelegram(): Promise<FakeTelegram> {
    const tg = (this.tg = await FakeTelegram.start());
    const lines = this.botLog;
    const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
    const service = createTelegramService(
      { queueConfig: this.q.config, redisUrl: () => TEST_REDIS_URL, log },
      {
        env: {
          ...process.env,
          ...this.q.env,
          TELEGRAM_BOT_TOKEN: tg.token,
          TELEGRAM_API_ROOT: tg.url,
          TELEGRAM_EDIT_INTERVAL_MS: '500',
          BOT_TEMP_DIR: path.join(this.q.dir, 'bot-tmp'),
          LINK_SECRET: TEST_SECRET,
          PUBLIC_URL: this.baseUrl,
        },
        positionRefreshMs: 500,
        albumQuietMs: 400,
      },
    );
    if (!service) throw new Error('telegram service not created');
    this.bot = service;
    await service.start();
    return tg;
  }

  /** `from` sends /studio in `chat`; resolves with the sign-in link the bot answered with (text, entity or button). */
  async studioLinkFromTelegram(from: FakeUser, chat: FakeChat): Promise<string> {
    const tg = this.tg;
    if (!tg) throw new Error('startTelegram() first');
    const before = tg.calls.length;
    tg.sendText(from, chat, '/studio');
    return waitUntil(
      `the bot's /studio reply with a sign-in link`,
      () => {
        for (const call of tg.calls.slice(before)) {
          const found = LINK_PATTERN.exec(JSON.stringify(call.params).replace(/\\u0026/g, '&'));
          if (found) return found[0];
        }
        return null;
      },
      WAIT_MS,
      () => `bot calls: ${JSON.stringify(tg.calls.slice(before)).slice(0, 2000)}\nlog tail:\n${this.botLog.slice(-10).join('')}`,
    );
  }

  async openBrowser(): Promise<Browser> {
    this.browser ??= await launchChromium();
    return this.browser;
  }

  /** Short real media: 1.5 s of speech, and moving-face templates that differ (no dedup between them). */
  async media(): Promise<{ audio: string; template: (n: number, name?: string) => string }> {
    const dir = path.join(this.q.dir, 'media');
    await mkdir(dir, { recursive: true });
    const audio = path.join(dir, 'speech.wav');
    ffmpeg(['-i', SPEECH, '-t', '1.5', audio]);
    return {
      audio,
      template: (n, name = `face${n}.mp4`) => makeMovingTemplate(path.join(dir, name), { seconds: 1 + n * 0.25, fps: 20, size: 192 }),
    };
  }

  /** The stored MP4 of every done clip of a batch, in clip order. */
  async storedOutputs(batchId: string): Promise<{ clipId: string; key: string; file: string; data: Buffer }[]> {
    const batch = await this.q.queue.getBatch(batchId);
    if (!batch) throw new Error(`batch ${batchId} not found`);
    return Promise.all(
      batch.clips
        .filter((c) => c.status === 'done' && c.output)
        .map(async (c) => {
          const file = localOutputPath(this.q.queue.storage, c.output!.key);
          return { clipId: c.clipId, key: c.output!.key, file, data: await readFile(file) };
        }),
    );
  }

  async close(): Promise<void> {
    await this.browser?.close().catch(() => undefined);
    await this.bot?.stop().catch(() => undefined);
    await this.tg?.close().catch(() => undefined);
    await this.web.stop().catch(() => undefined);
    await this.q.close();
  }
}
