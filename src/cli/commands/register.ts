import type { Command } from 'commander';
import { REST } from 'discord.js';
import { registerCommands } from '../../bots/discord/commands.js';
import { translateError } from '../../bots/discord/errors.js';
import { loadDiscordConfig } from '../../config/discord.js';
import { loadQueueConfig } from '../../config/queue.js';
import { ConfigError } from '../../errors.js';

/** `lipsync register`: (re)registers the Discord slash commands, globally or in DISCORD_GUILD_ID. */
export async function runRegister(env: NodeJS.ProcessEnv = process.env, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<void> {
  const settings = loadDiscordConfig(env);
  if (!settings) throw new ConfigError('DISCORD_TOKEN is not set: nothing to register (see docs/discord.md).');
  const maxClips = Math.min(10, loadQueueConfig(env).limits.maxClipsPerBatch);
  const rest = new REST(settings.apiRoot ? { api: settings.apiRoot } : {}).setToken(settings.token);
  try {
    const n = await registerCommands(rest, settings.applicationId, settings.guildId, maxClips);
    out(`Registered ${n} commands ${settings.guildId ? `in guild ${settings.guildId}` : 'globally (may take up to an hour to appear)'}.`);
  } catch (err) {
    throw translateError(err, settings.token);
  }
}

export function register(program: Command): void {
  program
    .command('register')
    .description('Register the Discord slash commands (/lipsync, /lipsync-history, …), globally or in DISCORD_GUILD_ID.')
    .action(async () => {
      try {
        await runRegister();
      } catch (err) {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = err instanceof ConfigError ? 2 : 1;
      }
    });
}
