import { z } from 'zod';

import { locales, matchLocale } from '../i18n/locale.js';
import { optionalString as optionalPath, positiveInt, positiveNumber as seconds } from './env.js';

export const loopModes = ['pingpong', 'loop', 'freeze'] as const;
export type LoopMode = (typeof loopModes)[number];

export const engineNames = ['wav2lip', 'builtin'] as const;
export type EngineName = (typeof engineNames)[number];

/** How the generated face is blended back: `mouth` around the mouth and jaw only, `box` the whole lower crop (Wav2Lip). */
export const blendModes = ['mouth', 'box'] as const;
export type BlendMode = (typeof blendModes)[number];

/** DEFAULT_LOCALE: en | zh-CN; other Chinese tags (zh, zh-Hans…) read as zh-CN. Shared by the web settings. */
export const defaultLocaleSetting = z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? (matchLocale(v) ?? v) : undefined), z.enum(locales).default('en'));

/** Every setting the service reads from the environment. Documented one by one in .env.example. */
export const envSchema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  /** Language of users whose platform says none, of the operator CLI and of old batches: en | zh-CN (zh, zh-Hans… read as zh-CN). */
  DEFAULT_LOCALE: defaultLocaleSetting,
  LOG_FILE: optionalPath,
  LOG_FILE_MAX_MB: z.coerce.number().min(0).default(0),
  LOG_FILE_KEEP: z.coerce.number().int().min(0).max(100).default(5),

  FFMPEG_PATH: optionalPath,
  FFPROBE_PATH: optionalPath,
  PROBE_TIMEOUT_SECONDS: seconds.default(30),
  FFMPEG_STALL_TIMEOUT_SECONDS: seconds.default(120),

  LIPSYNC_ENGINE: z
    .enum(['auto', ...engineNames])
    .default('auto'),
  LIPSYNC_MODEL: z.string().trim().min(1).default('models/wav2lip_gan.onnx'),
  LIPSYNC_DEVICE: z.enum(['cpu', 'cuda']).default('cpu'),
  LIPSYNC_BATCH_SIZE: positiveInt.optional(),
  LIPSYNC_THREADS: z.coerce.number().int().min(0).default(0),
  LIPSYNC_MODEL_COLOR: z.enum(['bgr', 'rgb']).default('bgr'),
  BLEND_MODE: z.enum(blendModes).default('mouth'),
  LIPSYNC_ENHANCER: optionalPath,
  ENHANCER_BLEND: z.coerce.number().min(0).max(1).default(1),
  CODEFORMER_FIDELITY: z.coerce.number().min(0).max(1).default(0.7),

  FACE_DETECTOR: z.enum(['auto', 'short', 'full']).default('auto'),
  FACE_PADS: z
    .string()
    .default('0,10,0,0')
    .transform((v, ctx) => {
      const parts = v.split(',').map((p) => Number(p.trim()));
      if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n))) {
        ctx.addIssue({ code: 'custom', message: 'expected four integers "top,bottom,left,right", e.g. 0,10,0,0' });
        return z.NEVER;
      }
      const [top, bottom, left, right] = parts as [number, number, number, number];
      return { top, bottom, left, right };
    }),
  FACE_SMOOTHING_FRAMES: z.coerce.number().int().min(1).max(31).default(5),
  FACE_DETECT_EVERY: z.coerce.number().int().min(1).max(10).default(3),

  LOOP_MODE: z.enum(loopModes).default('pingpong'),
  MAX_RENDER_HEIGHT: positiveInt.default(1080),
  ENCODE_PRESET: z
    .enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'])
    .default('veryfast'),
  ENCODE_CRF: z.coerce.number().int().min(0).max(51).default(18),
  TEMP_DIR: optionalPath,

  MAX_AUDIO_SECONDS: seconds.default(600),
  MAX_TEMPLATE_SECONDS: seconds.default(300),
  MAX_DIMENSION: positiveInt.default(4096),
  MAX_FILE_MB: seconds.default(500),
});

export type Env = z.infer<typeof envSchema>;
