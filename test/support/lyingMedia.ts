import { readFileSync, writeFileSync } from 'node:fs';

/** EBML id of the Segment Info Duration (0x4489) followed by the size byte of an 8-byte float, as ffmpeg writes it. */
const DURATION_ELEMENT = Buffer.from([0x44, 0x89, 0x88]);

/**
 * Copies a Matroska file written by ffmpeg into `out` with its segment Duration replaced by `claimedSeconds` (the
 * default timecode scale of 1 ms per unit): ffprobe then reports the claimed length while every frame and sample is
 * still there to decode. That is a file whose header lies, not a damaged one. (Segment Info precedes the clusters,
 * so the first match is the element itself.)
 */
export function withClaimedDuration(file: string, out: string, claimedSeconds: number): string {
  const bytes = readFileSync(file);
  const at = bytes.indexOf(DURATION_ELEMENT);
  if (at < 0) throw new Error(`${file} has no 8-byte segment Duration to rewrite (not a seekable ffmpeg Matroska file?)`);
  bytes.writeDoubleBE(claimedSeconds * 1000, at + DURATION_ELEMENT.length);
  writeFileSync(out, bytes);
  return out;
}
