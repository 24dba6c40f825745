/**
 * The largest attachment the bot may post, per channel or thread. Discord tells it per interaction
 * (`attachment_size_limit`, which follows the guild's boost level); channels we have not heard about yet use the
 * default (10 MiB unless configured).
 */
export class UploadLimits {
  private readonly byChannel = new Map<string, number>();

  constructor(readonly defaultBytes: number) {}

  set(channelId: string, bytes: number | null | undefined): void {
    if (typeof bytes === 'number' && bytes > 0) this.byChannel.set(channelId, bytes);
  }

  get(channelId: string): number {
    return this.byChannel.get(channelId) ?? this.defaultBytes;
  }
}
