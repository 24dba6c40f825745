import { InputError } from '../errors.js';
import type { QueueLimits } from '../config/queue.js';

/** Per-batch checks that need no Redis. The messages are written for chat users. */
export function checkBatchLimits(limits: QueueLimits, clipCount: number, audioSeconds: number, exempt: boolean): void {
  if (clipCount === 0) {
    throw new InputError('no-templates', 'Send at least one face video or photo to lip-sync.');
  }
  if (!exempt && clipCount > limits.maxClipsPerBatch) {
    throw new InputError(
      'too-many-clips',
      `That is ${clipCount} videos; one batch can have at most ${limits.maxClipsPerBatch}. Split them into smaller batches.`,
      { params: { clips: clipCount, max: limits.maxClipsPerBatch } },
    );
  }
  if (audioSeconds > limits.maxAudioSeconds) {
    throw new InputError(
      'audio-too-long',
      `The audio is ${formatSeconds(audioSeconds)} long; the limit is ${formatSeconds(limits.maxAudioSeconds)}. Trim it and send it again.`,
      { params: { seconds: audioSeconds, maxSeconds: limits.maxAudioSeconds } },
    );
  }
}

export function queueFullError(pending: number, adding: number, max: number): InputError {
  const room = Math.max(0, max - pending);
  const hint = room > 0 ? ` You can add ${room} more right now.` : ' Wait for some to finish, or cancel a batch.';
  return new InputError(
    'queue-full',
    `You already have ${pending} clip${pending === 1 ? '' : 's'} waiting and this batch adds ${adding}; the limit is ${max}.${hint}`,
    { params: { pending, adding, max } },
  );
}

export function formatSeconds(s: number): string {
  const total = Math.round(s);
  const m = Math.floor(total / 60);
  const sec = total % 60;
  return m > 0 ? `${m}:${String(sec).padStart(2, '0')} min` : `${sec} s`;
}
