import { ChannelType, Routes, ThreadAutoArchiveDuration, type REST } from 'discord.js';
import { headUtf16 } from '../../format.js';
import type { Logger } from '../../log.js';
import type { ChatAddress } from '../core/platform.js';

export interface ThreadPlace {
  /** Channel the command was used in. */
  channelId: string;
  /** True when that channel is itself a thread (it is then used as is). */
  inThread: boolean;
  /** Parent of that thread. */
  parentId: string | null;
  /** DMs have no threads. */
  inGuild: boolean;
}

/**
 * Where a batch lives: the current thread, else a new thread started from the command's reply, else (threads
 * not allowed, DMs, missing permission) the channel itself.
 */
export async function openBatchThread(rest: REST, place: ThreadPlace, starterMessageId: string | null, name: string, log: Logger): Promise<ChatAddress & { created: boolean }> {
  if (place.inThread && place.parentId) return { chatId: place.parentId, threadId: place.channelId, created: false };
  if (!place.inGuild) return { chatId: place.channelId, created: false };
  try {
    const body = { name: headUtf16(name, 100), auto_archive_duration: ThreadAutoArchiveDuration.OneDay };
    const thread = (await (starterMessageId
      ? rest.post(Routes.threads(place.channelId, starterMessageId), { body })
      : rest.post(Routes.threads(place.channelId), { body: { ...body, type: ChannelType.PublicThread } }))) as { id: string };
    return { chatId: place.channelId, threadId: thread.id, created: true };
  } catch (err) {
    log.info({ err: err instanceof Error ? err.message : String(err), channelId: place.channelId }, 'cannot open a thread here; using the channel');
    return { chatId: place.channelId, created: false };
  }
}
