import { ConfigError } from '../errors.js';

/**
 * For a command's catch block: a ConfigError is the operator's to fix, so print its message (it names the setting)
 * and exit with code 2 at once, also tearing down anything the command already started. Anything else propagates.
 */
export function exitOnConfigError(err: unknown): void {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(2);
}
