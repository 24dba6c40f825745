import type { WebConfig } from '../config/web.js';
import type { Locale } from '../i18n/index.js';
import type { Storage } from '../queue/index.js';
import type { LinkSigner } from './links.js';
import type { WebMetrics } from './metrics.js';
import type { BatchSource } from './source.js';
import type { HealthProbe } from './health.js';

/** Everything the routes need, handed to each route plugin as its options. */
export interface WebContext {
  config: WebConfig;
  source: BatchSource;
  storage: Storage;
  /** Redirect clip downloads to a presigned URL of the store (expiring no later than the link). */
  presign?: boolean;
  links: LinkSigner;
  metrics: WebMetrics;
  health: HealthProbe;
  /** Language of pages for browsers that ask for none we have (DEFAULT_LOCALE). */
  defaultLocale?: Locale;
  /** Milliseconds clock (tests move it). */
  now: () => number;
}
