/**
 * The languages users can read, and how a platform's language tag picks one. Rules (docs/bots.md):
 * - exact match first ("zh-CN");
 * - any Chinese tag ("zh", "zh-Hans", "zh-hans-SG", "zh-TW", "zh-Hant", "zh-HK") → zh-CN, our only Chinese catalog
 *   (Traditional readers get Simplified rather than English: closer to what they asked for);
 * - otherwise the language part alone ("en-GB" → en);
 * - otherwise the fallback (DEFAULT_LOCALE).
 */
export const locales = ['en', 'zh-CN'] as const;
export type Locale = (typeof locales)[number];

export const DEFAULT_LOCALE: Locale = 'en';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (locales as readonly string[]).includes(value);
}

/** The catalog for one language tag (Telegram language_code, Discord locale, one Accept-Language entry), or null. */
export function matchLocale(tag: string | null | undefined): Locale | null {
  if (!tag) return null;
  const t = tag.trim().replace(/_/g, '-').toLowerCase();
  if (!t) return null;
  const exact = locales.find((l) => l.toLowerCase() === t);
  if (exact) return exact;
  const language = t.split('-')[0];
  if (language === 'zh') return 'zh-CN';
  return locales.find((l) => l.toLowerCase() === language) ?? null;
}

/** matchLocale with a fallback. */
export function pickLocale(tag: string | null | undefined, fallback: Locale = DEFAULT_LOCALE): Locale {
  return matchLocale(tag) ?? fallback;
}

/**
 * The best catalog for an Accept-Language header ("zh-CN,zh;q=0.9,en;q=0.8"): entries by quality (ties keep their
 * order), the first one we have wins; "*" or nothing usable gives the fallback.
 */
export function localeFromAcceptLanguage(header: string | readonly string[] | undefined, fallback: Locale = DEFAULT_LOCALE): Locale {
  const value = Array.isArray(header) ? header.join(',') : (header as string | undefined);
  if (!value) return fallback;
  const entries = value
    .split(',')
    .slice(0, 32)
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const quality = q ? Number(q.slice(2)) : 1;
      return { tag: tag.trim(), quality: Number.isFinite(quality) ? quality : 0, i };
    })
    .filter((e) => e.tag && e.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.i - b.i);
  for (const e of entries) {
    const l = matchLocale(e.tag);
    if (l) return l;
  }
  return fallback;
}
