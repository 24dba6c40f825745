import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { flag, optionalString, parseEnv } from './env.js';

/** Where inputs and outputs live. Documented in docs/queue.md ("Several GPU hosts"). */
export const storageEnvSchema = z.object({
  STORAGE_URL: optionalString.refine((v) => v === undefined || /^file:\/\//.test(v) || /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(v), {
    message: 'expected file:///absolute/path or s3://BUCKET/PREFIX (bucket names: lowercase letters, digits, "." and "-")',
  }),
  S3_ENDPOINT: optionalString.refine((v) => v === undefined || /^https?:\/\/[^/\s@]+(\/.*)?$/.test(v), {
    message: 'expected an http(s) URL without credentials, e.g. https://s3.example.com or http://127.0.0.1:9000',
  }),
  S3_REGION: z.string().trim().min(1).default('us-east-1'),
  S3_FORCE_PATH_STYLE: flag,
  S3_PRESIGN: flag,
});

export type StorageSettings =
  | { kind: 'local'; root: string }
  | {
      kind: 's3';
      bucket: string;
      /** Key prefix without slashes at either end ("" = the bucket's root). */
      prefix: string;
      region: string;
      endpoint: string | undefined;
      forcePathStyle: boolean;
      /** Downloads redirect to a presigned URL of the store instead of streaming through the web server. */
      presign: boolean;
    };

/**
 * STORAGE_URL unset → DATA_DIR on local disk (as before); file:///path → that folder; s3://BUCKET/PREFIX → an
 * S3-compatible bucket. Credentials are never settings here: the SDK's standard chain finds them (AWS_ACCESS_KEY_ID
 * and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, instance or pod roles).
 */
export function loadStorageConfig(env: NodeJS.ProcessEnv = process.env, dataDir: string, cwd: string = process.cwd()): StorageSettings {
  // Credentials pasted into a URL are refused, and masked in the message that repeats the value.
  const masked = { ...env, STORAGE_URL: maskUserinfo(env.STORAGE_URL), S3_ENDPOINT: maskUserinfo(env.S3_ENDPOINT) };
  const e = parseEnv(storageEnvSchema, masked, 'storage configuration', 'docs/queue.md');
  const url = e.STORAGE_URL;
  if (url === undefined) return { kind: 'local', root: dataDir };
  if (url.startsWith('file://')) return { kind: 'local', root: path.resolve(cwd, fileURLToPath(url)) };
  const rest = url.slice('s3://'.length);
  const slash = rest.indexOf('/');
  return {
    kind: 's3',
    bucket: slash === -1 ? rest : rest.slice(0, slash),
    prefix: slash === -1 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, ''),
    region: e.S3_REGION,
    endpoint: e.S3_ENDPOINT,
    forcePathStyle: e.S3_FORCE_PATH_STYLE,
    presign: e.S3_PRESIGN,
  };
}

function maskUserinfo(url: string | undefined): string | undefined {
  return url?.replace(/^([a-z0-9+.-]+:\/\/)[^/@\s]*@/i, '$1***@');
}

export const storageSettingNames = Object.keys(storageEnvSchema.shape);
