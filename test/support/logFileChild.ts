// A process that logs through the real process logger (LOG_FILE from its environment), driven over stdin:
// "log <text>" logs a line and answers "ok" on stdout; "throw" / "reject" crash it the two ways Node knows;
// "throw-secret" crashes with a Telegram file URL (bot token inside) in the error.
import { createInterface } from 'node:readline';
import { logger } from '../../src/log.js';
import { installCrashLogging } from '../../src/logFile.js';

const log = logger();
// What the CLI does for every command (src/cli/main.ts), also without LOG_FILE.
if (process.env.CRASH_LOGGING === '1') installCrashLogging(log);
log.info('child ready');
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, ...rest] = line.split(' ');
  if (cmd === 'log') {
    log.info(rest.join(' '));
    process.stdout.write('ok\n');
  } else if (cmd === 'throw') {
    setImmediate(() => {
      throw new Error('boom from the child');
    });
  } else if (cmd === 'throw-secret') {
    setImmediate(() => {
      throw new Error('download failed: https://api.telegram.org/file/bot123456789:AAFakeTokenForTheCrashTest0123456/videos/x.mp4');
    });
  } else if (cmd === 'reject') {
    void Promise.reject(new Error('rejected in the child'));
  }
}
