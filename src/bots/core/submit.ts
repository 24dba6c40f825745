import type { RenderClipOptions } from '../../pipeline/render/types.js';
import { isInputError } from '../../errors.js';
import { refusalText } from '../../i18n/index.js';
import type { Logger } from '../../log.js';
import { replyToOf, type QueuePort } from './batches.js';
import { viewFromSubmit, type BatchView } from './batchView.js';
import type { ChatContext } from './incoming.js';
import type { ChatPlatform, MessageRef } from './platform.js';
import { renderProgress } from './progressText.js';
import type { AudioInput } from './session.js';
import { wordsFor } from './wording.js';

export interface FilesToRender {
  audio: AudioInput;
  templates: ReadonlyArray<{ path: string; label: string }>;
  options?: RenderClipOptions;
}

export type SubmitOutcome =
  | { ok: true; batchId: string; view: BatchView; ref: MessageRef; prefix: string }
  | { ok: false; message: string; ref: MessageRef };

export interface SubmitDeps {
  platform: ChatPlatform;
  queue: QueuePort;
  log: Logger;
}

/**
 * The Render step every adapter shares: post a provisional status message (through `post`, so the caller chooses
 * where: a reply in the chat, a Discord thread…), then queue the batch with that message as its reply address.
 * A refusal (limits, bad input) comes back as a message for the user; the caller shows it and, on success, hands
 * `view` and `ref` to the batch registry, which edits the message and delivers the clips.
 */
export async function submitFiles(
  deps: SubmitDeps,
  ctx: ChatContext,
  chatId: string,
  files: FilesToRender,
  post: (statusText: string) => Promise<MessageRef>,
): Promise<SubmitOutcome> {
  const { platform } = deps;
  const words = wordsFor(ctx.locale);
  const prefix = words.greetingPrefix(ctx.userName, ctx.isGroup);
  const provisional = viewFromSubmit(
    {
      batchId: '',
      clips: files.templates.map((t, i) => ({ clipId: String(i), template: t.label, status: 'queued', position: null, etaSeconds: null, cached: false })),
    },
    files.audio.label,
  );
  const ref = await post(renderProgress(provisional, platform.limits.maxTextLength - prefix.length, ctx.locale));
  try {
    const result = await deps.queue.submitBatch({
      owner: { platform: platform.name, userId: ctx.userId, chatId },
      audio: { path: files.audio.path, label: files.audio.label },
      videos: files.templates.map((t) => ({ path: t.path, label: t.label })),
      audioSeconds: files.audio.seconds,
      ...(files.options ? { options: files.options } : {}),
      replyTo: replyToOf(platform.name, ref, ctx.userId, prefix),
      ...(ctx.locale ? { locale: ctx.locale } : {}),
    });
    return { ok: true, batchId: result.batchId, view: viewFromSubmit(result, files.audio.label), ref, prefix };
  } catch (err) {
    if (!isInputError(err)) deps.log.error({ err }, 'submit failed');
    return { ok: false, message: isInputError(err) ? refusalText(ctx.locale, err) : words.submitFailed, ref };
  }
}
