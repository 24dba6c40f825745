import type { CommandModule } from './commands/index.js';

export interface CommandEntry {
  name: string;
  /** As the command's own module describes it (test/cli/launcher.test.ts keeps the two equal). */
  description: string;
  /** Shown as "name [options]" in the overview. */
  hasOptions: boolean;
  load: () => Promise<CommandModule>;
}

/**
 * Every sub-command, loaded only when it runs: `lipsync --help` must not pull in onnxruntime, discord.js, fastify
 * and BullMQ just to list names (that took 3–4 s on a busy two-core machine).
 */
export const commandList: CommandEntry[] = [
  { name: 'render', hasOptions: true, description: 'Lip-sync one audio onto one or more templates, locally (no Redis, no bots).', load: () => import('./commands/render.js') },
  { name: 'submit', hasOptions: true, description: 'Queue one audio + one or more face videos for rendering by the worker(s), as the local operator.', load: () => import('./commands/submit.js') },
  {
    name: 'worker',
    hasOptions: false,
    description: 'Render queued clips, one at a time. Run one per GPU; workers on other machines join by using the same REDIS_URL (see docs/queue.md).',
    load: () => import('./commands/worker.js'),
  },
  {
    name: 'web',
    hasOptions: false,
    description: 'Run only the web server: the studio, signed clip links, batch pages, ZIP downloads, /healthz and /metrics (see docs/web.md).',
    load: () => import('./commands/web.js'),
  },
  {
    name: 'start',
    hasOptions: false,
    description: 'Run everything on this machine: Redis (launched if needed), the render worker, and the configured web server and bots.',
    load: () => import('./commands/start.js'),
  },
  {
    name: 'register',
    hasOptions: false,
    description: 'Register the Discord slash commands (/lipsync, /lipsync-history, …), globally or in DISCORD_GUILD_ID.',
    load: () => import('./commands/register.js'),
  },
  { name: 'model', hasOptions: false, description: 'Import a Wav2Lip checkpoint (.pth) as ONNX, or check a lip-sync model.', load: () => import('./commands/model.js') },
  {
    name: 'storage',
    hasOptions: false,
    description: 'Check the store of inputs and outputs (STORAGE_URL: local folder or S3-compatible bucket).',
    load: () => import('./commands/storage.js'),
  },
  {
    name: 'studio-link',
    hasOptions: true,
    description: 'Print a one-use sign-in link to the web studio for the local operator (the same history as lipsync submit).',
    load: () => import('./commands/studioLink.js'),
  },
];

/**
 * What to load for these arguments (`process.argv.slice(2)`): the named command's module only, with `help X …`
 * turned into `X … --help`; null for the overview (no command, --help, or an unknown name commander reports).
 */
export function commandFor(args: readonly string[]): { entry: CommandEntry; args: string[] } | null {
  const helpFor = args[0] === 'help';
  const name = helpFor ? args[1] : args[0];
  const entry = commandList.find((c) => c.name === name);
  if (!entry) return null;
  return { entry, args: helpFor ? [...args.slice(1), '--help'] : [...args] };
}
