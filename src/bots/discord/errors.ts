import { DiscordAPIError, HTTPError, RateLimitError } from 'discord.js';
import { redactSecrets } from '../../log.js';
import { MessageGoneError, RateLimitedError, UploadTooLargeError } from '../core/platform.js';

/** Discord JSON error codes we act on. */
export const DiscordCode = {
  UnknownMessage: 10008,
  UnknownInteraction: 10062,
  RequestEntityTooLarge: 40005,
  MissingAccess: 50001,
  MissingPermissions: 50013,
  /** "This message cannot be edited" variants (too old, system message). */
  CannotEditMessage: 50005,
  TooOldToEdit: 30046,
} as const;

/** Interaction and webhook URLs carry the interaction token: never repeat them in errors. */
function stripTokens(url: string): string {
  return url.replace(/(\/(?:interactions|webhooks)\/\d+\/)[^/?]+/g, '$1[redacted]');
}

/**
 * Turns a discord.js / REST failure into the core's error vocabulary. Everything else becomes a plain Error whose
 * text has no token in it (neither the bot token nor interaction tokens) and no request payload.
 */
export function translateError(err: unknown, token: string): Error {
  if (err instanceof RateLimitError) return new RateLimitedError(Math.max(100, err.retryAfter || err.timeToReset || 1000));
  if (err instanceof DiscordAPIError) {
    if (err.status === 413 || err.code === DiscordCode.RequestEntityTooLarge) return new UploadTooLargeError(redactSecrets(err.message, [token]));
    if (err.code === DiscordCode.UnknownMessage || err.code === DiscordCode.TooOldToEdit || err.code === DiscordCode.CannotEditMessage) {
      return new MessageGoneError(redactSecrets(err.message, [token]));
    }
    return new Error(redactSecrets(`Discord API error ${err.status}/${String(err.code)} on ${err.method.toUpperCase()} ${stripTokens(err.url)}: ${err.message}`, [token]));
  }
  if (err instanceof HTTPError) {
    if (err.status === 413) return new UploadTooLargeError('request entity too large');
    return new Error(redactSecrets(`Discord HTTP error ${err.status} on ${err.method.toUpperCase()} ${stripTokens(err.url)}`, [token]));
  }
  if (err instanceof RateLimitedError || err instanceof MessageGoneError || err instanceof UploadTooLargeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new Error(redactSecrets(`Discord request failed: ${stripTokens(message)}`, [token]));
}

/** True for Discord's "missing access / permissions" answers (e.g. threads not allowed in a channel). */
export function isForbidden(err: unknown): boolean {
  return err instanceof DiscordAPIError && (err.status === 403 || err.code === DiscordCode.MissingAccess || err.code === DiscordCode.MissingPermissions);
}
