/** The platform-neutral conversation core: what Telegram and Discord adapters build on. */
export { ConversationCore, type ConversationDeps, type CoreLimits } from './conversation.js';
export * from './platform.js';
export * from './incoming.js';
export { systemClock, type Clock } from './clock.js';
export { type DownloadLinks, planDelivery, linksFromSigner } from './delivery.js';
export { probeInspector, type MediaInspector } from './inspect.js';
export { RedisTrackingStore, MemoryTrackingStore, type TrackingStore } from './tracking.js';
export { type QueuePort } from './batches.js';
export { words, wordsFor, type Words } from './wording.js';
export { renderProgress } from './progressText.js';
