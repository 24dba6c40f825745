import { Command, Help } from 'commander';
import { commandFor, commandList } from './commandList.js';

const program = new Command();
program
  .name('lipsync')
  .description('Lip-sync one audio track onto face videos: render locally, run the render worker, or start the chat bots.')
  .showHelpAfterError();

// Only the command being run is loaded; the overview is drawn from the list alone.
const chosen = commandFor(process.argv.slice(2));
if (chosen) {
  // Crashes of a running command are logged (redacted, and into LOG_FILE when set) before it exits with 1.
  const [{ logger }, { installCrashLogging }] = await Promise.all([import('../log.js'), import('../logFile.js')]);
  installCrashLogging(logger());
  (await chosen.entry.load()).register(program);
  await program.parseAsync([...process.argv.slice(0, 2), ...chosen.args]);
} else {
  for (const c of commandList) program.command(c.name).description(c.description);
  const help = new Help();
  program.configureHelp({
    subcommandTerm: (cmd) => {
      const c = commandList.find((x) => x.name === cmd.name());
      return c ? `${c.name}${c.hasOptions ? ' [options]' : ''}` : help.subcommandTerm(cmd);
    },
  });
  await program.parseAsync(process.argv);
}
