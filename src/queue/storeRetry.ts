import { StorageUnavailableError } from './storage.js';

export interface RetryPolicy {
  /** Tries of the whole operation (the SDK already retries each request a few times). */
  attempts: number;
  /** First pause; doubled after each try. */
  baseMs: number;
}

const DEFAULTS: RetryPolicy = { attempts: 3, baseMs: 250 };

const transientNames = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'InternalError',
  'ServiceUnavailable',
  'NetworkingError',
]);
const transientCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET']);

/** A failure that may go away by itself: the store is down, overloaded or unreachable (not "access denied"). */
export function isTransientStoreError(err: unknown): boolean {
  if (err instanceof StorageUnavailableError) return true;
  const e = err as { name?: string; code?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number }; cause?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && ((status >= 500 && status !== 501) || status === 429 || status === 408)) return true;
  if (e.name && transientNames.has(e.name)) return true;
  if (e.code && transientCodes.has(e.code)) return true;
  // Connection failures without an HTTP answer (the SDK names them by the socket's error).
  if (status === undefined && e.cause) return isTransientStoreError(e.cause);
  return false;
}

/**
 * Runs a multi-request store operation again, with backoff, when it failed transiently; after the last try the
 * failure becomes a StorageUnavailableError (work waits for the store instead of failing). Other failures pass
 * through at once. Messages name the operation only: never a credential, never a signed URL.
 */
export async function withStoreRetry<T>(what: string, op: () => Promise<T>, policy: Partial<RetryPolicy> = {}): Promise<T> {
  const { attempts, baseMs } = { ...DEFAULTS, ...policy };
  for (let i = 1; ; i++) {
    try {
      return await op();
    } catch (err) {
      if (!isTransientStoreError(err)) throw err;
      if (i >= attempts) {
        const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        throw new StorageUnavailableError(`object store unavailable (${what}): ${detail}`, { cause: err });
      }
      await new Promise((resolve) => setTimeout(resolve, baseMs * 2 ** (i - 1)));
    }
  }
}
