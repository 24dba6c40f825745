// A process that logs through the real process logger (LOG_FILE from its environment), driven over stdin:
// "log <text>" logs a line and answers "ok" on stdout; "throw" / "reject" crash it the two ways Node knows.
import { createInterface } from 'node:readline';
import { logger } from '../../src/log.js';

const log = logger();
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
  } else if (cmd === 'reject') {
    void Promise.reject(new Error('rejected in the child'));
  }
}
