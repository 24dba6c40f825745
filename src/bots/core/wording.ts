import { en, wordsFor, type Words } from '../../i18n/index.js';

/**
 * Every sentence the bots say lives in the message catalogs (src/i18n: en.ts, zh-CN.ts). Adapters never word
 * anything themselves; they render this text (and the progress text) the way their platform shows messages.
 * `wordsFor(locale)` picks the user's language; `words` is English, for callers that have no user yet.
 */
export type { HelpOptions } from '../../i18n/index.js';
export { wordsFor, type Words };

export const words: Words = en.bot;
