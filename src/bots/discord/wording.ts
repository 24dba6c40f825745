import { catalogFor, en, type Catalog } from '../../i18n/index.js';

/**
 * The few sentences only Discord needs (threads, slash-command validation), from the message catalogs
 * (src/i18n, `discord`). Everything about the conversation itself comes from the core's words.
 */
export function discordWordsFor(locale: string | null | undefined): Catalog['discord'] {
  return catalogFor(locale).discord;
}

export const discordWords = {
  ...en.discord,
  /** For the operator's log, not for users: stays English. */
  slashOnlyWarning:
    'DISCORD BOT RUNS WITH SLASH COMMANDS ONLY: the privileged Message Content intent is not enabled for this application, so files sent as thread messages cannot be read. Users can still use /lipsync with attachments. To collect files from messages, enable it in the Discord Developer Portal (your application → Bot → Privileged Gateway Intents → Message Content Intent); set DISCORD_CONVERSATION=off to silence this warning.',
};
