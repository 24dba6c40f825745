import os from 'node:os';
import { loadWebConfig, storedLinkSecret, type WebConfig } from '../config/web.js';
import type { Owner } from '../queue/types.js';

/** The local operator, as `lipsync submit` queues batches and `lipsync studio-link` signs in: one history for both. */
export function operatorOwner(): Owner {
  return { platform: 'cli', userId: os.userInfo().username };
}

/**
 * The web server's settings as this machine knows them, for signing links the server will accept: LINK_SECRET, or
 * the secret `lipsync start` stored in DATA_DIR. Null when neither is there.
 */
export function operatorWebConfig(env: NodeJS.ProcessEnv, dataDir: string): WebConfig | null {
  const secret = env.LINK_SECRET?.trim() || storedLinkSecret(dataDir, false)?.secret;
  return secret ? loadWebConfig({ ...env, LINK_SECRET: secret }) : null;
}
