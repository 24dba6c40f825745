import { describe, expect, it } from 'vitest';
import { en, zhCN, type Catalog } from '../../src/i18n/index.js';

/**
 * The two catalogs must say the same things: the same keys, and every message shows the same placeholders
 * (each string param that appears in English appears in Chinese and the other way round, and the same numbers).
 */

type Fn = (...args: never[]) => string;

/** Every leaf of a catalog: "bot.audioSet" → value. */
function leaves(obj: object, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object') for (const [kk, vv] of leaves(v as object, key)) out.set(kk, vv);
    else out.set(key, v);
  }
  return out;
}

// String params are tokens («…»): they must show up unchanged. Numbers are chosen so each is recognisable.
const T = (name: string) => `«${name}»`;
const help = { maxClips: 7, maxAudioSeconds: 95, command: (n: string) => T(`cmd-${n}`) };

/** Sample arguments for every message that is a function (several where it has branches). */
const samples: Record<string, unknown[][]> = {
  'units.seconds': [[12.5], [125], [180]],
  'units.eta': [[3], [42], [190], [7200], [7500]],
  'units.bytes': [[500], [4096], [3 * 1024 * 1024], [30 * 1024 * 1024]],
  'units.dateTime': [[Date.UTC(2026, 11, 2, 8, 15)]],
  'bot.help': [[help], [{ ...help, studio: true }]],
  'bot.studioLink': [[T('url'), 15], [T('url'), 1]],
  'bot.studioAskPrivately': [[T('cmd')]],
  'bot.studioOfferLink': [[T('url'), 15]],
  'bot.studioOfferHint': [[T('cmd')]],
  'bot.greetingPrefix': [[T('name'), true], [T('name'), false]],
  'bot.audioSet': [[12.5, 0], [12.5, 3], [12.5, 1]],
  'bot.audioReplaced': [[33]],
  'bot.templatesAdded': [[1, 3, true], [4, 6, false]],
  'bot.tooManyTemplates': [[9]],
  'bot.someSkipped': [[1], [4]],
  'bot.templateList': [[[]], [[{ label: T('a') }, { label: T('b') }]]],
  'bot.templateRemoved': [[T('a'), 1], [T('a'), 3]],
  'bot.missingForRender': [[false, 0], [false, 2], [true, 0]],
  'bot.unsupportedFile': [[T('file'), undefined], [undefined, T('mime')], [undefined, undefined]],
  'bot.tooLargeToDownload': [[null, 20 * 1024 * 1024, true], [30 * 1024 * 1024, 20 * 1024 * 1024, false]],
  'bot.audioTooLong': [[400, 300]],
  'bot.templateTooLong': [[70, 60]],
  'bot.queued': [[1], [4]],
  'bot.cancelledCount': [[0], [3]],
  'bot.statusSession': [[true, 12, 2], [false, null, 1]],
  'bot.slowDown': [[7.2]],
  'bot.sessionResumed': [[12, 3], [null, 2], [12, 0]],
  'bot.historyLine': [[T('when'), 2, 3, 'finished', T('link')], [T('when'), 0, 3, 'running', null]],
  'bot.clipCaption': [[2, 5, T('t')], [0, 1, T('t')]],
  'bot.clipLink': [[2, T('t'), T('url')]],
  'bot.clipTooLargeNoLink': [[2, T('t'), 60 * 1024 * 1024, 50 * 1024 * 1024]],
  'bot.clipRefusedTooLarge': [[2, T('t'), 60 * 1024 * 1024]],
  'bot.clipSendFailed': [[2, T('t')]],
  'bot.batchLinks': [[T('page'), T('zip')], [T('page'), undefined]],
  'bot.progressHeaderWaiting': [[null, null], [1, 40], [4, 190]],
  'bot.progressHeaderRendering': [[1, 1], [2, 5]],
  'bot.progressHeaderFinished': [[0, 0, 3, 3], [3, 0, 0, 3], [1, 0, 0, 1], [2, 1, 1, 4]],
  'bot.progressAudioLine': [[T('audio')]],
  'bot.clipQueued': [[null], [3]],
  'bot.clipRendering': [[T('bar'), 42, 23.6, 12], [T('bar'), 7, 0, null], [T('bar'), 7, 4.25, null]],
  'bot.clipFailed': [[T('why')], [null]],
  'bot.buttons.removeItem': [[2, T('label')]],
  'discord.commands.videoOption': [[1], [4]],
  'discord.batchThreadName': [[T('user')]],
  'discord.batchStarter': [[T('user'), 1], [T('user'), 3]],
  'discord.batchStarterNoThread': [[T('user'), 3]],
  'discord.conversationStarter': [[T('user')]],
  'refusals.file-too-large': [[{ label: T('l'), bytes: 30 * 1024 * 1024, maxBytes: 20 * 1024 * 1024 }]],
  'refusals.unsupported-format': [[{ label: T('l'), format: T('fmt') }]],
  'refusals.too-long': [
    [{ subject: 'audio', seconds: 400, maxSeconds: 300 }],
    [{ subject: 'audio', maxSeconds: 300, decodedPast: true }],
    [{ subject: 'template', label: T('l'), seconds: 70, maxSeconds: 60 }],
    [{ subject: 'template', label: T('l'), maxSeconds: 60, decodedPast: true }],
  ],
  'refusals.no-audio-stream': [[{ label: T('l'), hasVideo: true }], [{ label: T('l'), hasVideo: false }]],
  'refusals.unsupported-codec': [[{ label: T('l'), codec: T('c'), kind: 'audio' }], [{ label: T('l'), codec: T('c'), kind: 'video' }]],
  'refusals.empty-audio': [[{ label: T('l'), zeroLength: true }], [{ label: T('l') }]],
  'refusals.no-video-stream': [[{ label: T('l') }]],
  'refusals.too-large-dimensions': [[{ label: T('l'), width: 7680, height: 4320, maxDimension: 4096 }]],
  'refusals.empty-video': [[{ label: T('l') }]],
  'refusals.empty-file': [[{ label: T('l') }]],
  'refusals.unreadable': [[{ label: T('l') }]],
  'refusals.no-frames': [[{ label: T('l') }]],
  'refusals.no-face': [[{ label: T('l') }]],
  'refusals.box-outside-frame': [[{ y1: 500, y2: 600, x1: 700, x2: 800, label: T('l'), width: 320, height: 240 }]],
  'refusals.no-templates': [[{}]],
  'refusals.too-many-clips': [[{ clips: 12, max: 10 }]],
  'refusals.audio-too-long': [[{ seconds: 400, maxSeconds: 300 }]],
  'refusals.queue-full': [[{ pending: 8, adding: 4, max: 10 }], [{ pending: 10, adding: 4, max: 10 }], [{ pending: 1, adding: 40, max: 30 }]],
  'refusals.busy': [[{}]],
  'refusals.not-found': [[{}]],
  'refusals.not-owner': [[{}]],
  'refusals.not-retryable': [[{}]],
  'refusals.unreadable-audio': [[{ label: T('l'), stage: 'read' }], [{ label: T('l'), stage: 'duration' }]],
  'refusals.internal': [[{}]],
  'refusals.input-missing': [[{}]],
  'refusals.timeout': [[{}]],
  'refusals.lost': [[{}]],
  'refusals.queue-unavailable': [[{}]],
  'refusals.cancelled': [[{}]],
  'refusals.upload-unfinished-limit': [[{ max: 30 }]],
  'refusals.upload-budget': [[{ bytes: 700 * 1024 * 1024, maxBytes: 600 * 1024 * 1024 }]],
  'refusals.upload-not-found': [[{}]],
  'refusals.upload-check-failed': [[{}]],
  'refusals.upload-disk-full': [[{}]],
  'web.dateTime': [[Date.UTC(2026, 11, 2, 8, 15)]],
  'web.counts': [[6, 2, 1, 1, 2], [1, 1, 0, 0, 0]],
  'web.someOfAll': [[2, 6]],
  'web.clipFallbackLabel': [[3]],
  'web.failed': [[T('why')], [null]],
  'web.rendering': [[T('stage'), 25]],
  'web.waiting': [[3], [null]],
  'web.download': [[T('label')]],
  'web.fileSize': [[500], [3 * 1024 * 1024], [30 * 1024 * 1024]],
  'web.errors.expired': [[T('when')]],
};

/** Messages that format a moment differently by design (digits may differ: "02 Dec" vs "12月2日"). */
const formatsDifferently = new Set(['units.dateTime', 'web.dateTime']);

const tokens = (s: string) => new Set(s.match(/«[^»]*»/g) ?? []);
const numbers = (s: string) => new Set((s.replace(/«[^»]*»/g, '').match(/\d+(?:\.\d+)?/g) ?? []).map(Number));

function compareCatalogs(a: Catalog, b: Catalog): string[] {
  const problems: string[] = [];
  const la = leaves(a);
  const lb = leaves(b);
  for (const k of la.keys()) if (!lb.has(k)) problems.push(`${k}: missing in the second catalog`);
  for (const k of lb.keys()) if (!la.has(k)) problems.push(`${k}: missing in the first catalog`);
  for (const [k, va] of la) {
    const vb = lb.get(k);
    if (vb === undefined) continue;
    if (typeof va !== typeof vb) {
      problems.push(`${k}: ${typeof va} vs ${typeof vb}`);
      continue;
    }
    if (typeof va === 'string') {
      if ((va as string).trim() === '' || (vb as string).trim() === '') problems.push(`${k}: empty`);
      continue;
    }
    if (typeof va !== 'function') continue;
    const cases = samples[k];
    if (!cases) {
      problems.push(`${k}: no sample arguments in this test (add some)`);
      continue;
    }
    for (const args of cases) {
      const sa = (va as Fn)(...(args as never[]));
      const sb = (vb as Fn)(...(args as never[]));
      const what = `${k}(${JSON.stringify(args)})`;
      // Empty only together (the greeting prefix outside groups).
      if (typeof sa !== 'string' || typeof sb !== 'string' || (sa.trim() === '') !== (sb.trim() === '')) {
        problems.push(`${what}: not a string, or empty in one language only`);
        continue;
      }
      const [ta, tb] = [tokens(sa), tokens(sb)];
      if ([...ta].sort().join() !== [...tb].sort().join()) problems.push(`${what}: placeholders ${[...ta].join(' ')} vs ${[...tb].join(' ')}\n  ${sa}\n  ${sb}`);
      if (formatsDifferently.has(k)) continue;
      const [na, nb] = [numbers(sa), numbers(sb)];
      if ([...na].sort().join() !== [...nb].sort().join()) problems.push(`${what}: numbers ${[...na].join(' ')} vs ${[...nb].join(' ')}\n  ${sa}\n  ${sb}`);
    }
  }
  return problems;
}

describe('message catalogs', () => {
  it('en and zh-CN have the same keys, and every message the same placeholders and numbers', () => {
    expect(compareCatalogs(en, zhCN)).toEqual([]);
  });

  it('the check finds a missing key, a dropped placeholder and a changed number', () => {
    const broken = structuredCloneCatalog(zhCN);
    delete (broken.bot as Partial<Catalog['bot']>).cleared;
    broken.bot.clipLink = (index: number, template: string) => `${index + 1}. ${template} 太大`;
    broken.bot.tooManyTemplates = () => '一个批次最多 99 个模板。';
    const problems = compareCatalogs(en, broken);
    expect(problems.some((p) => p.startsWith('bot.cleared: missing'))).toBe(true);
    expect(problems.some((p) => p.startsWith('bot.clipLink(') && p.includes('placeholders'))).toBe(true);
    expect(problems.some((p) => p.startsWith('bot.tooManyTemplates(') && p.includes('numbers'))).toBe(true);
  });

  it('every refusal code the catalogs know has sample params here', () => {
    for (const code of Object.keys(en.refusals)) expect(samples[`refusals.${code}`], code).toBeDefined();
  });
});

/** A deep copy that keeps functions (structuredClone would refuse them). */
function structuredCloneCatalog<T extends object>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = v && typeof v === 'object' ? structuredCloneCatalog(v as object) : v;
  return out as T;
}
