import type { Clock } from '../core/clock.js';

/**
 * Telegram delivers an album as separate messages sharing one media_group_id. This collects them and hands the
 * whole group over once no new item arrived for `quietMs`, so the user gets one acknowledgement per album.
 */
export class AlbumCollector<T> {
  private readonly groups = new Map<string, { items: T[]; timer: unknown }>();

  constructor(
    private readonly clock: Clock,
    private readonly quietMs: number,
    private readonly onAlbum: (items: T[]) => void,
  ) {}

  add(groupKey: string, item: T): void {
    const g = this.groups.get(groupKey) ?? { items: [], timer: null };
    if (g.timer !== null) this.clock.clearTimeout(g.timer);
    g.items.push(item);
    g.timer = this.clock.setTimeout(() => {
      this.groups.delete(groupKey);
      this.onAlbum(g.items);
    }, this.quietMs);
    this.groups.set(groupKey, g);
  }

  /** Hands over every group now (shutdown). */
  flush(): void {
    for (const [key, g] of this.groups) {
      this.clock.clearTimeout(g.timer);
      this.groups.delete(key);
      this.onAlbum(g.items);
    }
  }
}
