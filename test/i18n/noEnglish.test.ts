import { describe, expect, it } from 'vitest';
import { en, zhCN, type Catalog } from '../../src/i18n/index.js';

/**
 * The zh-CN rendering of what users read has no English left in it: product and format names only.
 * Params are Chinese (file names keep their extension), so any Latin word comes from the catalog itself.
 */

const allowed = new Set(
  [
    'Telegram', 'Discord', 'ZIP', 'MB', 'KB', 'MP3', 'MP4', 'WAV', 'OGG', 'M4A', 'MOV', 'MKV', 'WebM', 'AVI', 'JPG', 'PNG', 'WebP', 'FLAC',
    'AAC', 'Opus', 'HEVC', 'VP8', 'VP9', 'AV1', 'MPEG', 'H', 'Bot', 'API', 'UTC', 'fps', 'lipsync', 'mp4', 'wav', 'Y1', 'Y2', 'X1', 'X2',
  ].map((w) => w.toLowerCase()),
);
/** Discord's own option names, which users type as they are. */
const perKey: Record<string, string[]> = { 'discord.conversationDisabled': ['audio', 'video'] };

const help = { maxClips: 5, maxAudioSeconds: 300, command: (n: string) => `/${n}` };
const label = '片段一.mp4';
const args: Record<string, unknown[][]> = {
  'units.seconds': [[12.5], [125]],
  'units.eta': [[3], [42], [7500]],
  'units.bytes': [[500], [3 * 1024 * 1024]],
  'units.dateTime': [[Date.UTC(2026, 11, 2, 8, 15)]],
  'bot.help': [[help], [{ ...help, studio: true }]],
  'bot.studioLink': [['链接', 15]],
  'bot.studioAskPrivately': [['/studio']],
  'bot.studioOfferLink': [['链接', 15]],
  'bot.studioOfferHint': [['/lipsync-studio']],
  'bot.greetingPrefix': [['小美', true]],
  'bot.audioSet': [[12.5, 0], [12.5, 3]],
  'bot.audioReplaced': [[33]],
  'bot.templatesAdded': [[1, 3, true], [4, 6, false]],
  'bot.tooManyTemplates': [[9]],
  'bot.someSkipped': [[2]],
  'bot.templateList': [[[]], [[{ label }]]],
  'bot.templateRemoved': [[label, 1]],
  'bot.missingForRender': [[false, 0], [false, 2], [true, 0]],
  'bot.unsupportedFile': [['笔记.mp4', undefined], [undefined, undefined]],
  'bot.tooLargeToDownload': [[null, 20 * 1024 * 1024, true], [30 * 1024 * 1024, 20 * 1024 * 1024, false]],
  'bot.audioTooLong': [[400, 300]],
  'bot.templateTooLong': [[70, 60]],
  'bot.queued': [[3]],
  'bot.cancelledCount': [[0], [3]],
  'bot.statusSession': [[true, 12, 2], [false, null, 1]],
  'bot.slowDown': [[7]],
  'bot.sessionResumed': [[12, 3], [null, 2], [12, 0]],
  'bot.historyLine': [['2026-12-02 08:00 UTC', 2, 3, 'finished', null], ['2026-12-02 08:00 UTC', 0, 3, 'running', null]],
  'bot.clipCaption': [[2, 5, label]],
  'bot.clipLink': [[2, label, '链接']],
  'bot.clipTooLargeNoLink': [[2, label, 60 * 1024 * 1024, 50 * 1024 * 1024]],
  'bot.clipRefusedTooLarge': [[2, label, 60 * 1024 * 1024]],
  'bot.clipSendFailed': [[2, label]],
  'bot.batchLinks': [['网页', '压缩包']],
  'bot.progressHeaderWaiting': [[null, null], [1, 40], [4, 190]],
  'bot.progressHeaderRendering': [[1, 1], [2, 5]],
  'bot.progressHeaderFinished': [[0, 0, 3, 3], [3, 0, 0, 3], [1, 0, 0, 1], [2, 1, 1, 4]],
  'bot.progressAudioLine': [['语音消息']],
  'bot.clipQueued': [[null], [3]],
  'bot.clipRendering': [['▓▓░░', 42, 23.6, 12]],
  'bot.clipFailed': [['原因'], [null]],
  'bot.buttons.removeItem': [[2, label]],
  'discord.commands.videoOption': [[1], [4]],
  'discord.batchThreadName': [['小美']],
  'discord.batchStarter': [['小美', 3]],
  'discord.batchStarterNoThread': [['小美', 3]],
  'discord.conversationStarter': [['小美']],
  'web.dateTime': [[Date.UTC(2026, 11, 2, 8, 15)]],
  'web.counts': [[6, 2, 1, 1, 2]],
  'web.someOfAll': [[2, 6]],
  'web.clipFallbackLabel': [[3]],
  'web.failed': [['原因'], [null]],
  'web.rendering': [['口型同步', 25]],
  'web.waiting': [[3], [null]],
  'web.download': [[label]],
  'web.fileSize': [[3 * 1024 * 1024]],
  'web.errors.expired': [['2026年12月2日']],
};
const refusalParams = {
  label,
  bytes: 30 * 1024 * 1024,
  maxBytes: 20 * 1024 * 1024,
  format: '未知',
  subject: 'template',
  seconds: 70,
  maxSeconds: 60,
  hasVideo: true,
  codec: '未知',
  kind: 'video',
  width: 7680,
  height: 4320,
  maxDimension: 4096,
  y1: 1,
  y2: 2,
  x1: 3,
  x2: 4,
  clips: 12,
  max: 10,
  pending: 8,
  adding: 4,
  stage: 'read',
};

/** Every text the zh-CN catalog produces, by key. */
function renderings(c: Catalog): [string, string][] {
  const out: [string, string][] = [];
  const walk = (obj: object, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (key === 'web.lang') continue; // a language tag, not text
      if (typeof v === 'string') out.push([key, v]);
      else if (typeof v === 'function') {
        const cases = key.startsWith('refusals.') ? [[refusalParams], [{ ...refusalParams, subject: 'audio', kind: 'audio', stage: 'duration', hasVideo: false }]] : args[key];
        if (!cases) throw new Error(`no sample arguments for ${key}`);
        for (const a of cases) out.push([key, (v as (...x: unknown[]) => string)(...a)]);
      } else if (v && typeof v === 'object') walk(v, key);
    }
  };
  walk(c, '');
  return out;
}

function englishWords(key: string, text: string): string[] {
  const ok = new Set([...allowed, ...(perKey[key] ?? [])]);
  const stripped = text.replace(/\/[a-z][a-z_-]*/g, ' '); // commands as the platform spells them: /status
  const filled = stripped.replace(/\{[a-z][A-Za-z]*\}/g, ' '); // {name} placeholders the studio page fills in
  return (filled.match(/[A-Za-z][A-Za-z0-9]*/g) ?? []).filter((w) => !ok.has(w.toLowerCase()));
}

describe('zh-CN has no English leftovers', () => {
  it('in any bot reply, progress text, refusal, Discord sentence or results page text', () => {
    const leftovers = renderings(zhCN)
      .map(([key, text]) => [key, englishWords(key, text)] as const)
      .filter(([, words]) => words.length > 0)
      .map(([key, words]) => `${key}: ${words.join(' ')}`);
    expect(leftovers).toEqual([]);
  });

  it('the same check finds the English in the English catalog (it can fail)', () => {
    const found = renderings(en).filter(([key, text]) => englishWords(key, text).length > 0);
    expect(found.length).toBeGreaterThan(50);
  });
});
