import { describe, expect, it } from 'vitest';
import { applyEvent, viewFromSubmit, type BatchView } from '../../../src/bots/core/batchView.js';
import { classifyFile } from '../../../src/bots/core/classify.js';
import { formatEta, progressBar } from '../../../src/bots/core/format.js';
import type { IncomingFile } from '../../../src/bots/core/incoming.js';
import type { PlatformLimits } from '../../../src/bots/core/platform.js';
import { isCancellable, renderProgress } from '../../../src/bots/core/progressText.js';
import { words } from '../../../src/bots/core/wording.js';
import type { QueueEvent } from '../../../src/queue/index.js';

function view(): BatchView {
  return viewFromSubmit(
    {
      batchId: 'b1',
      clips: [1, 2, 3].map((i) => ({ clipId: `b1-${i}`, template: `face${i}.mp4`, status: 'queued' as const, position: i + 1, etaSeconds: 40 * i, cached: false })),
    },
    'speech.wav',
  );
}

let seq = 0;
function ev<T extends QueueEvent['type']>(type: T, rest: Record<string, unknown>): QueueEvent {
  return { id: `1-${++seq}`, batchId: 'b1', at: 0, type, ...rest } as unknown as QueueEvent;
}

describe('progress text', () => {
  it('shows place in line and ETA while waiting', () => {
    const text = renderProgress(view());
    expect(text.split('\n')[0]).toBe('⏳ Queued: position 2 in line, starts in about 40 s.');
    expect(text).toContain('Audio: speech.wav');
    expect(text).toContain('1. face1.mp4 — #2 in line');
    expect(text).toContain('3. face3.mp4 — #4 in line');
  });

  it('shows a bar with percent, fps and ETA per active clip, then ✓/✗ and a final summary', () => {
    const v = view();
    applyEvent(v, ev('started', { clipId: 'b1-1', attempt: 1 }));
    applyEvent(v, ev('progress', { clipId: 'b1-1', progress: { stage: 'render', framesDone: 42, framesTotal: 100, fps: 23.6, etaSeconds: 12 } }));
    let text = renderProgress(v);
    expect(text.split('\n')[0]).toBe('🎬 Rendering clip 1 of 3…');
    expect(text).toContain('1. face1.mp4 — ▓▓▓▓░░░░░░ 42% · 24 fps · about 10 s left');
    expect(isCancellable(v)).toBe(true);

    applyEvent(v, ev('clipDone', { clipId: 'b1-1', output: { key: 'k', path: '/o.mp4', bytes: 10, cached: false } }));
    applyEvent(v, ev('clipFailed', { clipId: 'b1-2', reason: { code: 'no-face', message: "I couldn't find a face in face2.mp4." } }));
    applyEvent(v, ev('cancelled', { clipId: 'b1-3', by: 'telegram:1' }));
    // A late progress event never brings a finished clip back.
    applyEvent(v, ev('progress', { clipId: 'b1-1', progress: { stage: 'render', framesDone: 1, framesTotal: 100, fps: 1, etaSeconds: 1 } }));
    applyEvent(v, ev('batchDone', { summary: { total: 3, done: 1, failed: 1, cancelled: 1 } }));
    text = renderProgress(v);
    expect(text.split('\n')[0]).toBe('🏁 Finished: 1 of 3 done, 1 failed, 1 cancelled.');
    expect(text).toContain('1. face1.mp4 — ✓ done');
    expect(text).toContain("2. face2.mp4 — ✗ I couldn't find a face in face2.mp4.");
    expect(text).toContain('3. face3.mp4 — ⊘ cancelled');
    expect(isCancellable(v)).toBe(false);
  });

  it('tells users when the weights-free preview engine rendered a clip', () => {
    const v = view();
    applyEvent(v, ev('clipDone', { clipId: 'b1-1', output: { key: 'k', path: '/o.mp4', bytes: 10, cached: false, preview: true } }));
    applyEvent(v, ev('clipDone', { clipId: 'b1-2', output: { key: 'k2', path: '/p.mp4', bytes: 10, cached: false, preview: false } }));
    const text = renderProgress(v);
    expect(text).toContain('1. face1.mp4 — ✓ done (preview engine: no lip-sync model is installed yet)');
    expect(text).toMatch(/2\. face2\.mp4 — ✓ done$/m);
  });

  it('formats bars and ETAs', () => {
    expect(progressBar(0)).toBe('░░░░░░░░░░');
    expect(progressBar(1)).toBe('▓▓▓▓▓▓▓▓▓▓');
    expect(progressBar(0.55)).toBe('▓▓▓▓▓░░░░░');
    expect(formatEta(3)).toBe('a few seconds');
    expect(formatEta(190)).toBe('about 3 min');
  });
});

describe('incoming file checks', () => {
  const tg: PlatformLimits = { uploadBytes: 50 << 20, downloadBytes: 20 << 20, downloadLimitLiftable: true, editIntervalMs: 3000, maxTextLength: 4096 };
  const limits = { maxAudioSeconds: 300, maxTemplateSeconds: 300 };
  const file = (f: Partial<IncomingFile>): IncomingFile => ({ kind: 'document', download: async () => undefined, ...f });

  it('sorts audio and templates, and uses a video’s sound when asked', () => {
    expect(classifyFile(file({ kind: 'voice' }), false, tg, limits)).toMatchObject({ ok: true, role: 'audio' });
    expect(classifyFile(file({ kind: 'video' }), false, tg, limits)).toMatchObject({ ok: true, role: 'template' });
    expect(classifyFile(file({ kind: 'video' }), true, tg, limits)).toMatchObject({ ok: true, role: 'audio', extension: 'mp4' });
    expect(classifyFile(file({ kind: 'photo' }), false, tg, limits)).toMatchObject({ ok: true, role: 'template', extension: 'jpg' });
    expect(classifyFile(file({ mimeType: 'audio/mpeg', fileName: 'x.mp3' }), false, tg, limits)).toMatchObject({ ok: true, role: 'audio', extension: 'mp3' });
    expect(classifyFile(file({ mimeType: 'image/png' }), false, tg, limits)).toMatchObject({ ok: true, role: 'template', extension: 'png' });
    expect(classifyFile(file({ fileName: 'clip.MOV' }), false, tg, limits)).toMatchObject({ ok: true, role: 'template', extension: 'mov' });
  });

  it('refuses text documents, oversized files (explaining the 20 MB limit) and long media', () => {
    const text = classifyFile(file({ mimeType: 'text/plain', fileName: 'notes.txt' }), false, tg, limits);
    expect(text).toEqual({ ok: false, message: words.unsupportedFile('notes.txt', 'text/plain') });
    expect(text.ok ? '' : text.message).toContain('"notes.txt" is not something I can use');
    const big = classifyFile(file({ kind: 'video', sizeBytes: 30 << 20 }), false, tg, limits);
    expect(big.ok ? '' : big.message).toMatch(/30 MB.*up to 20 MB.*local Bot API server/);
    const local = classifyFile(file({ kind: 'video', sizeBytes: 30 << 20 }), false, { ...tg, downloadBytes: 2000 << 20 }, limits);
    expect(local.ok).toBe(true);
    const long = classifyFile(file({ kind: 'audio', durationSeconds: 400 }), false, tg, limits);
    expect(long.ok ? '' : long.message).toBe('That audio is 6 min 40 s long; the limit is 5 min. Trim it and send it again.');
  });

  it('explains what Render is missing', () => {
    expect(words.missingForRender(false, 0)).toMatch(/first send an audio/);
    expect(words.missingForRender(false, 2)).toMatch(/2 templates but no audio/);
    expect(words.missingForRender(true, 0)).toMatch(/no template yet/);
  });
});
