import { catalogFor, type Catalog } from '../../i18n/index.js';

export type StudioAuthWords = Catalog['studioAuth'];

/** The studio server's words in a language (anything unknown reads DEFAULT_LOCALE's catalog). */
export function studioAuthWords(locale: string | null | undefined): StudioAuthWords {
  return catalogFor(locale).studioAuth;
}

/** "{name} is …" with params filled in; a placeholder without a value stays visible rather than vanishing. */
export function fill(template: string, params: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}

/** Where a sign-in link comes from: the `{telegram}`, `{discord}` and `{cli}` placeholders of the catalogs. */
export const SIGN_IN_COMMANDS = { telegram: '/studio', discord: '/lipsync-studio', cli: 'lipsync studio-link' } as const;

/** How a user gets a new sign-in link, with the commands of each place filled in. */
export function howToSignIn(w: StudioAuthWords): string {
  return fill(w.signIn.howTo, SIGN_IN_COMMANDS);
}
