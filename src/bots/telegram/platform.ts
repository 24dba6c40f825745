import type { Telegram } from 'telegraf';
import type { InlineKeyboardMarkup } from 'telegraf/types';
import type { ChatAddress, ChatPlatform, Keyboard, MessageRef, OutgoingMessage, PlatformLimits, VideoUpload } from '../core/platform.js';
import { isNotModified, isUnreachableUser, translateError } from './errors.js';

/** Telegram ids are integers; strings from our own refs go back as numbers. */
export function chatIdOf(address: ChatAddress): number | string {
  return /^-?\d+$/.test(address.chatId) ? Number(address.chatId) : address.chatId;
}

function threadOf(address: ChatAddress): { message_thread_id?: number } {
  return address.threadId ? { message_thread_id: Number(address.threadId) } : {};
}

function markup(keyboard: Keyboard | undefined): InlineKeyboardMarkup | undefined {
  if (keyboard === undefined) return undefined;
  return { inline_keyboard: keyboard.map((row) => row.map((b) => ({ text: b.label, callback_data: b.action }))) };
}

/** The ChatPlatform port on the Bot API: plain text (no parse_mode), inline keyboards, streamable videos. */
export class TelegramPlatform implements ChatPlatform {
  readonly name = 'telegram';

  constructor(
    private readonly telegram: Telegram,
    readonly limits: PlatformLimits,
    private readonly token: string,
  ) {}

  async sendText(to: ChatAddress, message: OutgoingMessage, options?: { replyToMessageId?: string }): Promise<MessageRef> {
    try {
      return await this.send(to, message, options);
    } catch (err) {
      throw translateError(err, this.token);
    }
  }

  /** A user's private chat has their user id; a user who never started the bot (or blocked it) cannot be reached. */
  async sendPrivate(userId: string, message: OutgoingMessage): Promise<MessageRef | null> {
    try {
      return await this.send({ chatId: userId }, message);
    } catch (err) {
      if (isUnreachableUser(err)) return null;
      throw translateError(err, this.token);
    }
  }

  /** sendMessage; failures come as telegraf's errors. */
  private async send(to: ChatAddress, message: OutgoingMessage, options?: { replyToMessageId?: string }): Promise<MessageRef> {
    const sent = await this.telegram.sendMessage(chatIdOf(to), message.text, {
      ...threadOf(to),
      ...(message.keyboard && message.keyboard.length > 0 ? { reply_markup: markup(message.keyboard) } : {}),
      ...(options?.replyToMessageId ? { reply_parameters: { message_id: Number(options.replyToMessageId), allow_sending_without_reply: true } } : {}),
      link_preview_options: { is_disabled: true },
    });
    return { chatId: to.chatId, messageId: String(sent.message_id), ...(to.threadId ? { threadId: to.threadId } : {}) };
  }

  async editText(ref: MessageRef, message: OutgoingMessage): Promise<void> {
    try {
      await this.telegram.editMessageText(chatIdOf(ref), Number(ref.messageId), undefined, message.text, {
        reply_markup: markup(message.keyboard ?? []),
        link_preview_options: { is_disabled: true },
      });
    } catch (err) {
      if (isNotModified(err)) return;
      throw translateError(err, this.token);
    }
  }

  async sendVideo(to: ChatAddress, video: VideoUpload): Promise<void> {
    try {
      await this.telegram.sendVideo(chatIdOf(to), { source: await video.open(), filename: video.fileName }, {
        ...threadOf(to),
        caption: video.caption,
        supports_streaming: true,
        ...(video.durationSeconds ? { duration: Math.round(video.durationSeconds) } : {}),
      });
    } catch (err) {
      throw translateError(err, this.token);
    }
  }

  async showActivity(to: ChatAddress, activity: 'typing' | 'upload_video'): Promise<void> {
    try {
      await this.telegram.sendChatAction(chatIdOf(to), activity, threadOf(to));
    } catch (err) {
      throw translateError(err, this.token);
    }
  }
}
