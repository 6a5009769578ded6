/**
 * Greenlight's one error type. Every failure the engine reports carries a `kind`
 * (what went wrong, for code to switch on), an `origin` (which layer noticed it)
 * and, where there was one, the underlying `cause`.
 */
export const ERROR_KINDS = [
  // Wire and protocol
  'malformed-frame',
  'frame-too-large',
  'unknown-message',
  'unexpected-message',
  'protocol-version',
  // Handshake and database identity
  'invalid-database-name',
  'unknown-database',
  'forbidden-database',
  'schema-mismatch',
  'server-rebuilt',
  // Storage and sync
  'storage',
  'apply-failed',
  // An unsynced-changes export that cannot be read or does not fit the database
  'invalid-export',
  'timeout',
  'transport',
  'closed',
  'http',
  // A server started with options it refuses (e.g. --allow-exec on a public address)
  'invalid-options',
  'internal',
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

export const ERROR_ORIGINS = ['protocol', 'client', 'server', 'storage', 'transport'] as const;
export type ErrorOrigin = (typeof ERROR_ORIGINS)[number];

export interface GreenlightErrorOptions {
  readonly cause?: unknown;
}

export class GreenlightError extends Error {
  override readonly name = 'GreenlightError';
  readonly kind: ErrorKind;
  readonly origin: ErrorOrigin;

  constructor(kind: ErrorKind, origin: ErrorOrigin, message: string, options: GreenlightErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.origin = origin;
  }
}

export function isGreenlightError(value: unknown): value is GreenlightError {
  return value instanceof GreenlightError;
}

export function isErrorOfKind<K extends ErrorKind>(
  value: unknown,
  kind: K,
): value is GreenlightError & { readonly kind: K } {
  return isGreenlightError(value) && value.kind === kind;
}

/** Wraps anything thrown into a GreenlightError, keeping typed errors as they are. */
export function toGreenlightError(value: unknown, origin: ErrorOrigin, kind: ErrorKind = 'internal'): GreenlightError {
  if (isGreenlightError(value)) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new GreenlightError(kind, origin, message, { cause: value });
}
