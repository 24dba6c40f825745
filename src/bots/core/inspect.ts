import type { MediaLimits } from '../../config/index.js';
import { probeAudioInput, probeTemplateInput } from '../../pipeline/media/validate.js';

/** Checks a downloaded file before it is queued; failures are InputErrors whose message is written for the user. */
export interface MediaInspector {
  audio(file: string, label: string): Promise<{ seconds: number }>;
  template(file: string, label: string): Promise<{ seconds: number | null }>;
}

export interface ProbeInspectorOptions {
  ffprobe: string;
  timeoutMs: number;
  limits: MediaLimits;
}

/** The pipeline's own probe and limits, so what the bot accepts is what the worker can render. */
export function probeInspector(o: ProbeInspectorOptions): MediaInspector {
  const opts = { ffprobe: o.ffprobe, timeoutMs: o.timeoutMs };
  return {
    async audio(file, label) {
      const info = await probeAudioInput(file, label, o.limits, opts);
      return { seconds: info.durationSeconds };
    },
    async template(file, label) {
      const info = await probeTemplateInput(file, label, o.limits, opts);
      return { seconds: info.isStillImage ? null : info.durationSeconds };
    },
  };
}
