import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { DownloadTooLargeError } from '../core/platform.js';
import type { IncomingFile } from '../core/incoming.js';

/** What Discord tells about an attachment (interaction `resolved.attachments` or a message's attachments). */
export interface DiscordAttachment {
  name: string;
  url: string;
  size: number;
  contentType: string | null;
  /** Voice messages only. */
  duration: number | null;
}

/**
 * An attachment as the core's IncomingFile. Kind "document" lets the core classify by MIME type and file name
 * (Discord has no separate photo/video/audio message kinds); voice messages carry their duration.
 */
export function toIncomingFile(a: DiscordAttachment, timeoutMs = 120_000): IncomingFile {
  return {
    kind: a.duration !== null ? 'voice' : 'document',
    fileName: a.name,
    ...(a.contentType ? { mimeType: a.contentType } : {}),
    sizeBytes: a.size,
    ...(a.duration !== null ? { durationSeconds: a.duration } : {}),
    download: (dest, maxBytes) => downloadAttachment(a.url, dest, maxBytes, timeoutMs),
  };
}

/** Streams a CDN file to `dest`, stopping past `maxBytes` whatever the headers claimed. */
export async function downloadAttachment(url: string, dest: string, maxBytes: number, timeoutMs: number): Promise<void> {
  if (!/^https?:\/\//.test(url)) throw new Error('attachment URL is not http(s)');
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  if (!res.ok || !res.body) throw new Error(`attachment download failed with HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body.cancel();
    throw new DownloadTooLargeError(declared, maxBytes);
  }
  let seen = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      done(seen > maxBytes ? new DownloadTooLargeError(null, maxBytes) : null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), cap, createWriteStream(dest));
  } catch (err) {
    await rm(dest, { force: true });
    throw err;
  }
}
