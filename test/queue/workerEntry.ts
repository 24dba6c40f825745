// Runs exactly what `lipsync worker` runs, configured by the environment the test gives this process.
import { runWorker } from '../../src/cli/commands/worker.js';

await runWorker();
