import { link, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { LoopMode } from '../../config/index.js';
import { InputError } from '../../errors.js';
import { DECODED_LENGTH_SLACK_SECONDS, decodedTemplateTooLong } from '../media/validate.js';
import { decodeSpilledRange, decodeTemplate, spillFrameName, spillTemplate, type DecodeOptions } from '../media/decodeVideo.js';
import { frameBuffer } from '../media/rawFrames.js';
import { createYuvImage, type YuvImage } from '../media/yuvImage.js';
import { planRuns } from './lengthPolicy.js';

export interface SourceFrame {
  /** Which template frame this is; equal indices mean equal pictures (used to reuse face detections). */
  templateIndex: number;
  image: YuvImage;
}

export interface TemplateSourceOptions extends DecodeOptions {
  file: string;
  label: string;
  isStillImage: boolean;
  /** Template duration from probing; null for stills. */
  templateSeconds: number | null;
  /** The template cap (MAX_TEMPLATE_SECONDS): a spill stops there, and a template that decodes longer is refused. */
  maxTemplateSeconds: number;
  outputFrames: number;
  loopMode: LoopMode;
  /** Where spilled sequences (and the decoder's frame socket) go (default: the OS temp dir). */
  tempDir?: string;
}

export interface TemplateSource {
  /**
   * The output's frames in order. Each yielded image belongs to the consumer (the source keeps no reference), so its
   * buffer may go back to `options.pool` once the frame is encoded.
   */
  frames(): AsyncGenerator<SourceFrame>;
  /** True when template frames repeat in the output (looping or still image). */
  readonly repeatsFrames: boolean;
  /** Removes temporary files. Safe to call more than once. */
  close(): Promise<void>;
}

function noFramesError(label: string): InputError {
  return new InputError('no-frames', `${label} has no video frames I could decode (the file may be damaged or incomplete).`, { params: { label } });
}

/**
 * Chooses how to read a template for an output of `outputFrames` frames without ever holding it all in memory:
 * - still picture: decode once, repeat;
 * - long enough (or freeze): stream straight from the upload, holding the last frame if it runs short;
 * - shorter and looping: spill the normalised frames to a temp JPEG sequence once, then read runs from it; for
 *   ping-pong a second sequence of hard links in reverse order lets backward runs stream forward too.
 */
export async function openTemplateSource(sourceOptions: TemplateSourceOptions): Promise<TemplateSource> {
  const options = { socketDir: sourceOptions.tempDir, ...sourceOptions };
  const { width, height, fps } = options.geometry;
  const asImage = (data: Uint8Array): YuvImage => createYuvImage(width, height, data);
  const copyOf = (image: YuvImage): YuvImage => {
    const data = frameBuffer(image.data.length, options.pool);
    data.set(image.data);
    return asImage(data);
  };

  if (options.isStillImage) {
    return {
      repeatsFrames: true,
      close: async () => undefined,
      async *frames() {
        let still: YuvImage | undefined;
        for await (const data of decodeTemplate(options.file, 1, options)) still = asImage(data);
        if (!still) throw noFramesError(options.label);
        yield* repeated(still, 0, options.outputFrames, copyOf);
      },
    };
  }

  const expectedFrames = Math.floor((options.templateSeconds ?? 0) * fps);
  if (options.loopMode === 'freeze' || expectedFrames >= options.outputFrames) {
    return {
      repeatsFrames: false,
      close: async () => undefined,
      async *frames() {
        // One frame behind the decoder: the last one stays ours, to be held when the template runs short.
        let last: YuvImage | undefined;
        let count = 0;
        for await (const data of decodeTemplate(options.file, options.outputFrames, options)) {
          if (last) yield { templateIndex: count - 1, image: last };
          last = asImage(data);
          count++;
        }
        if (!last) throw noFramesError(options.label);
        yield* repeated(last, count - 1, options.outputFrames - count + 1, copyOf);
      },
    };
  }

  return openSpilledSource(options, asImage, copyOf);
}

/** `image` `count` times: copies first, then the image itself (which passes to the consumer like every frame). */
function* repeated(image: YuvImage, templateIndex: number, count: number, copyOf: (image: YuvImage) => YuvImage): Generator<SourceFrame> {
  for (let k = 0; k < count - 1; k++) yield { templateIndex, image: copyOf(image) };
  if (count > 0) yield { templateIndex, image };
}

async function openSpilledSource(
  options: TemplateSourceOptions,
  asImage: (data: Uint8Array) => YuvImage,
  copyOf: (image: YuvImage) => YuvImage,
): Promise<TemplateSource> {
  // The pid in the name lets the worker's temp sweep remove it if this process is killed (src/queue/tempSweep.ts).
  const dir = await mkdtemp(path.join(options.tempDir ?? os.tmpdir(), `lipsync-spill-${process.pid}-`));
  const close = () => rm(dir, { recursive: true, force: true });
  // The header's length decided that this template needs looping; the frames themselves decide how long it is.
  const capFrames = Math.floor((options.maxTemplateSeconds + DECODED_LENGTH_SLACK_SECONDS) * options.geometry.fps);
  try {
    await spillTemplate(options.file, dir, { ...options, purpose: `read ${options.label}`, maxFrames: capFrames + 1 });
  } catch (err) {
    await close();
    throw err;
  }
  const templateFrames = (await readdir(dir)).filter((f) => f.endsWith('.jpg')).length;
  if (templateFrames === 0 || templateFrames > capFrames) {
    await close();
    throw templateFrames === 0 ? noFramesError(options.label) : decodedTemplateTooLong(options.label, options.maxTemplateSeconds);
  }
  // Backward runs read a mirror sequence (hard links, no copies): mirror frame k is template frame N-1-k.
  const mirror = path.join(dir, 'reversed');
  if (options.loopMode === 'pingpong') {
    try {
      await mkdir(mirror);
      for (let k = 0; k < templateFrames; k++) {
        await link(path.join(dir, spillFrameName(templateFrames - 1 - k)), path.join(mirror, spillFrameName(k)));
      }
    } catch (err) {
      await close();
      throw err;
    }
  }
  const read = (from: string, start: number, count: number) =>
    decodeSpilledRange(from, start, count, { ...options, purpose: `read ${options.label}` });

  return {
    repeatsFrames: true,
    close,
    async *frames() {
      for (const run of planRuns(options.outputFrames, templateFrames, options.loopMode)) {
        if (run.step === 0) {
          let held: YuvImage | undefined;
          for await (const data of read(dir, run.from, 1)) held = asImage(data);
          if (!held) throw noFramesError(options.label);
          yield* repeated(held, run.from, run.length, copyOf);
          continue;
        }
        const backward = run.step === -1;
        const start = backward ? templateFrames - 1 - run.from : run.from;
        let k = 0;
        for await (const data of read(backward ? mirror : dir, start, run.length)) {
          yield { templateIndex: run.from + run.step * k++, image: asImage(data) };
        }
      }
    },
  };
}
