import { SnowflakeUtil } from 'discord.js';

/** Milliseconds since a message was posted, read from its snowflake id (works after a restart, no state). */
export function messageAgeMs(messageId: string, now: number): number {
  try {
    return now - SnowflakeUtil.timestampFrom(messageId);
  } catch {
    return 0;
  }
}
