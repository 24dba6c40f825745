import type { ChatAddress, MessageRef } from './platform.js';

/** Who said something, where. Adapters build one per incoming message, command or button press. */
export interface ChatContext {
  platform: string;
  address: ChatAddress;
  userId: string;
  /** Shown in group messages ("Ana: audio set"); never trusted for anything else. */
  userName: string;
  /** Groups, guild channels and their threads: replies name the user and sessions are per user. */
  isGroup: boolean;
  /**
   * The language the platform reports for the user (Telegram language_code, Discord interaction locale), as a
   * catalog locale (src/i18n matchLocale); absent when the platform does not say (Discord messages).
   */
  locale?: string;
  /** The user's message, to reply to it where the platform supports replies. */
  messageId?: string;
}

export type MediaKind = 'audio' | 'voice' | 'video' | 'video_note' | 'animation' | 'photo' | 'document';

/** An attachment as the platform describes it, before anything is downloaded. */
export interface IncomingFile {
  kind: MediaKind;
  fileName?: string;
  mimeType?: string;
  /** As declared by the platform (may be absent). The download enforces the limit again. */
  sizeBytes?: number;
  durationSeconds?: number;
  /** Writes the file to `destPath`; rejects with DownloadTooLargeError past `maxBytes`. */
  download(destPath: string, maxBytes: number): Promise<void>;
}

export type CommandName = 'start' | 'help' | 'render' | 'clear' | 'list' | 'status' | 'cancel' | 'history' | 'studio';

export const commandNames: readonly CommandName[] = ['start', 'help', 'render', 'clear', 'list', 'status', 'cancel', 'history', 'studio'];

/** A pressed button: `action` is what the core put on it; `answer` acknowledges the press (toast / ephemeral). */
export interface ButtonPress {
  action: string;
  /** The message carrying the button, when the platform says. */
  message?: MessageRef;
  answer(text?: string): Promise<void>;
}
