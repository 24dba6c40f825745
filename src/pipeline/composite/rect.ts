/** Integer pixel rectangle, x2/y2 exclusive. */
export interface Rect {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export function rectWidth(r: Rect): number {
  return r.x2 - r.x1;
}

export function rectHeight(r: Rect): number {
  return r.y2 - r.y1;
}
