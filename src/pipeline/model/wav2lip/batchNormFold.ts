/**
 * Folds an eval-mode BatchNorm into the convolution before it:
 *   BN(conv(x)) = γ·(W∗x + b − μ)/√(σ² + ε) + β = (s·W)∗x + (s·(b − μ) + β),  s = γ/√(σ² + ε)
 * with s applied per output channel. Conv2d weights are [out, in, kH, kW] (output channels on dimension 0);
 * ConvTranspose2d weights are [in, out, kH, kW], so there the scale runs along dimension 1. Computed in float64.
 */

export interface BatchNormParams {
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
}

export interface ConvParams {
  weight: Float32Array;
  /** The weight's shape, rank 4. */
  shape: readonly number[];
  bias: Float32Array;
  batchNorm?: BatchNormParams;
}

/** `outputChannelDim` is 0 for Conv2d, 1 for ConvTranspose2d. */
export function foldBatchNorm(conv: ConvParams, outputChannelDim: 0 | 1, epsilon: number): { weight: Float32Array; bias: Float32Array } {
  const bn = conv.batchNorm;
  if (!bn) return { weight: conv.weight, bias: conv.bias };
  const [d0, d1, kh, kw] = conv.shape as [number, number, number, number];
  const channels = outputChannelDim === 0 ? d0 : d1;
  if (conv.bias.length !== channels || conv.weight.length !== d0 * d1 * kh * kw) {
    throw new Error(`cannot fold BatchNorm: weight [${conv.shape.join(',')}] with ${conv.bias.length} biases`);
  }
  const scale = new Float64Array(channels);
  const bias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = bn.gamma[c]! / Math.sqrt(bn.variance[c]! + epsilon);
    bias[c] = scale[c]! * (conv.bias[c]! - bn.mean[c]!) + bn.beta[c]!;
  }
  const weight = new Float32Array(conv.weight.length);
  const kernel = kh * kw;
  for (let i = 0; i < d0; i++) {
    for (let j = 0; j < d1; j++) {
      const s = scale[outputChannelDim === 0 ? i : j]!;
      const base = (i * d1 + j) * kernel;
      for (let k = base; k < base + kernel; k++) weight[k] = conv.weight[k]! * s;
    }
  }
  return { weight, bias };
}
