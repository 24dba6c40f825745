import { describe, expect, it } from 'vitest';
import { en, zhCN } from '../../src/i18n/index.js';
import type { BatchState, ClipState } from '../../src/queue/types.js';
import { batchView } from '../../src/web/studio/views.js';

function clip(index: number, over: Partial<ClipState>): ClipState {
  return {
    clipId: `b1-${index + 1}`,
    batchId: 'b1',
    index,
    template: `face${index + 1}.mp4`,
    status: 'done',
    attempts: 1,
    progress: null,
    output: { key: `k${index}`, path: `/data/k${index}.mp4`, bytes: 1000, cached: false },
    error: null,
    createdAt: 1,
    startedAt: 2,
    finishedAt: 3,
    ...over,
  };
}

function batch(clips: ClipState[]): BatchState {
  return {
    batchId: 'b1',
    owner: { platform: 'telegram', userId: '1' },
    replyTo: null,
    options: {},
    audio: 'speech.wav',
    status: 'finished',
    createdAt: Date.UTC(2026, 11, 2, 8),
    finishedAt: Date.UTC(2026, 11, 2, 9),
    summary: { total: clips.length, done: clips.filter((c) => c.status === 'done').length, failed: 0, cancelled: 0 },
    clips,
    lastEventId: null,
  };
}

describe('studio batch views', () => {
  it('tells the reader when the weights-free preview engine made a clip, as the chats do', () => {
    const b = batch([
      clip(0, { output: { key: 'k0', path: '/x', bytes: 10, cached: false, preview: true } }),
      clip(1, { output: { key: 'k1', path: '/y', bytes: 10, cached: false, preview: false } }),
    ]);
    const english = batchView({ batch: b, positions: [], log: [], locale: 'en' });
    expect(english.clips.map((c) => c.statusText)).toEqual([en.studioAuth.status.donePreview, en.studioAuth.status.done]);
    const chinese = batchView({ batch: b, positions: [], log: [], locale: 'zh-CN' });
    expect(chinese.clips.map((c) => c.statusText)).toEqual([zhCN.studioAuth.status.donePreview, zhCN.studioAuth.status.done]);
    expect(chinese.clips[0]!.fileUrl).toBe('/studio/api/clips/b1-1/file');
    expect(chinese.zipUrl).toBe('/studio/api/batches/b1/zip');
  });
});
