import { shortLabel } from '../core/format.js';

/**
 * The few sentences only Discord needs (threads, intents, slash-command validation). Everything about the
 * conversation itself comes from the core's `words`; see docs/discord-core-patch.md for moving these there.
 */
export const discordWords = {
  batchThreadName(userName: string): string {
    return shortLabel(`lipsync · ${userName}`, 90);
  },
  batchStarter(userName: string, clips: number): string {
    return `${userName} started a lipsync batch of ${clips} clip${clips === 1 ? '' : 's'}. Progress and clips follow in the thread.`;
  },
  batchStarterNoThread(userName: string, clips: number): string {
    return `${userName} started a lipsync batch of ${clips} clip${clips === 1 ? '' : 's'}. Progress and clips follow below.`;
  },
  conversationStarter(userName: string): string {
    return `${userName} opened a lipsync session. Send the audio and the face videos or photos in the thread.`;
  },
  conversationNoThread: 'Send the audio and the face videos or photos as messages here.',
  conversationDisabled:
    'Attach an audio and at least one face video or photo to /lipsync (options audio and video…). Collecting files from messages is turned off on this bot.',
  refused: 'Nothing was queued:',
  notOwnerCancel: 'Only the person who started this batch, or a server moderator, can cancel it.',
  slashOnlyWarning:
    'DISCORD BOT RUNS WITH SLASH COMMANDS ONLY: the privileged Message Content intent is not enabled for this application, so files sent as thread messages cannot be read. Users can still use /lipsync with attachments. To collect files from messages, enable it in the Discord Developer Portal (your application → Bot → Privileged Gateway Intents → Message Content Intent); set DISCORD_CONVERSATION=off to silence this warning.',
} as const;
