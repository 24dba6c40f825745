/**
 * The port every chat adapter implements (Telegram now, Discord next). The core decides WHAT to say and when;
 * an adapter only knows HOW its platform says it: plain text plus rows of buttons, a video upload, a typing hint.
 * Adapters translate platform failures into the errors below, and treat "edit with unchanged text" as success.
 */

import type { Readable } from 'node:stream';

/** Where a message goes: a chat (DM, group, guild channel) and optionally a thread or forum topic inside it. */
export interface ChatAddress {
  chatId: string;
  /** Telegram forum topic (message_thread_id) or Discord thread id; absent for the main chat. */
  threadId?: string;
}

export interface MessageRef extends ChatAddress {
  messageId: string;
}

/** A button; `action` is opaque data the core gets back when it is pressed (≤ 64 bytes, Telegram's limit). */
export interface Button {
  label: string;
  action: string;
}

/** Rows of buttons. An empty keyboard removes the buttons of an edited message. */
export type Keyboard = Button[][];

/** Plain text (no markup: adapters must send it literally) and optional buttons. */
export interface OutgoingMessage {
  text: string;
  keyboard?: Keyboard;
}

export interface VideoUpload {
  /** The MP4's bytes, opened afresh for each try (it comes from storage, not from a local path). */
  open(): Promise<Readable>;
  fileName: string;
  bytes: number;
  caption: string;
  durationSeconds?: number;
}

export interface PlatformLimits {
  /** Largest file the bot may send as an attachment. */
  uploadBytes: number;
  /** Largest incoming file the bot can download. */
  downloadBytes: number;
  /**
   * True when `downloadBytes` is the hosted platform's limit that the operator could lift (Telegram's 20 MB
   * without a local Bot API server): the refusal then says so.
   */
  downloadLimitLiftable: boolean;
  /** Minimum time between two edits of one message. */
  editIntervalMs: number;
  /** Longest text one message may carry. */
  maxTextLength: number;
  /** The platform's edit rate limits, shared by every progress message of the bot (none: only editIntervalMs). */
  editRates?: EditRates;
}

export interface EditRates {
  /** Edits per second across all chats. */
  globalPerSecond: number;
  /** Edits per minute in one chat (groups are usually stricter than private chats). */
  perChatPerMinute(chatId: string): number;
}

export interface ChatPlatform {
  /** Owner platform name written into queue batches, e.g. "telegram". */
  readonly name: string;
  readonly limits: PlatformLimits;
  sendText(to: ChatAddress, message: OutgoingMessage, options?: { replyToMessageId?: string }): Promise<MessageRef>;
  /** Replaces text and buttons. Unchanged content must resolve, not throw. */
  editText(ref: MessageRef, message: OutgoingMessage): Promise<void>;
  /** Sends a playable video (streamable where the platform supports it). */
  sendVideo(to: ChatAddress, video: VideoUpload): Promise<void>;
  /** A best-effort hint such as "uploading video…"; failures are ignored by the core. */
  showActivity?(to: ChatAddress, activity: 'typing' | 'upload_video'): Promise<void>;
  /**
   * Sends to the user's private chat with the bot (for what must not be posted in a group, like a sign-in link).
   * Null when the platform cannot reach them there (they never started a chat with the bot, or blocked it).
   */
  sendPrivate?(userId: string, message: OutgoingMessage): Promise<MessageRef | null>;
}

/** The platform asked us to wait (HTTP 429); the core retries after `retryAfterMs`. */
export class RateLimitedError extends Error {
  override readonly name = 'RateLimitedError';
  constructor(
    readonly retryAfterMs: number,
    message = `rate limited; retry after ${Math.round(retryAfterMs / 1000)} s`,
  ) {
    super(message);
  }
}

/** The message can no longer be edited (deleted, too old): the core posts a fresh one instead. */
export class MessageGoneError extends Error {
  override readonly name = 'MessageGoneError';
}

/** The platform refused an upload as too large (HTTP 413): the core falls back to a link or an explanation. */
export class UploadTooLargeError extends Error {
  override readonly name = 'UploadTooLargeError';
}

/** An incoming file is larger than the bot may download. */
export class DownloadTooLargeError extends Error {
  override readonly name = 'DownloadTooLargeError';
  constructor(
    readonly bytes: number | null,
    readonly limitBytes: number,
  ) {
    super(`file too large to download (${bytes ?? 'unknown'} > ${limitBytes} bytes)`);
  }
}
