import type { StorageSettings } from '../config/storage.js';
import { S3Storage } from './s3Storage.js';
import { LocalStorage, type Storage } from './storage.js';

/** The storage backend STORAGE_URL names (see config/storage.ts); the rest of the code only sees `Storage`. */
export function openStorage(settings: StorageSettings): Storage {
  if (settings.kind === 'local') return new LocalStorage(settings.root);
  return new S3Storage({
    bucket: settings.bucket,
    prefix: settings.prefix,
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
  });
}
