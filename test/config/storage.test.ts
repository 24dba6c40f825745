import { describe, expect, it } from 'vitest';
import { loadQueueConfig } from '../../src/config/queue.js';
import { loadStorageConfig } from '../../src/config/storage.js';
import { openStorage } from '../../src/queue/openStorage.js';
import { S3Storage } from '../../src/queue/s3Storage.js';
import { LocalStorage } from '../../src/queue/storage.js';

describe('storage settings (STORAGE_URL, S3_*)', () => {
  it('unset: DATA_DIR on local disk; file:// names another folder', () => {
    expect(loadQueueConfig({ DATA_DIR: 'd' }, '/srv').storage).toEqual({ kind: 'local', root: '/srv/d' });
    expect(loadStorageConfig({ STORAGE_URL: 'file:///mnt/lipsync' }, '/srv/d')).toEqual({ kind: 'local', root: '/mnt/lipsync' });
    expect(openStorage(loadStorageConfig({}, '/srv/d'))).toBeInstanceOf(LocalStorage);
  });

  it('s3://BUCKET/PREFIX with endpoint, region, path style and presign', () => {
    const s = loadStorageConfig(
      { STORAGE_URL: 's3://my-bucket/lipsync/prod/', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_REGION: 'eu-central-1', S3_FORCE_PATH_STYLE: 'yes', S3_PRESIGN: '1' },
      '/srv/d',
    );
    expect(s).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: 'lipsync/prod', region: 'eu-central-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, presign: true });
    expect(loadStorageConfig({ STORAGE_URL: 's3://bucket' }, '/d')).toMatchObject({ bucket: 'bucket', prefix: '', region: 'us-east-1', forcePathStyle: false, presign: false });
    const storage = openStorage(s);
    expect(storage).toBeInstanceOf(S3Storage);
    expect(storage.description).toBe('s3://my-bucket/lipsync/prod');
    storage.close?.();
  });

  it('refuses other schemes, bad bucket names and endpoints with credentials, naming the variable', () => {
    expect(() => loadStorageConfig({ STORAGE_URL: 'gs://bucket/x' }, '/d')).toThrow(/STORAGE_URL/);
    expect(() => loadStorageConfig({ STORAGE_URL: 's3://Bad_Bucket/x' }, '/d')).toThrow(/STORAGE_URL/);
    expect(() => loadStorageConfig({ STORAGE_URL: 's3://b/x', S3_ENDPOINT: 'http://key:s3cr3t@host:9000' }, '/d')).toThrow(/S3_ENDPOINT: .*"http:\/\/\*\*\*@host:9000"/);
    expect(() => loadStorageConfig({ STORAGE_URL: 's3://key:s3cr3t@bucket/x' }, '/d')).toThrow(/^(?![\s\S]*s3cr3t)[\s\S]*STORAGE_URL/);
    expect(() => loadStorageConfig({ S3_PRESIGN: 'maybe' }, '/d')).toThrow(/S3_PRESIGN/);
  });
});
