import type { Locale } from '../i18n/locale.js';
import { parseEnv } from './env.js';
import { envSchema, type BlendMode, type EngineName, type LoopMode } from './schema.js';

export type { BlendMode, EngineName, LoopMode };
export { blendModes, loopModes, engineNames } from './schema.js';

export interface MediaLimits {
  maxAudioSeconds: number;
  maxTemplateSeconds: number;
  maxDimension: number;
  maxFileBytes: number;
}

/**
 * The longest audio a user may send: the smaller of the queue's cap (QUEUE_MAX_AUDIO_SECONDS) and the pipeline's
 * (MAX_AUDIO_SECONDS). The chats and the studio check uploads against it.
 */
export function acceptedAudioSeconds(queueLimits: { maxAudioSeconds: number }, media: Pick<MediaLimits, 'maxAudioSeconds'>): number {
  return Math.min(queueLimits.maxAudioSeconds, media.maxAudioSeconds);
}

export interface FacePads {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** A face-restoration model run on the generated face before it is pasted (LIPSYNC_ENHANCER). */
export interface EnhancerConfig {
  modelPath: string;
  /** ENHANCER_BLEND: 0 keeps the generated face, 1 takes the restored one. */
  blend: number;
  /** CODEFORMER_FIDELITY: CodeFormer's `w` (0 = strongest restoration, 1 = closest to the input). */
  fidelity: number;
}

export interface PipelineConfig {
  ffmpegPath?: string;
  ffprobePath?: string;
  probeTimeoutMs: number;
  ffmpegStallTimeoutMs: number;
  engine: 'auto' | EngineName;
  modelPath: string;
  device: 'cpu' | 'cuda';
  batchSize: number;
  threads: number;
  modelColorOrder: 'bgr' | 'rgb';
  /** Where the Wav2Lip engine pastes the generated face: around the mouth and jaw, or the whole lower box. */
  blendMode: BlendMode;
  /** Absent unless LIPSYNC_ENHANCER is set. */
  enhancer?: EnhancerConfig;
  faceDetector: 'auto' | 'short' | 'full';
  facePads: FacePads;
  smoothingFrames: number;
  /** Run the face detector on every Nth frame while a face is being followed; frames between reuse its result. */
  detectEvery: number;
  loopMode: LoopMode;
  maxRenderHeight: number;
  encodePreset: string;
  encodeCrf: number;
  /** Scratch space for partial outputs and looped templates; the OS temp dir when unset. */
  tempDir?: string;
  limits: MediaLimits;
}

export interface AppConfig {
  logLevel: string;
  logFormat: 'auto' | 'json' | 'pretty';
  /** DEFAULT_LOCALE: the language when a user's platform says none (src/i18n). */
  defaultLocale: Locale;
  pipeline: PipelineConfig;
}

/** Reads and validates the environment once; every problem is reported together, naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const e = parseEnv(envSchema, env, 'configuration', '.env.example');
  return {
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    defaultLocale: e.DEFAULT_LOCALE,
    pipeline: {
      ffmpegPath: e.FFMPEG_PATH,
      ffprobePath: e.FFPROBE_PATH,
      probeTimeoutMs: e.PROBE_TIMEOUT_SECONDS * 1000,
      ffmpegStallTimeoutMs: e.FFMPEG_STALL_TIMEOUT_SECONDS * 1000,
      engine: e.LIPSYNC_ENGINE,
      modelPath: e.LIPSYNC_MODEL,
      device: e.LIPSYNC_DEVICE,
      batchSize: e.LIPSYNC_BATCH_SIZE ?? (e.LIPSYNC_DEVICE === 'cuda' ? 64 : 8),
      threads: e.LIPSYNC_THREADS,
      modelColorOrder: e.LIPSYNC_MODEL_COLOR,
      blendMode: e.BLEND_MODE,
      ...(e.LIPSYNC_ENHANCER ? { enhancer: { modelPath: e.LIPSYNC_ENHANCER, blend: e.ENHANCER_BLEND, fidelity: e.CODEFORMER_FIDELITY } } : {}),
      faceDetector: e.FACE_DETECTOR,
      facePads: e.FACE_PADS,
      smoothingFrames: e.FACE_SMOOTHING_FRAMES,
      detectEvery: e.FACE_DETECT_EVERY,
      loopMode: e.LOOP_MODE,
      maxRenderHeight: e.MAX_RENDER_HEIGHT,
      encodePreset: e.ENCODE_PRESET,
      encodeCrf: e.ENCODE_CRF,
      tempDir: e.TEMP_DIR,
      limits: {
        maxAudioSeconds: e.MAX_AUDIO_SECONDS,
        maxTemplateSeconds: e.MAX_TEMPLATE_SECONDS,
        maxDimension: e.MAX_DIMENSION,
        maxFileBytes: Math.round(e.MAX_FILE_MB * 1024 * 1024),
      },
    },
  };
}

/** Exposed for tests and tools that need to list the settings. */
export const settingNames = Object.keys(envSchema.shape);
