import { createWriteStream } from 'node:fs';
import { copyFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TelegramError, type Telegram } from 'telegraf';
import { DownloadTooLargeError } from '../core/platform.js';
import { translateError } from './errors.js';

export interface FileFetcherOptions {
  telegram: Telegram;
  token: string;
  /** Bot API root; file downloads live under <root>/file/bot<token>/<file_path>. */
  apiRoot: string;
}

/** Byte counter that fails past `max`, so a lying or missing file_size cannot fill the disk. */
function limitBytes(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > max) cb(new DownloadTooLargeError(null, max));
      else cb(null, chunk);
    },
  });
}

/**
 * Downloads a file by id: getFile, then the file URL (whose path contains the token, so no error from here
 * quotes it). A local Bot API server started with --local answers with an absolute path on its own disk; when
 * that path is readable here the file is copied instead.
 */
export async function downloadTelegramFile(o: FileFetcherOptions, fileId: string, dest: string, maxBytes: number): Promise<void> {
  let filePath: string | undefined;
  let size: number | undefined;
  try {
    const file = await o.telegram.getFile(fileId);
    filePath = file.file_path;
    size = file.file_size;
  } catch (err) {
    if (err instanceof TelegramError && err.code === 400 && /file is too big/i.test(err.description)) throw new DownloadTooLargeError(null, maxBytes);
    throw translateError(err, o.token);
  }
  if (size !== undefined && size > maxBytes) throw new DownloadTooLargeError(size, maxBytes);
  if (!filePath) throw new Error('Telegram returned no file path');
  try {
    if (path.isAbsolute(filePath) && (await stat(filePath).then((s) => s.isFile(), () => false))) {
      const { size: localSize } = await stat(filePath);
      if (localSize > maxBytes) throw new DownloadTooLargeError(localSize, maxBytes);
      await copyFile(filePath, dest);
      return;
    }
    const url = `${o.apiRoot.replace(/\/+$/, '')}/file/bot${o.token}/${filePath.replace(/^\/+/, '')}`;
    const res = await fetch(url);
    if (!res.ok || !res.body) throw new Error(`file download answered HTTP ${res.status}`);
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) throw new DownloadTooLargeError(declared, maxBytes);
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), limitBytes(maxBytes), createWriteStream(dest));
  } catch (err) {
    await rm(dest, { force: true });
    if (err instanceof DownloadTooLargeError) throw err;
    throw translateError(err, o.token);
  }
}
