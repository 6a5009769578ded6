import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { backoffDelay } from './backoff.ts';
import { DEFAULT_SYNC_TIMING, type SyncTimingOptions } from './sync-events.ts';

const timing: SyncTimingOptions = { ...DEFAULT_SYNC_TIMING, backoffInitialMs: 250, backoffMaxMs: 10_000 };
const ALMOST_ONE = 0.9999;

describe('backoffDelay', () => {
  test('stays within [0, cap] for any attempt, timing and random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -5, max: 10_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.integer({ min: 0, max: 600_000 }),
        fc.double({ min: -1, max: 2, noNaN: false }),
        (attempt, backoffInitialMs, backoffMaxMs, random) => {
          const delay = backoffDelay(attempt, { ...timing, backoffInitialMs, backoffMaxMs }, () => random);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(backoffMaxMs);
          expect(Number.isInteger(delay)).toBe(true);
        },
      ),
    );
  });

  test('keeps at least half of the exponential step and never more than the step', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.double({ min: 0, max: ALMOST_ONE, noNaN: true }), (attempt, random) => {
        const step = Math.min(timing.backoffMaxMs, timing.backoffInitialMs * 2 ** (attempt - 1));
        const delay = backoffDelay(attempt, timing, () => random);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(step / 2));
        expect(delay).toBeLessThanOrEqual(step);
      }),
    );
  });

  test('random = 0 gives half of each step, doubling up to the cap', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => backoffDelay(attempt, timing, () => 0));
    expect(delays).toEqual([125, 250, 500, 1_000, 2_000, 4_000, 5_000, 5_000]);
  });

  test('random close to 1 gives (almost) the whole step, capped', () => {
    const delays = [1, 2, 6, 7, 100].map((attempt) => backoffDelay(attempt, timing, () => ALMOST_ONE));
    expect(delays).toEqual([249, 499, 7_999, 9_999, 9_999]);
  });

  test('a huge attempt number does not overflow past the cap', () => {
    expect(backoffDelay(Number.MAX_SAFE_INTEGER, timing, () => 0.5)).toBe(7_500);
    expect(backoffDelay(Number.POSITIVE_INFINITY, timing, () => 0)).toBe(125);
  });

  test('a zero initial step stays zero however many attempts overflow the exponent', () => {
    expect(backoffDelay(10_000, { ...timing, backoffInitialMs: 0 }, () => 0.5)).toBe(0);
  });
});
