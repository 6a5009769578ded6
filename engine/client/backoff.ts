import type { SyncTimingOptions } from './sync-events.ts';

/**
 * How long to wait before connection attempt `attempt` (1 for the first retry).
 *
 * Exponential from `backoffInitialMs`, capped at `backoffMaxMs`, with "equal"
 * jitter: half of the step is fixed and half is random. The fixed half keeps a
 * crowd of clients from retrying almost at once after a server restart; the random
 * half spreads them out. `random` is injected (Math.random in production) so the
 * loop's retries are reproducible under test.
 */
export function backoffDelay(attempt: number, timing: SyncTimingOptions, random: () => number): number {
  const cap = Math.max(0, timing.backoffMaxMs);
  const exponent = Number.isFinite(attempt) ? Math.max(0, Math.floor(attempt) - 1) : 0;
  // 2 ** exponent overflows to Infinity for large attempts, and 0 * Infinity is NaN.
  const step = Math.min(cap, Math.max(0, timing.backoffInitialMs) * Math.min(2 ** exponent, Number.MAX_VALUE));
  const half = step / 2;
  return Math.min(cap, Math.floor(half + clampUnit(random()) * half));
}

/** A misbehaving random source must not push the delay outside [step/2, step]. */
function clampUnit(value: number): number {
  if (!(value > 0)) return 0;
  return value >= 1 ? 1 : value;
}
