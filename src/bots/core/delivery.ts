import type { Logger } from '../../log.js';
import type { OutputReader } from '../../queue/index.js';
import { sleep, type Clock } from './clock.js';
import type { ChatAddress, ChatPlatform, OutgoingMessage, VideoUpload } from './platform.js';
import { RateLimitedError, UploadTooLargeError } from './platform.js';
import { recordDelivery } from '../../web/metrics.js';
import { wordsFor } from './wording.js';

/**
 * Download links for finished clips and batches, made by the web server (src/web) when one is configured.
 * Kept as a port so the core does not depend on how links are signed.
 */
export interface DownloadLinks {
  clipUrl(batchId: string, clipId: string): string;
  /** The batch's results page. */
  batchUrl(batchId: string): string;
  /** Every finished clip in one ZIP (optional: without it only the page is linked). */
  zipUrl?(batchId: string): string;
}

/** DownloadLinks on the web server's signer (src/web createLinkSigner). */
export function linksFromSigner(signer: { clipUrl(clipId: string): string; batchUrl(batchId: string): string; zipUrl(batchId: string): string }): DownloadLinks {
  return {
    clipUrl: (_batchId, clipId) => signer.clipUrl(clipId),
    batchUrl: (batchId) => signer.batchUrl(batchId),
    zipUrl: (batchId) => signer.zipUrl(batchId),
  };
}

export type DeliveryPlan = { kind: 'attachment' } | { kind: 'link'; url: string } | { kind: 'unavailable' };

/** A clip goes as an attachment when the platform takes it, else as a link when there is a download server. */
export function planDelivery(bytes: number, uploadLimitBytes: number, links: DownloadLinks | null, batchId: string, clipId: string): DeliveryPlan {
  if (bytes <= uploadLimitBytes) return { kind: 'attachment' };
  return links ? { kind: 'link', url: links.clipUrl(batchId, clipId) } : { kind: 'unavailable' };
}

/** Runs a send, waiting out rate limits (the platform's retry-after) a few times before giving up. */
export async function withRetryAfter<T>(clock: Clock, fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof RateLimitedError) || i >= attempts) throw err;
      await sleep(clock, err.retryAfterMs);
    }
  }
}

export interface ClipDelivery {
  batchId: string;
  clipId: string;
  index: number;
  total: number;
  template: string;
  /** Storage key of the MP4 (its render key). */
  key: string;
  bytes: number;
}

/** Reads finished clips from storage (RenderQueue.openOutput): hosts need not share a disk with the worker. */
export interface StoredOutputs {
  openOutput(renderKey: string): Promise<OutputReader | null>;
}

export interface DeliverDeps {
  platform: ChatPlatform;
  outputs: StoredOutputs;
  links: DownloadLinks | null;
  clock: Clock;
  log: Logger;
  /** The batch owner's language (src/i18n locale). */
  locale?: string | undefined;
}

/**
 * Sends one finished clip to the chat: video, link, or an explanation. True when the user got the clip (or its
 * link). Throws when the platform failed (other than "too large"), so the caller may retry.
 */
export async function sendClip(deps: DeliverDeps, to: ChatAddress, clip: ClipDelivery): Promise<boolean> {
  const { platform, links, clock, outputs } = deps;
  const text = (m: OutgoingMessage) => withRetryAfter(clock, () => platform.sendText(to, m));
  const words = wordsFor(deps.locale);
  const plan = planDelivery(clip.bytes, platform.limits.uploadBytes, links, clip.batchId, clip.clipId);
  if (plan.kind === 'attachment') {
    const upload: VideoUpload = {
      open: async () => {
        const stored = await outputs.openOutput(clip.key);
        if (!stored) throw new Error(`output ${clip.key} is no longer stored`);
        return stored.stream;
      },
      fileName: `lipsync-${clip.index + 1}.mp4`,
      bytes: clip.bytes,
      caption: words.clipCaption(clip.index, clip.total, clip.template),
    };
    void platform.showActivity?.(to, 'upload_video').catch(() => undefined);
    try {
      await withRetryAfter(clock, () => platform.sendVideo(to, upload));
      recordDelivery(platform.name, 'upload');
      return true;
    } catch (err) {
      if (!(err instanceof UploadTooLargeError)) throw err;
      const url = links?.clipUrl(clip.batchId, clip.clipId);
      await text({ text: url ? words.clipLink(clip.index, clip.template, url) : words.clipRefusedTooLarge(clip.index, clip.template, clip.bytes) });
      if (url) recordDelivery(platform.name, 'link');
      return url !== undefined;
    }
  }
  if (plan.kind === 'link') {
    await text({ text: words.clipLink(clip.index, clip.template, plan.url) });
    recordDelivery(platform.name, 'link');
    return true;
  }
  await text({ text: words.clipTooLargeNoLink(clip.index, clip.template, clip.bytes, platform.limits.uploadBytes) });
  return false;
}

/** Tells the chat a clip could not be sent (best effort). */
export async function reportSendFailed(deps: DeliverDeps, to: ChatAddress, clip: Pick<ClipDelivery, 'index' | 'template'>): Promise<void> {
  await withRetryAfter(deps.clock, () => deps.platform.sendText(to, { text: wordsFor(deps.locale).clipSendFailed(clip.index, clip.template) })).catch(() => undefined);
}

/** sendClip once; a failure is logged and reported in the chat. Never throws. */
export async function deliverClip(deps: DeliverDeps, to: ChatAddress, clip: ClipDelivery): Promise<boolean> {
  try {
    return await sendClip(deps, to, clip);
  } catch (err) {
    deps.log.error({ err, clipId: clip.clipId }, 'clip delivery failed');
    await reportSendFailed(deps, to, clip);
    return false;
  }
}
