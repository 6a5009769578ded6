import { describe, expect, test } from 'vitest';
import {
  finishProgress,
  flushProgress,
  NOTHING_ANNOUNCED,
  PROGRESS_PUBLISH_INTERVAL_MS,
  recordProgress,
  startProgress,
  type ProgressMeter,
} from './progress-meter.ts';

function batches(meter: ProgressMeter, from: number, count: number, spacing: number, changes = 10): ProgressMeter {
  let current = meter;
  for (let index = 0; index < count; index += 1) {
    current = recordProgress(current, from + index * spacing, { changes, rows: changes / 2, bytes: changes * 100 });
  }
  return current;
}

describe('progress meter', () => {
  test('starts at zero with the announced totals and no rate or ETA', () => {
    expect(startProgress(1_000, { changes: 100, rows: 40, bytes: 10_000 }).published).toEqual({
      changesDone: 0,
      changesTotal: 100,
      rowsDone: 0,
      rowsTotal: 40,
      bytesDone: 0,
      bytesTotal: 10_000,
      changesPerSecond: null,
      etaMs: null,
      startedAt: 1_000,
      finishedAt: null,
    });
  });

  test('keeps the announced rows total, whatever the rows per change of the first batches', () => {
    const meter = recordProgress(startProgress(0, { changes: 100, rows: 60, bytes: 0 }), 200, { changes: 20, rows: 5, bytes: 0 });
    expect(meter.published).toMatchObject({ rowsDone: 5, rowsTotal: 60, changesDone: 20, changesTotal: 100 });
  });

  test('with nothing announced (a live burst) the totals are what arrived so far', () => {
    const meter = recordProgress(startProgress(0, NOTHING_ANNOUNCED), 200, { changes: 20, rows: 5, bytes: 300 });
    expect(meter.published).toMatchObject({ changesDone: 20, changesTotal: 20, rowsDone: 5, rowsTotal: 5, bytesTotal: 300 });
  });

  test('measures a steady rate and derives the ETA from it', () => {
    const meter = batches(startProgress(0, { changes: 10_000, rows: 10_000, bytes: 0 }), 100, 30, 100);
    expect(meter.published.changesPerSecond).toBeCloseTo(100, 5);
    const remaining = 10_000 - meter.published.changesDone;
    expect(meter.published.etaMs).toBe(Math.round((remaining * 1_000) / 100));
  });

  test('the smoothed rate follows a change of pace gradually', () => {
    const slow = batches(startProgress(0, { changes: 100_000, rows: 100_000, bytes: 0 }), 100, 20, 100);
    const faster = batches(slow, 2_100, 3, 100, 100);
    const rate = faster.published.changesPerSecond ?? 0;
    expect(rate).toBeGreaterThan(100);
    expect(rate).toBeLessThan(1_000);
  });

  test('publishes at most once per interval, however many batches arrive', () => {
    let meter = startProgress(0, { changes: 1_000_000, rows: 1_000_000, bytes: 0 });
    const published = new Set([meter.published]);
    for (let at = 1; at <= 1_000; at += 1) {
      meter = recordProgress(meter, at, { changes: 1, rows: 1, bytes: 1 });
      published.add(meter.published);
    }
    expect(published.size).toBe(1 + 1_000 / PROGRESS_PUBLISH_INTERVAL_MS);
    expect(meter.changesDone).toBe(1_000);
  });

  test('flush publishes counters the throttle held back, once the interval has passed', () => {
    const held = recordProgress(startProgress(0, { changes: 10, rows: 10, bytes: 0 }), 50, { changes: 4, rows: 4, bytes: 0 });
    expect(held.published.changesDone).toBe(0);
    expect(flushProgress(held, 99)).toBe(held);
    expect(flushProgress(held, 100).published.changesDone).toBe(4);
    const flushed = flushProgress(held, 100);
    expect(flushProgress(flushed, 500)).toBe(flushed);
  });

  test('grows the totals when more arrives than announced', () => {
    const meter = recordProgress(startProgress(0, { changes: 5, rows: 5, bytes: 50 }), 100, { changes: 9, rows: 7, bytes: 90 });
    expect(meter.published).toMatchObject({ changesDone: 9, changesTotal: 9, rowsDone: 7, rowsTotal: 7, bytesDone: 90, bytesTotal: 90, etaMs: 0 });
  });

  test('finishing publishes at once, with done equal to the totals, and then ignores late batches', () => {
    const running = recordProgress(startProgress(0, { changes: 100, rows: 100, bytes: 1_000 }), 10, { changes: 60, rows: 30, bytes: 700 });
    const finished = finishProgress(running, 20);
    expect(finished.published).toEqual({
      changesDone: 60,
      changesTotal: 60,
      rowsDone: 30,
      rowsTotal: 30,
      bytesDone: 700,
      bytesTotal: 700,
      changesPerSecond: null,
      etaMs: 0,
      startedAt: 0,
      finishedAt: 20,
    });
    expect(recordProgress(finished, 30, { changes: 1, rows: 1, bytes: 1 })).toBe(finished);
    expect(finishProgress(finished, 40)).toBe(finished);
  });

  test('ignores negative and non-finite amounts, so done never decreases', () => {
    const meter = recordProgress(startProgress(0, { changes: -5, rows: -5, bytes: Number.NaN }), 200, {
      changes: -3,
      rows: Number.POSITIVE_INFINITY,
      bytes: -1,
    });
    expect(meter.published).toMatchObject({ changesDone: 0, changesTotal: 0, rowsDone: 0, bytesDone: 0, bytesTotal: 0 });
  });
});
