/** What the bots, the CLI and the web server use from the queue. */
export { RenderQueue, type RenderQueueDeps } from './queue.js';
export { subscribeEvents, readEvents, latestEventId, type QueueEvent, type QueueEventType, type Subscription, type SubscribeOptions } from './events.js';
export { createRedis, warnIfEvicting, DEFAULT_REDIS_URL } from './redis.js';
export { LocalStorage, StorageUnavailableError, type OutputReader, type Storage } from './storage.js';
export { S3Storage } from './s3Storage.js';
export { openStorage } from './openStorage.js';
export { busyError, type IntakeReservation, type IntakeWant } from './intake.js';
export type { Service } from './services.js';
export type * from './types.js';
