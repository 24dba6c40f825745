import type { Readable } from 'node:stream';

/**
 * Frame buffers for one render, handed back once a frame has been encoded. A 720p frame is 1.4 MB: allocating one per
 * frame makes V8 run a full garbage collection every few dozen frames for the external memory alone; recycling a
 * handful of buffers keeps the allocation rate near zero.
 */
export class FramePool {
  private readonly free: Uint8Array[] = [];

  constructor(
    readonly frameBytes: number,
    /** Buffers kept for reuse at most; more are left to the garbage collector. */
    private readonly keep = 48,
  ) {}

  acquire(): Uint8Array {
    return this.free.pop() ?? new Uint8Array(this.frameBytes);
  }

  /** Hands a buffer back: the caller must not touch it afterwards. */
  release(buffer: Uint8Array): void {
    if (buffer.length === this.frameBytes && this.free.length < this.keep) this.free.push(buffer);
  }
}

/** A buffer for one frame of `frameBytes`: from the pool when there is one for that size, else a new one. */
export function frameBuffer(frameBytes: number, pool?: FramePool): Uint8Array {
  return pool && pool.frameBytes === frameBytes ? pool.acquire() : new Uint8Array(frameBytes);
}

/**
 * Splits a raw video byte stream into whole frames. Reading is pull-based (async iteration), so when the
 * consumer is busy the pipe fills up and ffmpeg waits: at most one pipe buffer plus one frame is held.
 */
export async function* readRawFrames(stream: Readable, frameBytes: number, pool?: FramePool): AsyncGenerator<Uint8Array> {
  let frame = frameBuffer(frameBytes, pool);
  let filled = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(frameBytes - filled, chunk.length - offset);
      frame.set(chunk.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === frameBytes) {
        yield frame;
        frame = frameBuffer(frameBytes, pool);
        filled = 0;
      }
    }
  }
  pool?.release(frame);
}

/**
 * Writes one buffer to a writable stream and resolves once the stream is done with it (the buffer may be reused
 * then), after waiting for drain when the stream's buffer is full, so memory stays bounded.
 */
export function writeWithBackpressure(stream: NodeJS.WritableStream, data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    let written = false;
    let drained = true;
    const settle = () => {
      if (written && drained) resolve();
    };
    const ok = stream.write(data, (err) => {
      if (err) {
        reject(err);
        return;
      }
      written = true;
      settle();
    });
    if (!ok) {
      drained = false;
      const onDrain = () => {
        stream.off('error', onError);
        drained = true;
        settle();
      };
      const onError = (err: Error) => {
        stream.off('drain', onDrain);
        reject(err);
      };
      stream.once('drain', onDrain);
      stream.once('error', onError);
    }
  });
}
