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
  // A changes frame holding a change cr-sqlite could not have produced (see engine/server/change-rules.ts)
  'invalid-change',
  // Handshake and database identity
  'invalid-database-name',
  'unknown-database',
  'forbidden-database',
  'schema-mismatch',
  'server-rebuilt',
  // Another secret for a known site id: someone else's identity, or a copied database
  'site-secret-mismatch',
  // The server holds more of this site's changes than this database has written
  'acknowledged-unwritten',
  // The server said something that cannot be true (an ack, a version, a table)
  'server-misbehaved',
  // Storage and sync
  'storage',
  'apply-failed',
  // A value SQLite cannot store exactly (text that is not valid Unicode)
  'invalid-value',
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
