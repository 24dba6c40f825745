import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { MessageFlags, type Attachment, type ChatInputCommandInteraction, type REST } from 'discord.js';
import { loopModes, type LoopMode } from '../../config/schema.js';
import type { Logger } from '../../log.js';
import type { ConversationCore, CoreLimits } from '../core/conversation.js';
import type { MediaInspector } from '../core/inspect.js';
import { admissionFor, receiveFiles } from '../core/intake.js';
import type { ChatPlatform } from '../core/platform.js';
import type { TrackingStore } from '../core/tracking.js';
import { wordsFor } from '../core/wording.js';
import type { QueuePort } from '../core/batches.js';
import { submitPrepared } from './batchSubmit.js';
import { videoOptionNames } from './commands.js';
import { contextOfInteraction, localeOfInteraction } from './context.js';
import { toIncomingFile, type DiscordAttachment } from './files.js';
import { noMentions, plainText } from './markdown.js';
import { openBatchThread, type ThreadPlace } from './threads.js';
import type { UploadLimits } from './uploadLimits.js';
import { discordWordsFor } from './wording.js';

export interface SlashDeps {
  rest: REST;
  core: ConversationCore;
  platform: ChatPlatform;
  queue: QueuePort;
  tracking: TrackingStore;
  inspector: MediaInspector;
  uploads: UploadLimits;
  limits: CoreLimits;
  tempDir: string;
  conversation: boolean;
  /** Channels (threads) where messages with files feed the sender's session. */
  conversations: Set<string>;
  log: Logger;
}

export function attachmentOf(a: Attachment): DiscordAttachment {
  return { name: a.name, url: a.url, size: a.size, contentType: a.contentType, duration: a.duration };
}

function placeOf(i: ChatInputCommandInteraction): ThreadPlace {
  const ch = i.channel;
  const inThread = ch?.isThread() ?? false;
  return { channelId: i.channelId, inThread, parentId: inThread && ch?.isThread() ? ch.parentId : null, inGuild: i.inGuild() };
}

/** Ephemeral follow-up; the public "thinking…" reply goes away so nothing is left half-started in the channel. */
async function refuse(i: ChatInputCommandInteraction, text: string): Promise<void> {
  await i.followUp({ content: plainText(text), flags: MessageFlags.Ephemeral, allowedMentions: noMentions });
  await i.deleteReply().catch(() => undefined);
}

/**
 * `/lipsync`: with attachments, checks every file (type, size, duration) before anything is queued, opens a thread
 * from the reply and queues the batch; without attachments, opens a thread for conversational mode.
 */
export async function handleLipsync(deps: SlashDeps, i: ChatInputCommandInteraction): Promise<void> {
  const audio = i.options.getAttachment('audio');
  const videos = videoOptionNames(deps.limits.maxClips)
    .map((n) => i.options.getAttachment(n))
    .filter((a): a is Attachment => a !== null);
  const loopRaw = i.options.getString('loop');
  const loopMode = loopModes.find((m) => m === loopRaw) as LoopMode | undefined;
  deps.uploads.set(i.channelId, i.attachmentSizeLimit);
  const { locale } = localeOfInteraction(i);
  const words = wordsFor(locale ?? deps.core.defaultLocale);
  const discordWords = discordWordsFor(locale ?? deps.core.defaultLocale);

  if (!audio && videos.length === 0) {
    if (!deps.conversation) return void (await i.reply({ content: discordWords.conversationDisabled, flags: MessageFlags.Ephemeral }));
    return startConversation(deps, i);
  }
  const slowDown = deps.core.checkRate(contextOfInteraction(i));
  if (slowDown) return void (await i.reply({ content: slowDown, flags: MessageFlags.Ephemeral }));
  await i.deferReply();
  if (!audio || videos.length === 0) return refuse(i, words.missingForRender(audio !== null, videos.length));

  // The pid lets the next start sweep what a killed bot left behind (queue/tempSweep.ts botTempPatterns).
  const dir = await mkdtemp(path.join(deps.tempDir, `slash-${process.pid}-`));
  try {
    const admission = admissionFor(deps.queue, { platform: deps.platform.name, userId: i.user.id });
    const intake = { platformLimits: deps.platform.limits, limits: deps.limits, inspector: deps.inspector, log: deps.log, admission, locale: locale ?? deps.core.defaultLocale };
    const gotAudio = await receiveFiles(intake, dir, [toIncomingFile(attachmentOf(audio))], true, 1);
    const gotVideos = await receiveFiles(intake, dir, videos.map((v) => toIncomingFile(attachmentOf(v))), false, 1);
    const refusals = [...gotAudio.refusals, ...gotVideos.refusals];
    // The refusal is ephemeral: only this user reads it, so it may carry their personal studio link.
    const studioOffer = gotAudio.tooLarge || gotVideos.tooLarge ? deps.core.studioOffer({ ...contextOfInteraction(i), isGroup: false }) : null;
    if (studioOffer) refusals.push(studioOffer);
    if (gotAudio.templates.length > 0) refusals.push(words.missingForRender(false, videos.length));
    if (refusals.length > 0 || !gotAudio.audio || gotVideos.templates.length === 0) {
      const text = refusals.length > 0 ? [discordWords.refused, ...refusals].join('\n') : words.missingForRender(gotAudio.audio !== null, 0);
      return await refuse(i, text);
    }
    const ctx = contextOfInteraction(i);
    const place = placeOf(i);
    const reply = await i.editReply({ content: plainText(discordWords.batchStarter(ctx.userName, gotVideos.templates.length)), allowedMentions: noMentions });
    const where = await openBatchThread(deps.rest, place, reply.id, discordWords.batchThreadName(ctx.userName), deps.log);
    if (where.threadId) deps.uploads.set(where.threadId, i.attachmentSizeLimit);
    if (!where.created && !place.inThread) {
      await i.editReply({ content: plainText(discordWords.batchStarterNoThread(ctx.userName, gotVideos.templates.length)), allowedMentions: noMentions }).catch(() => undefined);
    }
    const target = { chatId: where.chatId, ...(where.threadId ? { threadId: where.threadId } : {}) };
    const outcome = await submitPrepared(
      { core: deps.core, platform: deps.platform, queue: deps.queue, tracking: deps.tracking, log: deps.log },
      ctx,
      target,
      { audio: gotAudio.audio, templates: gotVideos.templates, ...(loopMode ? { loopMode } : {}) },
      [ctx.address, target],
    );
    if (!outcome.ok) await i.followUp({ content: plainText(outcome.message), flags: MessageFlags.Ephemeral, allowedMentions: noMentions }).catch(() => undefined);
  } finally {
    // The queue copied the inputs into its storage.
    await rm(dir, { recursive: true, force: true });
  }
}

/** `/lipsync` without attachments: a thread where the audio and templates are sent as messages. */
async function startConversation(deps: SlashDeps, i: ChatInputCommandInteraction): Promise<void> {
  await i.deferReply();
  const ctx = contextOfInteraction(i);
  const discordWords = discordWordsFor(ctx.locale ?? deps.core.defaultLocale);
  const place = placeOf(i);
  let where;
  if (place.inThread || !place.inGuild) {
    await i.editReply({ content: discordWords.conversationNoThread });
    where = await openBatchThread(deps.rest, place, null, '', deps.log);
  } else {
    const reply = await i.editReply({ content: plainText(discordWords.conversationStarter(ctx.userName)), allowedMentions: noMentions });
    where = await openBatchThread(deps.rest, place, reply.id, discordWords.batchThreadName(ctx.userName), deps.log);
    if (!where.created) await i.editReply({ content: discordWords.conversationNoThread });
  }
  if (where.threadId) deps.uploads.set(where.threadId, i.attachmentSizeLimit);
  const target = { chatId: where.chatId, ...(where.threadId ? { threadId: where.threadId } : {}) };
  deps.conversations.add(where.threadId ?? where.chatId);
  deps.core.rememberLocale(ctx);
  await deps.platform.sendText(target, { text: wordsFor(ctx.locale ?? deps.core.defaultLocale).greetingPrefix(ctx.userName, ctx.isGroup) + deps.core.helpText(ctx) });
}
