import { ApplicationCommandOptionType, ApplicationCommandType, Routes, type REST, type RESTPutAPIApplicationCommandsJSONBody } from 'discord.js';
import { loopModes } from '../../config/schema.js';

export const LIPSYNC = 'lipsync';
export const HISTORY = 'lipsync-history';
export const STATUS = 'lipsync-status';
export const CANCEL = 'lipsync-cancel';

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
      description: 'Lip-sync one audio onto face videos or photos (no attachments: collect them in a thread)',
      options: [
        { type: attachment, name: 'audio', description: 'The audio (voice, MP3, WAV, OGG, M4A)', required: false },
        ...videoOptionNames(maxClips).map((name, i) => ({
          type: attachment,
          name,
          description: i === 0 ? 'A face video or photo' : `Face video or photo ${i + 1}`,
          required: false,
        })),
        {
          type: ApplicationCommandOptionType.String,
          name: 'loop',
          description: 'How a template shorter than the audio continues',
          required: false,
          choices: loopModes.map((m) => ({ name: m, value: m })),
        },
      ],
    },
    { type: ApplicationCommandType.ChatInput, name: HISTORY, description: 'Your recent lipsync batches (only you see this)' },
    { type: ApplicationCommandType.ChatInput, name: STATUS, description: 'What is ready and what is rendering here' },
    { type: ApplicationCommandType.ChatInput, name: CANCEL, description: 'Cancel your running lipsync renders here' },
  ];
}

/** Replaces the application's commands: in one guild (instant) or globally (may take up to an hour to show). */
export async function registerCommands(rest: REST, applicationId: string, guildId: string | undefined, maxClips: number): Promise<number> {
  const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
  const body = commandDefinitions(maxClips);
  await rest.put(route, { body });
  return body.length;
}
