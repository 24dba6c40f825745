/**
 * Two kinds of failure, kept apart on purpose:
 * - InputError: the user's media or request is unusable. Its message is written for a chat user and may be shown as-is.
 * - InternalError: something on our side broke (ffmpeg crashed, model failed). Shown to users only as a generic apology.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  /** Stable machine-readable reason, e.g. 'no-video-stream', 'too-long'. */
  readonly code: string;
  /** What the message says, as data: the bots word it again from their catalog in the user's language (src/i18n). */
  readonly params: Readonly<Record<string, string | number | boolean>> | undefined;
  constructor(code: string, userMessage: string, options?: { cause?: unknown; params?: Readonly<Record<string, string | number | boolean>> }) {
    super(userMessage, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.code = code;
    this.params = options?.params;
  }
}

export class InternalError extends Error {
  override readonly name = 'InternalError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The render was cancelled through its AbortSignal. */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor(message = 'cancelled') {
    super(message);
  }
}

/** Configuration is missing or invalid; the message names the setting. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** A model file the operator must supply is absent. */
export class ModelMissingError extends Error {
  override readonly name = 'ModelMissingError';
  readonly modelPath: string;
  constructor(modelPath: string, hint: string) {
    super(`Model file not found: ${modelPath}. ${hint}`);
    this.modelPath = modelPath;
  }
}

/**
 * A model file exists but the engine cannot use it (not ONNX, or not shaped like a Wav2Lip-family generator).
 * The message says what is wrong in an operator's words; `reason` is that part alone.
 */
export class ModelFormatError extends Error {
  override readonly name = 'ModelFormatError';
  readonly reason: string;
  readonly modelPath: string | undefined;
  constructor(reason: string, modelPath?: string, options?: { cause?: unknown }) {
    super(`${modelPath ?? 'This file'} is not a usable lip-sync model: ${reason}`, options);
    this.reason = reason;
    this.modelPath = modelPath;
  }

  /** The same error, naming the file (signature checks run before the path is known to them). */
  forPath(modelPath: string): ModelFormatError {
    return new ModelFormatError(this.reason, modelPath, { cause: this.cause });
  }
}

/** The face-restoration model (LIPSYNC_ENHANCER) exists but is no image-to-image face restorer the render can run. */
export class EnhancerFormatError extends ModelFormatError {
  constructor(reason: string, modelPath?: string, options?: { cause?: unknown }) {
    super(reason, modelPath, options);
    this.message = `${modelPath ?? 'This file'} is not a usable face-restoration model (LIPSYNC_ENHANCER): ${reason}`;
  }

  override forPath(modelPath: string): EnhancerFormatError {
    return new EnhancerFormatError(this.reason, modelPath, { cause: this.cause });
  }
}

export function isInputError(err: unknown): err is InputError {
  return err instanceof InputError;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
