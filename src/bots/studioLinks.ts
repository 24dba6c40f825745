import type { WebConfig } from '../config/web.js';
import { DEFAULT_SIGN_IN_TTL_SECONDS, studioSignInUrl } from '../web/studio/signIn.js';
import type { StudioLinks } from './core/studio.js';

/**
 * The bots' StudioLinks, signed with the web server's settings (LINK_SECRET, PUBLIC_URL) so its /studio/login
 * accepts them; chat links live DEFAULT_SIGN_IN_TTL_SECONDS. Used where the bots are put together (lipsync start,
 * the bot services), never inside the adapters.
 */
export function studioLinksFor(web: Pick<WebConfig, 'linkSecret' | 'publicUrl'>, ttlSeconds = DEFAULT_SIGN_IN_TTL_SECONDS): StudioLinks {
  const options = { secret: web.linkSecret, publicUrl: web.publicUrl, ttlSeconds };
  return {
    ttlSeconds,
    studioUrl: (owner, locale) => studioSignInUrl(options, owner, locale),
  };
}
