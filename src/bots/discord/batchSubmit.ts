import { isInputError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { LoopMode } from '../../config/schema.js';
import { replyToOf, type QueuePort } from '../core/batches.js';
import { viewFromSubmit } from '../core/batchView.js';
import type { ConversationCore } from '../core/conversation.js';
import type { ChatContext } from '../core/incoming.js';
import type { ChatPlatform, ChatAddress } from '../core/platform.js';
import { renderProgress } from '../core/progressText.js';
import type { AudioInput } from '../core/session.js';
import { sessionKey } from '../core/sessions.js';
import type { TrackingStore } from '../core/tracking.js';
import { words } from '../core/wording.js';

export interface PreparedBatch {
  audio: AudioInput;
  templates: { path: string; label: string }[];
  loopMode?: LoopMode;
}

export interface SubmitDeps {
  core: ConversationCore;
  platform: ChatPlatform;
  queue: QueuePort;
  tracking: TrackingStore;
  log: Logger;
}

export type SubmitOutcome = { ok: true; batchId: string } | { ok: false; message: string };

/**
 * Queues a batch whose files were already checked (a /lipsync with attachments): posts the status message in
 * `where` with the bot token, submits, and hands the batch to the core's registry, which edits that message and
 * delivers the clips. Mirrors the core's Render step without going through a session (see
 * docs/discord-core-patch.md).
 */
export async function submitPrepared(deps: SubmitDeps, ctx: ChatContext, where: ChatAddress, batch: PreparedBatch, historyKeys: readonly ChatAddress[]): Promise<SubmitOutcome> {
  const { platform, queue, tracking, core, log } = deps;
  const provisional = viewFromSubmit(
    {
      batchId: '',
      clips: batch.templates.map((t, i) => ({ clipId: String(i), template: t.label, status: 'queued', position: null, etaSeconds: null, cached: false })),
    },
    batch.audio.label,
  );
  const prefix = words.greetingPrefix(ctx.userName, ctx.isGroup);
  const ref = await platform.sendText(where, { text: prefix + renderProgress(provisional, platform.limits.maxTextLength - prefix.length) });
  let result;
  try {
    result = await queue.submitBatch({
      owner: { platform: platform.name, userId: ctx.userId, chatId: where.chatId },
      audio: { path: batch.audio.path, label: batch.audio.label },
      videos: batch.templates,
      audioSeconds: batch.audio.seconds,
      ...(batch.loopMode ? { options: { loopMode: batch.loopMode } } : {}),
      replyTo: replyToOf(platform.name, ref, ctx.userId, prefix),
    });
  } catch (err) {
    if (!isInputError(err)) log.error({ err }, 'submit failed');
    const message = isInputError(err) ? err.message : words.submitFailed;
    await platform.editText(ref, { text: prefix + message, keyboard: [] }).catch(() => undefined);
    return { ok: false, message };
  }
  const keys = new Set(historyKeys.map((a) => sessionKey(platform.name, a.chatId, a.threadId, ctx.userId)));
  for (const key of keys) await tracking.addHistory(key, result.batchId);
  await core.batches.add(viewFromSubmit(result, batch.audio.label), ref, ctx.userId, prefix);
  return { ok: true, batchId: result.batchId };
}
