/**
 * Soak and chaos run: the real Telegram and Discord bots, driven through the test suite's fake Bot API and fake
 * Discord, submit to a private redis-server (AOF) rendered by a real `lipsync worker` with the test model. Midway the
 * worker is SIGKILLed (and a new one started) and Redis is restarted. Prints clips submitted / delivered /
 * duplicated / lost, p50/p95 time from a user's first message to the bot's first reply, peak RSS per process,
 * Redis memory and temp files left.
 *
 *   npm run soak                                  # 50 users × 5 clips, half on each platform
 *   SOAK_USERS=5 SOAK_CLIPS=2 npm run soak        # the CI size (test/soak/soak.test.ts)
 *   SOAK_MINUTES=30 npm run soak                  # waves of users until 30 min passed; RSS first vs last 10 min
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { probeInspector } from '../src/bots/core/inspect.js';
import { RedisTrackingStore } from '../src/bots/core/tracking.js';
import { DiscordBot } from '../src/bots/discord/bot.js';
import { createTelegramService } from '../src/bots/telegram/service.js';
import { loadConfig } from '../src/config/index.js';
import { loadQueueConfig } from '../src/config/queue.js';
import { RenderQueue } from '../src/queue/queue.js';
import { createRedis } from '../src/queue/redis.js';
import { ensureRedis, type RedisEndpoint } from '../src/queue/redisServer.js';
import { FakeDiscord, snowflake, type FakeUser as DiscordUser, type InteractionRecord } from '../test/support/fakeDiscord.js';
import { FakeTelegram, type FakeChat, type FakeUser as TelegramUser } from '../test/support/fakeTelegram.js';
import { binaries, ffmpeg, makeMovingTemplate, SPEECH } from '../test/support/media.js';
import { freePort } from '../test/support/net.js';
import { writeTestModel } from './make-test-model.js';
import { isMainModule } from './onnx/cli.js';

export interface SoakOptions {
  users: number;
  clipsPerUser: number;
  /** Keep starting waves of `users` until this many minutes passed (0: one wave). */
  minutes: number;
  /** Give up waiting for deliveries after this long without a new one. */
  stallMs: number;
  log?: (line: string) => void;
}

export interface SoakReport {
  submitted: number;
  delivered: number;
  duplicated: number;
  lost: number;
  firstReplyMs: { p50: number; p95: number; max: number; samples: number; byPlatform: Record<string, { p50: number; p95: number }> };
  peakRssMb: Record<string, number>;
  /** Mean RSS per process in the first and the last window (10 min, or half of a shorter run). */
  rssFirstVsLastMb: { windowMinutes: number; byProcess: Record<string, { first: number; last: number }> } | null;
  redis: { usedMemoryMb: number; peakMemoryMb: number };
  tempFilesLeft: number;
  /** The first few, relative to the soak's directory. */
  tempFilesLeftNames: string[];
  /** Audio files of open bot sessions, kept on purpose until the session idles out. */
  sessionFilesKept: number;
  chaos: string[];
  seconds: number;
}

const repoRoot = path.resolve(import.meta.dirname, '..');
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const workerEntry = path.join(repoRoot, 'test/queue/workerEntry.ts');
const silent = pino({ level: process.env.SOAK_LOG_LEVEL ?? 'silent' }, pino.destination(2));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Resolves when `probe` holds, re-checked whenever `tick` fires (deliveries, replies) or every 50 ms. */
async function until(what: string, probe: () => boolean, stallMs: number, progress: () => number): Promise<void> {
  let last = progress();
  let lastChange = Date.now();
  while (!probe()) {
    const now = progress();
    if (now !== last) {
      last = now;
      lastChange = Date.now();
    }
    // Not a guessed duration: it fails only when nothing at all moved for stallMs.
    if (Date.now() - lastChange > stallMs) throw new Error(`soak: nothing moved for ${stallMs} ms while waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** RSS (kB) of this process's descendants by role, from /proc: the worker, its render child, redis-server, ffmpeg. */
function sampleProcesses(rootPid: number, workerPids: Set<number>): Record<string, number> {
  const children = new Map<number, number[]>();
  const info = new Map<number, { comm: string; rssKb: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${name}/status`, 'utf8'));
      info.set(Number(name), { comm, rssKb: Number(rss?.[1] ?? 0) });
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // the process ended while we looked
    }
  }
  const out: Record<string, number> = { bots: info.get(rootPid)?.rssKb ?? 0 };
  const visit = (pid: number, role: string | null) => {
    for (const child of children.get(pid) ?? []) {
      const i = info.get(child);
      if (!i) continue;
      const r = workerPids.has(child) ? 'worker' : i.comm.startsWith('redis') ? 'redis-server' : i.comm.startsWith('ffmpeg') || i.comm.startsWith('ffprobe') ? 'ffmpeg' : role === 'worker' ? 'render' : (role ?? i.comm);
      out[r] = Math.max(out[r] ?? 0, i.rssKb);
      visit(child, r);
    }
  };
  visit(rootPid, null);
  return out;
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const say = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const started = Date.now();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lipsync-soak-'));
  const cleanups: (() => Promise<unknown> | unknown)[] = [() => rm(dir, { recursive: true, force: true })];
  const chaos: string[] = [];
  try {
    // ---- Redis (private, AOF, restartable on the same port), worker, bots ----
    const port = await freePort();
    const startRedis = () => ensureRedis({ url: undefined, embedded: 'auto', serverPath: undefined }, { dataDir: path.join(dir, 'redis-data'), log: silent, port });
    let redisEndpoint: RedisEndpoint = await startRedis();
    cleanups.push(() => redisEndpoint.stop());
    const tempDirs = { worker: path.join(dir, 'worker-tmp'), telegram: path.join(dir, 'tg-tmp'), discord: path.join(dir, 'dc-tmp') };
    for (const d of Object.values(tempDirs)) await mkdir(d, { recursive: true });
    const model = path.join(dir, 'test.onnx');
    await writeTestModel(model);
    const env: Record<string, string> = {
      REDIS_URL: redisEndpoint.url,
      QUEUE_PREFIX: 'soak',
      DATA_DIR: path.join(dir, 'data'),
      TEMP_DIR: tempDirs.worker,
      QUEUE_LOCK_DURATION_MS: '5000',
      QUEUE_STALLED_INTERVAL_MS: '2000',
      QUEUE_BACKOFF_SECONDS: '0.2',
      LIPSYNC_MODEL: model,
      LIPSYNC_ENGINE: 'wav2lip',
      LIPSYNC_DEVICE: 'cpu',
    };
    const queueConfig = loadQueueConfig(env);

    const workerPids = new Set<number>();
    let worker: ChildProcess | null = null;
    const startWorker = async (): Promise<ChildProcess> => {
      const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, LOG_LEVEL: 'info', LOG_FORMAT: 'json' };
      delete childEnv.LIPSYNC_TEST_RENDER;
      delete childEnv.LOG_FILE;
      const child = spawn(process.execPath, ['--import', tsxLoader, workerEntry], { cwd: repoRoot, env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
      if (child.pid) workerPids.add(child.pid);
      let log = '';
      await new Promise<void>((resolve, reject) => {
        child.stderr!.on('data', (c: Buffer) => {
          log = (log + c.toString()).slice(-8_000);
          if (log.includes('"worker ready"')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`soak: the worker exited before ready (${code}):\n${log}`)));
      });
      return child;
    };
    worker = await startWorker();
    cleanups.push(async () => {
      if (!worker || worker.exitCode !== null || worker.signalCode !== null) return;
      const exited = new Promise((resolve) => worker!.once('exit', resolve));
      worker.kill('SIGTERM');
      await exited;
    });

    const tg = await FakeTelegram.start();
    cleanups.push(() => tg.close());
    const telegram = createTelegramService(
      { queueConfig, redisUrl: () => redisEndpoint.url, log: silent },
      {
        env: { ...process.env, ...env, TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.url, BOT_TEMP_DIR: tempDirs.telegram, LINK_SECRET: '' },
        positionRefreshMs: 1_000,
        albumQuietMs: 400,
      },
    );
    if (!telegram) throw new Error('soak: telegram service not created');
    await telegram.start();
    cleanups.push(() => telegram.stop());

    const discord = new FakeDiscord();
    await discord.start();
    cleanups.push(() => discord.stop());
    const discordRedis = createRedis(redisEndpoint.url);
    discordRedis.on('error', () => undefined); // expected while Redis restarts
    const discordQueue = new RenderQueue({ redis: discordRedis, config: queueConfig, log: silent });
    const app = loadConfig({});
    const discordBot = new DiscordBot({
      settings: {
        token: discord.token,
        applicationId: discord.applicationId,
        apiRoot: discord.apiRoot,
        guildId: discord.guildId,
        allowedGuilds: [],
        allowedRoles: [],
        conversation: true,
        registerOnStart: true,
        editIntervalMs: 2000,
        statusMaxAgeMs: 50 * 60_000,
        defaultUploadBytes: 10 * 1024 * 1024,
        maxDownloadBytes: 50 * 1024 * 1024,
      },
      queue: discordQueue,
      tracking: new RedisTrackingStore(discordRedis, queueConfig.prefix, 'discord', 3600),
      inspector: probeInspector({ ffprobe: binaries().ffprobe, timeoutMs: app.pipeline.probeTimeoutMs, limits: app.pipeline.limits }),
      links: null,
      limits: { maxClips: 10, maxAudioSeconds: 60, maxTemplateSeconds: 60 },
      tempDir: tempDirs.discord,
      positionRefreshMs: 1_000,
      log: silent,
    });
    await discordBot.start();
    cleanups.push(async () => {
      await discordBot.stop().catch(() => undefined);
      await discordQueue.close();
      discordRedis.disconnect();
    });

    // ---- media: a few templates, one distinct audio per user (so nothing is deduplicated) ----
    const media = path.join(dir, 'media');
    await mkdir(media, { recursive: true });
    const templates = Array.from({ length: options.clipsPerUser }, (_, i) => makeMovingTemplate(path.join(media, `v${i + 1}.mp4`), { seconds: 1 + i * 0.1, fps: 10, size: 160 }));
    let audioSeq = 0;
    const audioFor = () => {
      const n = audioSeq++;
      const out = path.join(media, `speech-${n}.ogg`);
      ffmpeg(['-i', SPEECH, '-t', (1 + (n % 97) * 0.01).toFixed(2), '-c:a', 'libopus', out]);
      return out;
    };

    // ---- what each user did and got ----
    interface UserRun {
      platform: 'telegram' | 'discord';
      sentAt: number;
      firstReplyAt: number | null;
      deliveries: () => string[];
    }
    const runs: UserRun[] = [];
    const delivered = () => runs.reduce((n, r) => n + new Set(r.deliveries()).size, 0);
    const submitted = () => runs.length * options.clipsPerUser;
    let stopSampling = false;
    const peaks: Record<string, number> = {};
    const rssSeries: { at: number; kb: Record<string, number> }[] = [];
    const sampler = (async () => {
      while (!stopSampling) {
        const s = sampleProcesses(process.pid, workerPids);
        for (const [k, v] of Object.entries(s)) peaks[k] = Math.max(peaks[k] ?? 0, v);
        rssSeries.push({ at: Date.now(), kb: s });
        await new Promise((r) => setTimeout(r, 1_000));
      }
    })();

    const telegramUser = async (u: number, audio: string) => {
      const user: TelegramUser = { id: 500_000 + u, first_name: `U${u}` };
      const chat: FakeChat = { id: user.id, type: 'private' };
      const sentAt = Date.now();
      const run: UserRun = {
        platform: 'telegram',
        sentAt,
        firstReplyAt: null,
        deliveries: () => tg.videosIn(chat.id).map((v) => v.caption ?? v.fileName),
      };
      runs.push(run);
      await tg.sendMedia(user, chat, 'audio', { file: audio, fileName: 'song.ogg', mimeType: 'audio/ogg', duration: 1 });
      const firstReply = () => tg.calls.find((c) => c.at >= sentAt && c.method === 'sendMessage' && Number(c.params.chat_id) === chat.id);
      await until(`telegram user ${u}: a first reply`, () => firstReply() !== undefined, options.stallMs, () => tg.calls.length);
      run.firstReplyAt = firstReply()!.at;
      await until(`telegram user ${u}: audio set`, () => tg.messagesIn(chat.id).some((m) => /^Audio set/.test(m.text)), options.stallMs, () => tg.calls.length);
      await tg.sendAlbum(user, chat, templates.map((file, i) => ({ kind: 'video' as const, spec: { file, fileName: `v${i + 1}.mp4`, mimeType: 'video/mp4' } })), { mediaGroupId: `alb-${u}` });
      const added = options.clipsPerUser === 1 ? /^Template 1 added/ : new RegExp(`^${options.clipsPerUser} templates added`);
      await until(`telegram user ${u}: templates added`, () => tg.messagesIn(chat.id).some((m) => added.test(m.text)), options.stallMs, () => tg.calls.length);
      tg.sendText(user, chat, '/render');
    };

    const interactions: { rec: InteractionRecord; run: UserRun }[] = [];
    const discordUser = async (u: number, audio: string) => {
      const user: DiscordUser = { id: snowflake(), username: `user${u}` };
      const attachments: Record<string, Awaited<ReturnType<FakeDiscord['attachment']>>> = { audio: await discord.attachment(audio) };
      for (const [i, file] of templates.entries()) attachments[i === 0 ? 'video' : `video${i + 1}`] = await discord.attachment(file);
      const sentAt = Date.now();
      const rec = discord.slash({ user, name: 'lipsync', attachments });
      const run: UserRun = {
        platform: 'discord',
        sentAt,
        firstReplyAt: null,
        deliveries: () => {
          const thread = [...discord.threads.values()].find((t) => rec.original && t.starterMessageId === rec.original.id);
          if (!thread) return [];
          return discord.channelMessages(thread.id).flatMap((m) => m.attachments.map((a) => `${m.content}|${a.filename}`));
        },
      };
      runs.push(run);
      interactions.push({ rec, run });
      const firstReply = () => discord.calls.find((c) => c.at >= sentAt && c.path.includes(`/interactions/${rec.id}/`));
      await until(`discord user ${u}: a first reply`, () => firstReply() !== undefined, options.stallMs, () => discord.calls.length);
      run.firstReplyAt = firstReply()!.at;
    };

    // ---- chaos, triggered by progress ----
    const chaosWatcher = (async () => {
      const total = () => submitted();
      await until('a quarter of the clips', () => stopSampling || (total() > 0 && delivered() >= Math.max(1, Math.floor(total() * 0.25))), 3_600_000, delivered);
      if (stopSampling) return;
      worker!.kill('SIGKILL');
      chaos.push(`worker SIGKILLed after ${delivered()} of ${total()} clips`);
      say(chaos.at(-1)!);
      worker = await startWorker();
      await until('half of the clips', () => stopSampling || delivered() >= Math.max(2, Math.floor(total() * 0.5)), 3_600_000, delivered);
      if (stopSampling) return;
      await redisEndpoint.stop();
      redisEndpoint = await startRedis();
      chaos.push(`redis restarted after ${delivered()} of ${total()} clips`);
      say(chaos.at(-1)!);
    })();

    // ---- waves of users ----
    let u = 0;
    do {
      // Made first: ffmpeg runs synchronously and would stall the bots (same process) while users are being timed.
      const audios = Array.from({ length: options.users }, audioFor);
      const wave: Promise<void>[] = [];
      for (let i = 0; i < options.users; i++, u++) wave.push(i % 2 === 0 ? telegramUser(u, audios[i]!) : discordUser(u, audios[i]!));
      await Promise.all(wave);
      say(`wave submitted: ${runs.length} users, ${submitted()} clips, ${delivered()} delivered so far`);
      await until('every clip delivered', () => delivered() >= submitted(), options.stallMs, delivered);
    } while (Date.now() - started < options.minutes * 60_000);

    // Final status messages come after the last clip: wait for them, so a late duplicate would be counted.
    await until(
      'final status messages',
      () =>
        interactions.every(({ rec }) => {
          const thread = [...discord.threads.values()].find((t) => rec.original && t.starterMessageId === rec.original.id);
          return thread !== undefined && discord.channelMessages(thread.id).some((m) => /Done/.test(m.content));
        }) && tg.messages.filter((m) => /^✅/.test(m.text)).length >= runs.filter((r) => r.platform === 'telegram').length,
      options.stallMs,
      () => discord.calls.length + tg.calls.length,
    );
    stopSampling = true;
    await sampler;
    await chaosWatcher;

    const info = await discordRedis.info('memory');
    const num = (k: string) => Number(new RegExp(`${k}:(\\d+)`).exec(info)?.[1] ?? 0) / 1024 / 1024;
    const allDeliveries = runs.flatMap((r) => r.deliveries());
    const unique = delivered();
    const replyTimes = (platform?: UserRun['platform']) =>
      runs.filter((r) => r.firstReplyAt !== null && (platform === undefined || r.platform === platform)).map((r) => r.firstReplyAt! - r.sentAt).sort((a, b) => a - b);
    const replies = replyTimes();
    const byPlatform = Object.fromEntries((['telegram', 'discord'] as const).map((p) => [p, { p50: percentile(replyTimes(p), 50), p95: percentile(replyTimes(p), 95) }]));
    let rssFirstVsLastMb: SoakReport['rssFirstVsLastMb'] = null;
    if (rssSeries.length > 4) {
      const spanMin = (rssSeries.at(-1)!.at - rssSeries[0]!.at) / 60_000;
      const windowMinutes = Math.min(10, spanMin / 2);
      const firstWindow = rssSeries.filter((x) => x.at <= rssSeries[0]!.at + windowMinutes * 60_000);
      const lastWindow = rssSeries.filter((x) => x.at >= rssSeries.at(-1)!.at - windowMinutes * 60_000);
      const mean = (xs: typeof rssSeries, role: string) => Math.round(xs.reduce((s, x) => s + (x.kb[role] ?? 0), 0) / Math.max(1, xs.length) / 1024);
      rssFirstVsLastMb = {
        byProcess: Object.fromEntries(['bots', 'worker', 'render', 'redis-server'].map((role) => [role, { first: mean(firstWindow, role), last: mean(lastWindow, role) }])),
        windowMinutes: Math.round(windowMinutes * 10) / 10,
      };
    }

    // Stop the bots and the worker before counting temp files: what is left then is a leak.
    for (const c of cleanups.splice(1).reverse()) await c();
    const filesIn = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesIn(path.join(d, e.name)) : [path.relative(dir, path.join(d, e.name))]));
    // A Telegram session keeps its audio for the user's next batch (BOT_SESSION_IDLE_MINUTES; swept at start): not a leak.
    const all = Object.values(tempDirs).flatMap(filesIn);
    const sessionFiles = all.filter((f) => f.includes(`${path.sep}sessions${path.sep}`));
    const leftovers = all.filter((f) => !sessionFiles.includes(f));
    const report: SoakReport = {
      submitted: submitted(),
      delivered: unique,
      duplicated: allDeliveries.length - unique,
      lost: submitted() - unique,
      firstReplyMs: { p50: percentile(replies, 50), p95: percentile(replies, 95), max: replies.at(-1) ?? 0, samples: replies.length, byPlatform },
      peakRssMb: Object.fromEntries(Object.entries(peaks).map(([k, v]) => [k, Math.round(v / 1024)])),
      rssFirstVsLastMb,
      redis: { usedMemoryMb: Math.round(num('used_memory') * 10) / 10, peakMemoryMb: Math.round(num('used_memory_peak') * 10) / 10 },
      tempFilesLeft: leftovers.length,
      tempFilesLeftNames: leftovers.slice(0, 10),
      sessionFilesKept: sessionFiles.length,
      chaos,
      seconds: Math.round((Date.now() - started) / 1000),
    };
    return report;
  } finally {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
  }
}

export function formatSoakReport(r: SoakReport): string {
  return [
    `clips: ${r.submitted} submitted, ${r.delivered} delivered, ${r.duplicated} duplicated, ${r.lost} lost`,
    `first reply: p50 ${r.firstReplyMs.p50} ms, p95 ${r.firstReplyMs.p95} ms, max ${r.firstReplyMs.max} ms (${r.firstReplyMs.samples} users; ${Object.entries(r.firstReplyMs.byPlatform).map(([k, v]) => `${k} p50 ${v.p50} / p95 ${v.p95}`).join(', ')})`,
    `peak RSS (MB): ${Object.entries(r.peakRssMb).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    r.rssFirstVsLastMb
      ? `mean RSS (MB), first vs last ${r.rssFirstVsLastMb.windowMinutes} min: ${Object.entries(r.rssFirstVsLastMb.byProcess).map(([k, v]) => `${k} ${v.first} → ${v.last}`).join(', ')}`
      : 'RSS trend: run too short',
    `redis memory: ${r.redis.usedMemoryMb} MB used, ${r.redis.peakMemoryMb} MB peak`,
    `temp files left: ${r.tempFilesLeft}${r.tempFilesLeft ? ` (${r.tempFilesLeftNames.join(', ')})` : ''}; session audio kept for reuse: ${r.sessionFilesKept}`,
    `chaos: ${r.chaos.join('; ') || 'none'}`,
    `took ${r.seconds} s`,
  ].join('\n');
}

if (isMainModule(import.meta.url)) {
  const n = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
  const report = await runSoak({ users: n('SOAK_USERS', 50), clipsPerUser: n('SOAK_CLIPS', 5), minutes: n('SOAK_MINUTES', 0), stallMs: n('SOAK_STALL_MS', 180_000) });
  process.stdout.write(`${formatSoakReport(report)}\n`);
  process.exitCode = report.lost === 0 && report.duplicated === 0 ? 0 : 1;
}
