/**
 * Two kinds of failure, kept apart on purpose:
 * - InputError: the user's media or request is unusable. Its message is written for a chat user and may be shown as-is.
 * - InternalError: something on our side broke (ffmpeg crashed, model failed). Shown to users only as a generic apology.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  /** Stable machine-readable reason, e.g. 'no-video-stream', 'too-long'. */
  readonly code: string;
  constructor(code: string, userMessage: string, options?: { cause?: unknown }) {
    super(userMessage, options);
    this.code = code;
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

export function isInputError(err: unknown): err is InputError {
  return err instanceof InputError;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
