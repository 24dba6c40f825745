import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, type PipelineConfig } from '../../config/index.js';
import { CancelledError, InputError } from '../../errors.js';
import { logger } from '../../log.js';
import { melSpectrogram } from '../audio/mel.js';
import { melWindow, outputFrameCount } from '../audio/melWindows.js';
import { getEngine } from '../engine/select.js';
import { loadOnce } from '../loadOnce.js';
import type { LipSyncEngine } from '../engine/types.js';
import { FaceDetector, FaceTracker, type FaceDetection } from '../face/index.js';
import { faceFromFixedBox, fixedBoxInRender } from '../face/fixedBox.js';
import { KeyframeDetection, type DetectedFrame } from '../face/keyframes.js';
import type { SourceFrame } from '../timeline/frameSource.js';
import { resolveMediaBinaries } from '../media/binaries.js';
import { ANALYSIS_SAMPLE_RATE, decodeAnalysisAudio } from '../media/decodeAudio.js';
import { ClipEncoder } from '../media/encode.js';
import { FramePool } from '../media/rawFrames.js';
import { displayedSize, renderGeometry } from '../media/geometry.js';
import { yuvFrameBytes, type YuvImage } from '../media/yuvImage.js';
import { probeAudioInput, probeTemplateInput } from '../media/validate.js';
import { openTemplateSource } from '../timeline/frameSource.js';
import { ProgressReporter } from './progressReporter.js';
import { emptyTimings, timed, type StageTimings } from './stageTimings.js';
import type { ProgressCallback, RenderClipInput, RenderClipOptions, RenderClipResult } from './types.js';
import { cutWorkArea, pasteWorkArea, type CutArea } from './workAreas.js';

export interface RenderDependencies {
  config?: PipelineConfig;
  /** Use this engine instead of the configured/cached one. */
  engine?: LipSyncEngine;
  /** Filled with the time spent per stage. */
  timings?: StageTimings;
}

/** Detectors are cheap but not free to load; one per process and model choice. */
const detectors = new Map<string, Promise<FaceDetector>>();
function getDetector(model: PipelineConfig['faceDetector']): Promise<FaceDetector> {
  return loadOnce(detectors, model, () => FaceDetector.create({ model }));
}

/**
 * Runs tasks side by side; when one fails, the others are aborted and awaited before the error is thrown,
 * so no ffprobe is left running behind a quick refusal.
 */
async function allOrNothing<T extends readonly unknown[]>(
  parent: AbortSignal | undefined,
  start: (signal: AbortSignal) => { readonly [K in keyof T]: Promise<T[K]> },
): Promise<T> {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort();
  parent?.addEventListener('abort', onParentAbort, { once: true });
  if (parent?.aborted) controller.abort();
  try {
    const tasks = start(controller.signal) as readonly Promise<unknown>[];
    tasks.forEach((t) => t.catch(() => controller.abort()));
    const settled = await Promise.allSettled(tasks);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected' && !(r.reason instanceof CancelledError));
    if (failed) throw failed.reason;
    if (parent?.aborted) throw new CancelledError();
    return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
  } finally {
    parent?.removeEventListener('abort', onParentAbort);
  }
}

interface PendingFrame {
  index: number;
  image: YuvImage;
}

/**
 * One audio + one template in, one lip-synced MP4 out. Frames stream decode → detect → track → engine (batched)
 * → encode; at most two batches plus the key-frame gap and the tracker's look-ahead of frames are held in memory,
 * whatever the clip length.
 */
export async function renderClip(
  input: RenderClipInput,
  options: RenderClipOptions = {},
  onProgress?: ProgressCallback,
  signal?: AbortSignal,
  deps: RenderDependencies = {},
): Promise<RenderClipResult> {
  const startedAt = Date.now();
  const config = deps.config ?? loadConfig().pipeline;
  const bins = resolveMediaBinaries(config);
  const audioLabel = input.audioLabel ?? path.basename(input.audioPath);
  const templateLabel = input.templateLabel ?? path.basename(input.templatePath);
  const progress = new ProgressReporter(onProgress);
  const probeOptions = { ffprobe: bins.ffprobe, timeoutMs: config.probeTimeoutMs, signal };
  const stallTimeoutMs = config.ffmpegStallTimeoutMs;
  const timings = deps.timings ?? emptyTimings();

  progress.setStage('probe');
  // The audio is decoded while the inputs are probed (same input whitelist, so no more exposure than probing); a
  // refused input stops it, and the probe's wording wins over whatever the decoder would have said.
  const stopAudio = new AbortController();
  const audioSignal = signal ? AbortSignal.any([signal, stopAudio.signal]) : stopAudio.signal;
  const decodingAudio = decodeAnalysisAudio(input.audioPath, {
    ffmpeg: bins.ffmpeg,
    stallTimeoutMs,
    signal: audioSignal,
    label: audioLabel,
    maxSeconds: config.limits.maxAudioSeconds,
  });
  decodingAudio.catch(() => undefined);
  let probed: readonly [Awaited<ReturnType<typeof probeAudioInput>>, Awaited<ReturnType<typeof probeTemplateInput>>];
  try {
    probed = await timed(timings, 'probe', () =>
      allOrNothing(signal, (probeSignal) => {
        const options = { ...probeOptions, signal: probeSignal };
        return [
          probeAudioInput(input.audioPath, audioLabel, config.limits, options),
          probeTemplateInput(input.templatePath, templateLabel, config.limits, options),
        ] as const;
      }),
    );
  } catch (err) {
    stopAudio.abort();
    await decodingAudio.catch(() => undefined);
    throw err;
  }
  const [audioInfo, templateInfo] = probed;
  const geometry = renderGeometry(templateInfo, config.maxRenderHeight);
  const fixedBox = options.box ? fixedBoxInRender(options.box, displayedSize(templateInfo.video), geometry, templateLabel) : undefined;
  // With a fixed box every frame has the same face, its box being the crop; nothing is detected or smoothed.
  const fixedFace = fixedBox ? faceFromFixedBox(fixedBox) : null;

  progress.setStage('audio');
  const { samples, mel } = await timed(timings, 'audio', async () => {
    const decoded = await decodingAudio;
    if (decoded.length === 0) throw new InputError('empty-audio', `${audioLabel} contains no audio I can hear.`, { params: { label: audioLabel } });
    return { samples: decoded, mel: melSpectrogram(decoded) };
  });
  const audioSeconds = samples.length / ANALYSIS_SAMPLE_RATE;
  const outputFrames = outputFrameCount(samples.length, ANALYSIS_SAMPLE_RATE, geometry.fps);
  progress.setClipSeconds(audioSeconds);

  const { engine, detector } = await timed(timings, 'setup', async () => ({
    engine: deps.engine ?? (await getEngine({ requested: options.engine, config })),
    detector: fixedFace ? null : await getDetector(config.faceDetector),
  }));
  progress.setEnhancer(engine.enhancer);
  const synthesizer = engine.startClip({ fps: geometry.fps, width: geometry.width, height: geometry.height, facePads: config.facePads, fixedBox, timings });

  // Enough buffers for the frames in flight: two engine batches, the key-frame gap, the tracker's look-ahead, read-ahead.
  const inFlightFrames = 2 * engine.batchSize + config.detectEvery + config.smoothingFrames + 4;
  const pool = new FramePool(yuvFrameBytes(geometry.width, geometry.height), inFlightFrames);
  const source = await openTemplateSource({
    pool,
    ffmpeg: bins.ffmpeg,
    geometry,
    stallTimeoutMs,
    signal,
    purpose: `decode ${templateLabel}`,
    file: input.templatePath,
    label: templateLabel,
    isStillImage: templateInfo.isStillImage,
    templateSeconds: templateInfo.durationSeconds,
    maxTemplateSeconds: config.limits.maxTemplateSeconds,
    outputFrames,
    loopMode: options.loopMode ?? config.loopMode,
    tempDir: config.tempDir,
  });

  const partialPath = path.join(
    path.dirname(input.outputPath),
    `.${path.basename(input.outputPath)}.${randomBytes(4).toString('hex')}.partial.mp4`,
  );
  const encoder = new ClipEncoder({
    ffmpeg: bins.ffmpeg,
    geometry,
    audioFile: input.audioPath,
    audioSeconds,
    audioSampleRate: audioInfo.audio.sampleRate,
    audioChannels: audioInfo.audio.channels,
    outputFile: partialPath,
    preset: config.encodePreset,
    crf: config.encodeCrf,
    stallTimeoutMs,
    signal,
  });

  let framesWritten = 0;
  let framesWithFace = 0;
  // Pulled by hand (to time the decode); return() in `finally` stops the decoder when we leave early.
  const frames = source.frames();
  // The batch being lip-synced and encoded while the loop decodes the next (see processBatch below).
  let inFlight: Promise<void> = Promise.resolve();
  try {
    progress.setStage('render', outputFrames);
    const tracker = new FaceTracker({ smoothingFrames: config.smoothingFrames, frameWidth: geometry.width, frameHeight: geometry.height });
    // Detections of a template frame are reused when loops show it again.
    const detectionCache = source.repeatsFrames ? new Map<number, FaceDetection[]>() : undefined;
    const awaitingTrack: PendingFrame[] = [];
    let ready: Array<PendingFrame & { face: FaceDetection | null }> = [];

    // One batch is lip-synced and encoded while the next is decoded and its faces detected, so the CPU work of
    // one stage overlaps the inference of the other (on a GPU host the CPU is otherwise idle during inference).
    // Order is kept by awaiting the previous batch before starting the next: at most two batches are in memory.
    const processBatch = async (batch: typeof ready) => {
      const cuts: CutArea[] = [];
      for (const frame of batch) {
        if (!frame.face) continue;
        framesWithFace++;
        const cut = cutWorkArea(synthesizer, frame.image, frame.face, frame.index, melWindow(mel, frame.index, geometry.fps));
        if (cut) cuts.push(cut);
      }
      if (cuts.length > 0) {
        await timed(timings, 'engine', async () => {
          await synthesizer.synthesize(cuts.map((c) => c.engineFrame), signal);
          cuts.forEach(pasteWorkArea);
        });
      }
      for (const frame of batch) {
        await timed(timings, 'encode', () => encoder.write(frame.image.data));
        pool.release(frame.image.data);
        framesWritten++;
        progress.frameDone();
      }
    };
    const flushReady = async () => {
      const batch = ready;
      ready = [];
      await inFlight;
      inFlight = processBatch(batch);
      // Surfaced by the next await of inFlight; never an unhandled rejection in between.
      inFlight.catch(() => undefined);
    };
    const accept = async (faces: ReadonlyArray<FaceDetection | null>) => {
      for (const face of faces) {
        const frame = awaitingTrack.shift()!;
        ready.push({ ...frame, face });
        if (ready.length >= engine.batchSize) await flushReady();
      }
    };

    // The detector runs on key frames (every FACE_DETECT_EVERY-th) near where the face was; the frames between get
    // interpolated faces, or their own detection after a jump (see KeyframeDetection).
    const keyframes = new KeyframeDetection<SourceFrame>(
      (frame, near) => timed(timings, 'detect', () => detector!.detectNear(frame.image, near)),
      config.detectEvery,
    );
    const track = async (settled: Array<DetectedFrame<SourceFrame>>) => {
      for (const { index, image: frame, detections } of settled) {
        detectionCache?.set(frame.templateIndex, detections);
        awaitingTrack.push({ index, image: frame.image });
        await accept(tracker.push(index, detections));
      }
    };
    for (let index = 0; ; index++) {
      const next = await timed(timings, 'decode', () => frames.next());
      if (next.done) break;
      if (fixedFace) {
        awaitingTrack.push({ index, image: next.value.image });
        await accept([fixedFace]);
        continue;
      }
      await track(await keyframes.push(index, next.value, detectionCache?.get(next.value.templateIndex)));
    }
    await track(await keyframes.flush());
    await accept(tracker.flush());
    await flushReady();
    await inFlight;

    if (framesWithFace === 0) {
      throw new InputError('no-face', `I couldn't find a face in ${templateLabel}. Use a video or photo where one face is clearly visible.`, {
        params: { label: templateLabel },
      });
    }
    progress.setStage('finalize');
    await timed(timings, 'finalize', () => encoder.finish());
    await rename(partialPath, input.outputPath);
  } catch (err) {
    await encoder.abort();
    // The batch in flight fails fast once the encoder is gone; let it finish before cleaning up.
    await inFlight.catch(() => undefined);
    await rm(partialPath, { force: true });
    // Cancelling kills ffmpeg, which surfaces first as a broken pipe: report what really happened.
    if (signal?.aborted) throw new CancelledError();
    throw err;
  } finally {
    await frames.return(undefined).catch(() => undefined);
    await source.close();
  }

  const facelessFrames = framesWritten - framesWithFace;
  if (facelessFrames > 0) {
    logger().warn({ template: templateLabel, facelessFrames, frames: framesWritten }, `${facelessFrames} of ${framesWritten} frames had no face and were passed through unchanged`);
  }
  return {
    outputPath: input.outputPath,
    frames: framesWritten,
    framesWithFace,
    fps: geometry.fps,
    width: geometry.width,
    height: geometry.height,
    durationSeconds: audioSeconds,
    engine: engine.name,
    preview: engine.preview,
    seconds: (Date.now() - startedAt) / 1000,
  };
}
