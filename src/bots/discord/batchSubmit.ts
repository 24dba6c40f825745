import type { Logger } from '../../log.js';
import type { LoopMode } from '../../config/schema.js';
import type { QueuePort } from '../core/batches.js';
import type { ConversationCore } from '../core/conversation.js';
import type { ChatContext } from '../core/incoming.js';
import type { ChatPlatform, ChatAddress } from '../core/platform.js';
import type { AudioInput } from '../core/session.js';
import { sessionKey } from '../core/sessions.js';
import { submitFiles } from '../core/submit.js';
import type { TrackingStore } from '../core/tracking.js';
import { wordsFor } from '../core/wording.js';

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
 * Queues a batch whose files were already checked (a /lipsync with attachments): the core's Render step, with the
 * status message posted in `where` (the batch's thread) with the bot token, then handed to the core's registry,
 * which edits that message and delivers the clips.
 */
export async function submitPrepared(deps: SubmitDeps, ctx: ChatContext, where: ChatAddress, batch: PreparedBatch, historyKeys: readonly ChatAddress[]): Promise<SubmitOutcome> {
  const { platform, queue, tracking, core, log } = deps;
  const prefix = wordsFor(ctx.locale ?? core.defaultLocale).greetingPrefix(ctx.userName, ctx.isGroup);
  const outcome = await submitFiles(
    { platform, queue, log },
    { ...ctx, locale: ctx.locale ?? core.defaultLocale },
    where.chatId,
    { audio: batch.audio, templates: batch.templates, ...(batch.loopMode ? { options: { loopMode: batch.loopMode } } : {}) },
    (text) => platform.sendText(where, { text: prefix + text }),
  );
  if (!outcome.ok) {
    await platform.editText(outcome.ref, { text: prefix + outcome.message, keyboard: [] }).catch(() => undefined);
    return { ok: false, message: outcome.message };
  }
  const keys = new Set(historyKeys.map((a) => sessionKey(platform.name, a.chatId, a.threadId, ctx.userId)));
  for (const key of keys) await tracking.addHistory(key, outcome.batchId);
  await core.batches.add(outcome.view, outcome.ref, ctx.userId, outcome.prefix, ctx.locale ?? core.defaultLocale);
  return { ok: true, batchId: outcome.batchId };
}
