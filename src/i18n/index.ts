import type { InputError } from '../errors.js';
import { en, type Catalog, type RefusalParams, type WebWords, type Words } from './en.js';
import { DEFAULT_LOCALE, isLocale, type Locale } from './locale.js';
import { zhCN } from './zh-CN.js';

export { en, type Catalog, type HelpOptions, type RefusalParams, type WebWords, type Words } from './en.js';
export { zhCN } from './zh-CN.js';
export { DEFAULT_LOCALE, isLocale, localeFromAcceptLanguage, locales, matchLocale, pickLocale, type Locale } from './locale.js';

const catalogs: Record<Locale, Catalog> = { en, 'zh-CN': zhCN };

/** The catalog of a locale; anything that is not one of ours (an old record, a typo) reads English. */
export function catalogFor(locale: string | null | undefined): Catalog {
  return isLocale(locale) ? catalogs[locale] : catalogs[DEFAULT_LOCALE];
}

export function wordsFor(locale: string | null | undefined): Words {
  return catalogFor(locale).bot;
}

export function webWordsFor(locale: string | null | undefined): WebWords {
  return catalogFor(locale).web;
}

/**
 * A refusal or clip failure in the reader's language: by its code and params from the catalog, else the English
 * message it was created with (codes the catalog does not know yet, or errors made without params).
 */
export function refusalText(locale: string | null | undefined, failure: { code: string; message: string; params?: RefusalParams | undefined }): string {
  const refusals = catalogFor(locale).refusals as Record<string, ((p: RefusalParams) => string) | undefined>;
  const fn = Object.hasOwn(refusals, failure.code) ? refusals[failure.code] : undefined;
  // Messages made with params render from them; others only where they need none (the fixed sentences).
  if (!fn || (!failure.params && fn.length > 0)) return failure.message;
  return fn(failure.params ?? {});
}

/** An InputError for a chat user, in their language. */
export function inputErrorText(locale: string | null | undefined, err: InputError): string {
  return refusalText(locale, err);
}
