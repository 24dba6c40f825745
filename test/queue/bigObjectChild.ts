// Child process of bigObject.test.ts: stores a large local file as an output through S3Storage, reads it back as
// a stream, and reports sizes, hashes and this process's peak RSS (credentials from the SDK's standard chain).
import { createHash } from 'node:crypto';
import { S3Storage } from '../../src/queue/s3Storage.js';

const [endpoint, bucket, region, prefix, file, renderKey] = process.argv.slice(2) as [string, string, string, string, string, string];
const storage = new S3Storage({ bucket, prefix, region, endpoint, forcePathStyle: true });
try {
  const stored = await storage.putOutput(renderKey, file);
  const reader = await storage.openOutput(renderKey);
  if (!reader) throw new Error('output missing after upload');
  const hasher = createHash('sha256');
  let downloaded = 0;
  for await (const chunk of reader.stream as AsyncIterable<Buffer>) {
    hasher.update(chunk);
    downloaded += chunk.length;
  }
  const report = { storedBytes: stored.bytes, reportedSize: reader.size, downloaded, downloadedSha256: hasher.digest('hex'), maxRssBytes: process.resourceUsage().maxRSS * 1024 };
  process.stdout.write(`${JSON.stringify(report)}\n`);
} finally {
  storage.close();
}
