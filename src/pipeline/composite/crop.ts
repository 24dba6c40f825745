import type { RgbImage } from '../media/image.js';
import { rectHeight, rectWidth, type Rect } from './rect.js';

export type ChannelOrder = 'rgb' | 'bgr';

/**
 * Writes one Wav2Lip face input of 6 planes × size² into `out` at `offset`: planes 0–2 are the crop with its lower
 * half zeroed (the model must draw the mouth), planes 3–5 the whole crop as reference. Values are /255, resized with
 * bilinear sampling (OpenCV's INTER_LINEAR pixel-centre convention, as the models were trained with cv2.resize).
 */
export function writeFaceInput(image: RgbImage, rect: Rect, size: number, order: ChannelOrder, out: Float32Array, offset: number): void {
  const w = rectWidth(rect);
  const h = rectHeight(rect);
  const plane = size * size;
  const { data, width: imgW, height: imgH } = image;
  const channelIndex = order === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  const sx = w / size;
  const sy = h / size;
  const half = size >> 1;
  for (let row = 0; row < size; row++) {
    const fy = Math.min(Math.max((row + 0.5) * sy - 0.5, 0), h - 1) + rect.y1;
    const y0 = Math.min(Math.floor(fy), imgH - 1);
    const y1 = Math.min(y0 + 1, imgH - 1, rect.y2 - 1);
    const ty = fy - y0;
    for (let col = 0; col < size; col++) {
      const fx = Math.min(Math.max((col + 0.5) * sx - 0.5, 0), w - 1) + rect.x1;
      const x0 = Math.min(Math.floor(fx), imgW - 1);
      const x1 = Math.min(x0 + 1, imgW - 1, rect.x2 - 1);
      const tx = fx - x0;
      const p00 = (y0 * imgW + x0) * 3;
      const p01 = (y0 * imgW + x1) * 3;
      const p10 = (y1 * imgW + x0) * 3;
      const p11 = (y1 * imgW + x1) * 3;
      const pix = row * size + col;
      for (let c = 0; c < 3; c++) {
        const src = channelIndex[c]!;
        const top = data[p00 + src]! + (data[p01 + src]! - data[p00 + src]!) * tx;
        const bottom = data[p10 + src]! + (data[p11 + src]! - data[p10 + src]!) * tx;
        const value = (top + (bottom - top) * ty) / 255;
        out[offset + (3 + c) * plane + pix] = value;
        out[offset + c * plane + pix] = row < half ? value : 0;
      }
    }
  }
}
