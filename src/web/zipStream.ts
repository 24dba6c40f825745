import type { Readable } from 'node:stream';
import archiver, { type Archiver } from 'archiver';

export interface ZipEntrySource {
  name: string;
  date: Date;
  /** Opens the entry's content when its turn comes; null skips it (e.g. the file was deleted meanwhile). */
  open(): Promise<Readable | null>;
}

export interface ZipStreamEvents {
  /** Called once: 'finished' when the archive ended normally, 'aborted' when the signal stopped it, 'failed' on error. */
  onEnd?(outcome: 'finished' | 'aborted' | 'failed'): void;
}

/**
 * A ZIP of the entries, produced while it is read. Entries are STOREd (MP4 is already compressed), opened one
 * at a time, so at most one file is open and nothing is buffered beyond the streams' own high-water marks.
 * Aborting the signal (the client went away) destroys the open source and stops archiver.
 */
export function streamZip(entries: readonly ZipEntrySource[], signal: AbortSignal, events: ZipStreamEvents = {}): Archiver {
  const archive = archiver('zip', { store: true, forceZip64: false });
  let index = 0;
  let current: Readable | null = null;
  let ended = false;
  const end = (outcome: 'finished' | 'aborted' | 'failed') => {
    if (ended) return;
    ended = true;
    signal.removeEventListener('abort', onAbort);
    events.onEnd?.(outcome);
  };

  const appendNext = async (): Promise<void> => {
    while (!signal.aborted) {
      const entry = entries[index++];
      if (!entry) {
        await archive.finalize();
        return;
      }
      const source = await entry.open();
      if (signal.aborted) {
        source?.destroy();
        return;
      }
      if (!source) continue;
      current = source;
      archive.append(source, { name: entry.name, date: entry.date, store: true });
      return;
    }
  };
  const fail = (err: unknown) => {
    if (!signal.aborted) archive.emit('error', err instanceof Error ? err : new Error(String(err)));
  };

  const onAbort = () => {
    current?.destroy();
    current = null;
    archive.abort();
    end('aborted');
  };
  signal.addEventListener('abort', onAbort, { once: true });

  archive.on('entry', () => {
    current = null;
    appendNext().catch(fail);
  });
  archive.on('warning', fail);
  archive.on('error', () => {
    current?.destroy();
    end('failed');
  });
  archive.on('end', () => end(signal.aborted ? 'aborted' : 'finished'));

  if (signal.aborted) onAbort();
  else appendNext().catch(fail);
  return archive;
}
