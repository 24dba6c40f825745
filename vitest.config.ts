import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Media tests spawn ffmpeg and onnxruntime; two cores are the norm here, so keep file parallelism modest.
    maxWorkers: 2,
    minWorkers: 1,
    globalSetup: ['test/support/globalSetup.ts'],
  },
});
