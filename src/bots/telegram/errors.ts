import { TelegramError } from 'telegraf';
import { redactSecrets } from '../../log.js';
import { MessageGoneError, RateLimitedError, UploadTooLargeError } from '../core/platform.js';

/** "message is not modified": the edit asked for what the message already shows. */
export function isNotModified(err: unknown): boolean {
  return err instanceof TelegramError && err.code === 400 && /message is not modified/i.test(err.description);
}

/**
 * The bot may not message this user privately: 403 "bot can't initiate conversation with a user", "bot was
 * blocked by the user", "user is deactivated", or 400 "chat not found".
 */
export function isUnreachableUser(err: unknown): boolean {
  return err instanceof TelegramError && (err.code === 403 || (err.code === 400 && /chat not found/i.test(err.description)));
}

const gone = /message to edit not found|message can't be edited|message_id_invalid|MESSAGE_ID_INVALID/i;

/**
 * Turns a Bot API failure into the core's error vocabulary. Everything else becomes a plain Error whose text
 * has no token in it (file URLs and request URLs carry the token) and no request payload.
 */
export function translateError(err: unknown, token: string): Error {
  if (err instanceof TelegramError) {
    if (err.code === 429) return new RateLimitedError(Math.max(1, err.parameters?.retry_after ?? 5) * 1000);
    if (err.code === 413) return new UploadTooLargeError(err.description);
    if (err.code === 400 && gone.test(err.description)) return new MessageGoneError(err.description);
    return new Error(redactSecrets(`Telegram API error ${err.code}: ${err.description}`, [token]));
  }
  const message = err instanceof Error ? err.message : String(err);
  return new Error(redactSecrets(`Telegram request failed: ${message}`, [token]));
}
