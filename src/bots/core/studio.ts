import type { Owner } from '../../queue/types.js';

/**
 * Personal, one-use sign-in links to the web studio (src/web/studio), made by the web server's signer when one
 * is configured. Kept as a port, like DownloadLinks, so the bots do not depend on how the links are signed.
 */
export interface StudioLinks {
  /** A link that signs `owner` in to the studio (in `locale`, a catalog locale). */
  studioUrl(owner: Owner, locale?: string): string;
  /** How long a link made now stays valid; the message that carries it says so. */
  readonly ttlSeconds: number;
}

/** Whole minutes, at least one, for "expires in N minutes". */
export function studioLinkMinutes(links: Pick<StudioLinks, 'ttlSeconds'>): number {
  return Math.max(1, Math.round(links.ttlSeconds / 60));
}
