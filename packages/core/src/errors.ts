/**
 * Typed errors. Every error a user can cause says what is wrong and how to fix it, so that the
 * CLI can print it on one line without a stack trace.
 */

/** Base class of every error iclkr raises on purpose; `fix` tells the user what to do. */
export class IclkrError extends Error {
  /** Machine-readable category, e.g. `data`, `option`, `safetensors`. */
  readonly code: string;
  /** What the user should do about it (one sentence). */
  readonly fix: string;

  constructor(code: string, message: string, fix: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.fix = fix;
  }

  /** The one-line form the CLI prints: message, then the fix. */
  oneLine(): string {
    return this.fix ? `${this.message}; ${this.fix}` : this.message;
  }
}

/** Malformed or unusable input data; names the file and, where known, the line. */
export class DataError extends IclkrError {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    message: string,
    fix: string,
  ) {
    super('data', `${file}${line === undefined ? '' : `:${line}`}: ${message}`, fix);
  }
}

/** A safetensors file that is truncated, inconsistent or holds an unexpected tensor. */
export class SafetensorsError extends IclkrError {
  constructor(
    readonly file: string,
    message: string,
    fix: string,
  ) {
    super('safetensors', `${file}: ${message}`, fix);
  }
}

/** An option value that is invalid or impossible (unknown kernel, negative bandwidth, ...). */
export class OptionError extends IclkrError {
  constructor(message: string, fix: string) {
    super('option', message, fix);
  }
}

/** Tensors or matrices whose shapes do not fit together. */
export class ShapeError extends IclkrError {
  constructor(message: string, fix: string) {
    super('shape', message, fix);
  }
}

/** A tensor backend that was asked for but cannot be loaded. */
export class BackendError extends IclkrError {
  constructor(message: string, fix: string) {
    super('backend', message, fix);
  }
}
