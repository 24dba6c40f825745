import type { Message, User } from 'telegraf/types';
import { matchLocale } from '../../i18n/index.js';
import { commandNames, type ChatContext, type CommandName, type IncomingFile } from '../core/incoming.js';
import type { ChatAddress } from '../core/platform.js';

/** Fetches a file by id into a path; built by the bot from downloadTelegramFile. */
export type FileDownloader = (fileId: string, dest: string, maxBytes: number) => Promise<void>;

type AnyMessage = Message;

function displayName(user: User): string {
  const name = [user.first_name, user.last_name].filter(Boolean).join(' ').trim();
  return name || (user.username ? `@${user.username}` : `user ${user.id}`);
}

/** Replies go to the topic the message came from; plain reply threads in ordinary groups are not topics. */
export function addressOf(message: Pick<AnyMessage, 'chat'> & { message_thread_id?: number; is_topic_message?: boolean }): ChatAddress {
  const threadId = message.is_topic_message && message.message_thread_id !== undefined ? String(message.message_thread_id) : undefined;
  return { chatId: String(message.chat.id), ...(threadId ? { threadId } : {}) };
}

/** The user's language from Telegram's language_code ('zh-hans', 'zh', 'en'…); absent when Telegram says nothing we have. */
export function localeOfUser(from: Pick<User, 'language_code'>): { locale?: string } {
  const locale = matchLocale(from.language_code);
  return locale ? { locale } : {};
}

export function contextOf(message: AnyMessage, from: User): ChatContext {
  return {
    ...localeOfUser(from),
    platform: 'telegram',
    address: addressOf(message),
    userId: String(from.id),
    userName: displayName(from),
    isGroup: message.chat.type !== 'private',
    messageId: String(message.message_id),
  };
}

/** "/render@MyBot now" → render; commands addressed to another bot, or unknown, give null. */
export function parseCommand(text: string, botUsername: string | undefined): CommandName | null {
  const m = /^\/([a-z_]+)(?:@([A-Za-z0-9_]+))?(?:\s|$)/i.exec(text.trim());
  if (!m) return null;
  if (m[2] && botUsername && m[2].toLowerCase() !== botUsername.toLowerCase()) return null;
  const name = m[1]?.toLowerCase() as CommandName;
  return commandNames.includes(name) ? name : null;
}

/** A caption "/audio" asks to use a video's sound as the audio. */
export function wantsAudio(caption: string | undefined): boolean {
  return /^\/audio(?:@[A-Za-z0-9_]+)?(?:\s|$)/i.test((caption ?? '').trim());
}

/** The attachment of one message as the core sees it (at most one per Telegram message). */
export function fileOf(message: AnyMessage, download: FileDownloader): IncomingFile | null {
  const fetcher = (fileId: string) => (dest: string, maxBytes: number) => download(fileId, dest, maxBytes);
  const opt = <T>(v: T | undefined, f: (v: T) => object) => (v === undefined ? {} : f(v));
  if ('audio' in message) {
    const a = message.audio;
    return { kind: 'audio', ...opt(a.file_name, (v) => ({ fileName: v })), ...opt(a.mime_type, (v) => ({ mimeType: v })), ...opt(a.file_size, (v) => ({ sizeBytes: v })), durationSeconds: a.duration, download: fetcher(a.file_id) };
  }
  if ('voice' in message) {
    const v = message.voice;
    return { kind: 'voice', ...opt(v.mime_type, (x) => ({ mimeType: x })), ...opt(v.file_size, (x) => ({ sizeBytes: x })), durationSeconds: v.duration, download: fetcher(v.file_id) };
  }
  if ('video_note' in message) {
    const v = message.video_note;
    return { kind: 'video_note', ...opt(v.file_size, (x) => ({ sizeBytes: x })), durationSeconds: v.duration, download: fetcher(v.file_id) };
  }
  if ('animation' in message) {
    const v = message.animation;
    return { kind: 'animation', ...opt(v.file_name, (x) => ({ fileName: x })), ...opt(v.mime_type, (x) => ({ mimeType: x })), ...opt(v.file_size, (x) => ({ sizeBytes: x })), durationSeconds: v.duration, download: fetcher(v.file_id) };
  }
  if ('video' in message) {
    const v = message.video;
    return { kind: 'video', ...opt(v.file_name, (x) => ({ fileName: x })), ...opt(v.mime_type, (x) => ({ mimeType: x })), ...opt(v.file_size, (x) => ({ sizeBytes: x })), durationSeconds: v.duration, download: fetcher(v.file_id) };
  }
  if ('photo' in message) {
    const largest = [...message.photo].sort((a, b) => b.width * b.height - a.width * a.height)[0];
    if (!largest) return null;
    return { kind: 'photo', ...opt(largest.file_size, (x) => ({ sizeBytes: x })), download: fetcher(largest.file_id) };
  }
  if ('document' in message) {
    const d = message.document;
    return { kind: 'document', ...opt(d.file_name, (x) => ({ fileName: x })), ...opt(d.mime_type, (x) => ({ mimeType: x })), ...opt(d.file_size, (x) => ({ sizeBytes: x })), download: fetcher(d.file_id) };
  }
  return null;
}

export function captionOf(message: AnyMessage): string | undefined {
  return 'caption' in message ? message.caption : undefined;
}

export function mediaGroupOf(message: AnyMessage): string | undefined {
  return 'media_group_id' in message ? message.media_group_id : undefined;
}
