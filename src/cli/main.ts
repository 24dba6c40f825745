import { Command } from 'commander';
import { commandModules } from './commands/index.js';

const program = new Command();
program
  .name('lipsync')
  .description('Lip-sync one audio track onto face videos: render locally, run the render worker, or start the chat bots.')
  .showHelpAfterError();

for (const mod of commandModules) mod.register(program);

await program.parseAsync(process.argv);
