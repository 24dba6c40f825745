import { buffer } from 'node:stream/consumers';
import { Routes, type REST, type RESTPostAPIChannelMessageJSONBody } from 'discord.js';
import type { Clock } from '../core/clock.js';
import {
  MessageGoneError,
  UploadTooLargeError,
  type ChatAddress,
  type ChatPlatform,
  type MessageRef,
  type OutgoingMessage,
  type PlatformLimits,
  type VideoUpload,
} from '../core/platform.js';
import { toComponents } from './components.js';
import type { EphemeralScope } from './ephemeral.js';
import { translateError } from './errors.js';
import { noMentions, plainText } from './markdown.js';
import { messageAgeMs } from './messageAge.js';
import type { UploadLimits } from './uploadLimits.js';

export interface DiscordPlatformOptions {
  rest: REST;
  token: string;
  limits: PlatformLimits;
  uploads: UploadLimits;
  ephemeral: EphemeralScope;
  statusMaxAgeMs: number;
  clock: Clock;
}

/** Messages go to the thread when there is one: a thread is a channel of its own on Discord. */
export function channelOf(to: ChatAddress): string {
  return to.threadId ?? to.chatId;
}

/** Plain text must stay plain: no pings, no link embeds. */
const quiet: Pick<RESTPostAPIChannelMessageJSONBody, "allowed_mentions" | "flags"> = { allowed_mentions: noMentions, flags: 1 << 2 /* SUPPRESS_EMBEDS */ };

/**
 * The ChatPlatform port on Discord's REST API, always with the bot token (never an interaction token), so
 * messages can be edited as long as a batch runs. Messages older than `statusMaxAgeMs` are reported gone, so the
 * core posts a fresh status instead of editing one Discord would limit.
 */
export class DiscordPlatform implements ChatPlatform {
  readonly name = 'discord';
  readonly limits: PlatformLimits;

  constructor(private readonly o: DiscordPlatformOptions) {
    this.limits = o.limits;
  }

  async sendText(to: ChatAddress, message: OutgoingMessage, options?: { replyToMessageId?: string }): Promise<MessageRef> {
    const sink = this.o.ephemeral.current();
    if (sink) return sink.send(message);
    const body: RESTPostAPIChannelMessageJSONBody = {
      content: plainText(message.text),
      components: toComponents(message.keyboard),
      ...quiet,
      ...(options?.replyToMessageId ? { message_reference: { message_id: options.replyToMessageId, fail_if_not_exists: false } } : {}),
    };
    try {
      const sent = (await this.o.rest.post(Routes.channelMessages(channelOf(to)), { body })) as { id: string };
      return { chatId: to.chatId, messageId: sent.id, ...(to.threadId ? { threadId: to.threadId } : {}) };
    } catch (err) {
      throw translateError(err, this.o.token);
    }
  }

  async editText(ref: MessageRef, message: OutgoingMessage): Promise<void> {
    if (messageAgeMs(ref.messageId, this.o.clock.now()) > this.o.statusMaxAgeMs) {
      throw new MessageGoneError('status message too old to keep editing');
    }
    try {
      await this.o.rest.patch(Routes.channelMessage(channelOf(ref), ref.messageId), {
        body: { content: plainText(message.text), components: toComponents(message.keyboard ?? []), allowed_mentions: noMentions },
      });
    } catch (err) {
      throw translateError(err, this.o.token);
    }
  }

  async sendVideo(to: ChatAddress, video: VideoUpload): Promise<void> {
    const limit = this.o.uploads.get(channelOf(to));
    if (video.bytes > limit) throw new UploadTooLargeError(`${video.bytes} bytes exceed this channel's ${limit} byte upload limit`);
    try {
      const data = await buffer(await video.open());
      await this.o.rest.post(Routes.channelMessages(channelOf(to)), {
        body: { content: plainText(video.caption), attachments: [{ id: 0, filename: video.fileName }], ...quiet },
        files: [{ name: video.fileName, data, contentType: 'video/mp4' }],
      });
    } catch (err) {
      throw translateError(err, this.o.token);
    }
  }

  async showActivity(to: ChatAddress): Promise<void> {
    try {
      await this.o.rest.post(Routes.channelTyping(channelOf(to)));
    } catch (err) {
      throw translateError(err, this.o.token);
    }
  }
}
