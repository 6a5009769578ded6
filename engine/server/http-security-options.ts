import { GreenlightError } from '../errors.ts';
import { isLoopbackHost } from './loopback-host.ts';

/** The defaults of the HTTP bounds, in one table; each is a `startSyncServer` option and a CLI flag. */
export const HTTP_BOUNDS_DEFAULTS = {
  /** Time for a request's (or a WebSocket upgrade's) headers to arrive: slow-header (slowloris) connections end here. */
  httpHeadersTimeoutMs: 10_000,
  /** Time for a request body to arrive once its headers have. */
  httpBodyTimeoutMs: 30_000,
  /** Request-body bytes held in memory across all connections at once. */
  maxBufferedBodyBytes: 16 * 1024 * 1024,
} as const;

/** Shorter admin tokens are refused at start: they can be guessed. */
export const MIN_ADMIN_TOKEN_BYTES = 32;

/**
 * Refuses, before the server takes its folder or a port, the access options that
 * would open it to strangers: `allowExec` anywhere but on loopback (it lets anyone
 * who reaches the port run SQL), and an admin token too short to resist guessing.
 */
export function checkHttpAccessOptions(options: { readonly host: string; readonly allowExec?: boolean; readonly adminToken?: string }): void {
  if (options.allowExec === true && !isLoopbackHost(options.host)) {
    throw new GreenlightError(
      'invalid-options',
      'server',
      `allowExec (--allow-exec) opens /exec and /reset to everyone, so it is accepted only on a loopback address (127.0.0.1, ::1, localhost), not ${options.host}; use an admin token instead`,
    );
  }
  if (options.adminToken !== undefined && new TextEncoder().encode(options.adminToken).length < MIN_ADMIN_TOKEN_BYTES) {
    throw new GreenlightError('invalid-options', 'server', `the admin token must be at least ${MIN_ADMIN_TOKEN_BYTES} bytes long`);
  }
}

/** Refuses a bound that is not a positive whole number. */
export function positiveLimit(name: string, value: number | undefined, fallback: number): number {
  const limit = value ?? fallback;
  if (!Number.isSafeInteger(limit) || limit <= 0) throw new GreenlightError('invalid-options', 'server', `${name} must be a positive whole number, got ${String(value)}`);
  return limit;
}
