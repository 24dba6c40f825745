import { ApplicationCommandOptionType, ApplicationCommandType, Routes, type REST, type RESTPutAPIApplicationCommandsJSONBody } from 'discord.js';
import { loopModes } from '../../config/schema.js';
import { en, zhCN } from '../../i18n/index.js';

type Phrases = (typeof en)['discord']['commands'];

/** Discord shows these to clients set to Chinese (both scripts read our Simplified catalog). */
function localized(pick: (c: Phrases) => string): { description: string; description_localizations: Record<'zh-CN' | 'zh-TW', string> } {
  const zh = pick(zhCN.discord.commands);
  return { description: pick(en.discord.commands), description_localizations: { 'zh-CN': zh, 'zh-TW': zh } };
}

export const LIPSYNC = 'lipsync';
export const HISTORY = 'lipsync-history';
export const STATUS = 'lipsync-status';
export const CANCEL = 'lipsync-cancel';
export const STUDIO = 'lipsync-studio';

/** Option names of the video attachments: video, video2 … video10. */
export function videoOptionNames(maxClips: number): string[] {
  return Array.from({ length: Math.min(10, Math.max(1, maxClips)) }, (_, i) => (i === 0 ? 'video' : `video${i + 1}`));
}

/** The slash commands, as Discord's JSON (at most 25 options each; attachment options are type 11). */
export function commandDefinitions(maxClips: number): RESTPutAPIApplicationCommandsJSONBody {
  const attachment = ApplicationCommandOptionType.Attachment as const;
  return [
    {
      type: ApplicationCommandType.ChatInput,
      name: LIPSYNC,
      ...localized((c) => c.lipsync),
      options: [
        { type: attachment, name: 'audio', ...localized((c) => c.audioOption), required: false },
        ...videoOptionNames(maxClips).map((name, i) => ({
          type: attachment,
          name,
          ...localized((c) => c.videoOption(i + 1)),
          required: false,
        })),
        {
          type: ApplicationCommandOptionType.String,
          name: 'loop',
          ...localized((c) => c.loopOption),
          required: false,
          choices: loopModes.map((m) => ({ name: m, value: m })),
        },
      ],
    },
    { type: ApplicationCommandType.ChatInput, name: HISTORY, ...localized((c) => c.history) },
    { type: ApplicationCommandType.ChatInput, name: STATUS, ...localized((c) => c.status) },
    { type: ApplicationCommandType.ChatInput, name: CANCEL, ...localized((c) => c.cancel) },
    { type: ApplicationCommandType.ChatInput, name: STUDIO, ...localized((c) => c.studio) },
  ];
}

/** Replaces the application's commands: in one guild (instant) or globally (may take up to an hour to show). */
export async function registerCommands(rest: REST, applicationId: string, guildId: string | undefined, maxClips: number): Promise<number> {
  const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
  const body = commandDefinitions(maxClips);
  await rest.put(route, { body });
  return body.length;
}
