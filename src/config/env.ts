import { z } from 'zod';
import { ConfigError } from '../errors.js';

/** Building blocks shared by every settings schema (pipeline, queue, web, bots). */
export const positiveInt = z.coerce.number().int().positive();
export const nonNegativeInt = z.coerce.number().int().min(0);
export const positiveNumber = z.coerce.number().positive();

/** An optional string where an empty value (`FOO=` in .env) means "not set". */
export const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** 1/0, true/false, yes/no, on/off; unset or empty means `defaultValue`. */
export function flagDefaulting(defaultValue: boolean) {
  return z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return defaultValue;
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      ctx.addIssue({ code: 'custom', message: 'expected 1/0, true/false, yes/no or on/off' });
      return z.NEVER;
    });
}

/** A flag that is off unless set. */
export const flag = flagDefaulting(false);

/** Values of these settings are never repeated in error messages. */
const SECRET_NAME = /SECRET|TOKEN|PASSWORD|KEY/;

/**
 * Validates the environment against `schema`. Every problem is reported together, naming the variable and the
 * value it had (except secrets), and pointing at the document that lists the settings.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv, what: string, docs: string): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const key = issue.path.join('.');
    const value = key in env && !SECRET_NAME.test(key) ? ` (got "${String(env[key])}")` : '';
    return `  ${key}: ${issue.message}${value}`;
  });
  throw new ConfigError(`Invalid ${what}:\n${lines.join('\n')}\nSee ${docs} for every setting.`);
}

/** A comma-separated list whose entries must each match `entry`; `expected` says what a good list looks like. */
export function commaList(entry: RegExp, expected: string) {
  return z
    .string()
    .default('')
    .transform((v, ctx) => {
      const items = v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      const bad = items.filter((item) => !entry.test(item));
      if (bad.length > 0) {
        ctx.addIssue({ code: 'custom', message: `expected ${expected} (bad: ${bad.join(', ')})` });
        return z.NEVER;
      }
      return items;
    });
}
