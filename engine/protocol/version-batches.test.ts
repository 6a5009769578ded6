import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Change } from './messages.ts';
import { DEFAULT_MAX_FRAME_BYTES } from './messages.ts';
import {
  CATCH_UP_MIN_BATCH_CHANGES,
  CHANGES_FRAME_OVERHEAD_BYTES,
  catchUpBatchLimits,
  splitIntoVersionBatches,
  splitVersionBytesFor,
  versionBatchLimits,
  type VersionBatchLimits,
} from './version-batches.ts';

function change(dbVersion: number, seq: number): Change {
  return { table: 't', pk: new Uint8Array([1]), cid: 'c', val: seq, colVersion: 1, dbVersion, siteId: new Uint8Array(16), cl: 1, seq };
}

/** Changes for the given number of changes per version, versions 1, 2, 3, ... */
function changesFor(perVersion: readonly number[]): Change[] {
  return perVersion.flatMap((count, index) => Array.from({ length: count }, (_, seq) => change(index + 1, seq)));
}

const versionsOf = (changes: readonly Change[]): number[] => changes.map((c) => c.dbVersion);
const NO_SPLIT = Number.MAX_SAFE_INTEGER;

describe('splitIntoVersionBatches', () => {
  it('cuts only between versions while no version is too large for a frame', () => {
    const batches = splitIntoVersionBatches(changesFor([2, 5, 1, 1]), () => 10, { maxChanges: 3, maxBytes: 1000, splitVersionBytes: NO_SPLIT }, 0);
    expect(batches.map((batch) => versionsOf(batch.changes))).toEqual([[1, 1, 2, 2, 2, 2, 2], [3, 4]]);
    expect(batches.map((batch) => batch.throughVersion)).toEqual([2, 4]);
  });

  it('closes a batch on the byte limit', () => {
    const batches = splitIntoVersionBatches(changesFor([1, 1, 1]), () => 600, { maxChanges: 100, maxBytes: 1000, splitVersionBytes: NO_SPLIT }, 0);
    expect(batches.map((batch) => batch.throughVersion)).toEqual([2, 3]);
  });

  it('cuts a version too large for a frame, its parts through the version before it', () => {
    const limits = { maxChanges: 100, maxBytes: 1000, splitVersionBytes: 30 };
    const batches = splitIntoVersionBatches(changesFor([1, 7, 1]), () => 10, limits, 0);
    // Version 1 goes ahead whole; version 2 is cut every 3 changes; its last part completes it.
    expect(batches.map((batch) => versionsOf(batch.changes))).toEqual([[1], [2, 2, 2], [2, 2, 2], [2, 3]]);
    expect(batches.map((batch) => batch.throughVersion)).toEqual([1, 1, 1, 3]);
  });

  it('sends a change that would carry a batch past the frame limit in a batch of its own', () => {
    const sizes = [10, 10, 90, 10];
    const changes = changesFor([4]);
    const batches = splitIntoVersionBatches(changes, (c) => sizes[c.seq] ?? 0, { maxChanges: 100, maxBytes: 1000, splitVersionBytes: 25 }, 0);
    // The frame limit is four split sizes, 100 bytes, less the frame's own: 10 + 10 + 90 would pass it.
    expect(batches.map((batch) => batch.changes.map((c) => sizes[c.seq]))).toEqual([[10, 10], [90], [10]]);
    expect(batches.map((batch) => batch.throughVersion)).toEqual([0, 0, 1]);
  });

  it('starts from the receiver cursor when the first batch completes no version', () => {
    const batches = splitIntoVersionBatches(changesFor([0, 0, 0, 0, 6]), () => 10, { maxChanges: 100, maxBytes: 1000, splitVersionBytes: 20 }, 4);
    expect(batches.map((batch) => batch.throughVersion)).toEqual([4, 4, 5]);
  });

  it('returns no batch for no changes', () => {
    expect(splitIntoVersionBatches([], () => 1, versionBatchLimits(DEFAULT_MAX_FRAME_BYTES), 0)).toEqual([]);
  });

  it('keeps every change in order, bounds every batch, and never lets a cursor skip a change', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 15 }),
        fc.integer({ min: 1, max: 20 }),
        (perVersion, maxChanges, splitAfterChanges) => {
          // Every change is 100 bytes, so limits in bytes read as limits in changes.
          const limits: VersionBatchLimits = {
            maxChanges,
            maxBytes: Math.min(maxChanges, splitAfterChanges) * 100,
            splitVersionBytes: splitAfterChanges * 100,
          };
          const changes = changesFor(perVersion);
          const batches = splitIntoVersionBatches(changes, () => 100, limits, 0);
          expect(batches.flatMap((batch) => batch.changes)).toEqual(changes);

          let delivered = 0;
          let cursor = 0;
          for (const batch of batches) {
            // A frame never holds more than the split size plus the change that reached it.
            expect(batch.changes.length).toBeLessThanOrEqual(Math.max(maxChanges, splitAfterChanges) + 1);
            // ... and never more than a frame may carry.
            expect(batch.changes.length * 100).toBeLessThanOrEqual(limits.splitVersionBytes * 4 - CHANGES_FRAME_OVERHEAD_BYTES);
            expect(batch.throughVersion).toBeGreaterThanOrEqual(cursor);
            delivered += batch.changes.length;
            cursor = batch.throughVersion;
            // A receiver that reconnects now asks for everything after its cursor:
            // every change at or below the cursor must already have arrived.
            const atOrBelowCursor = changes.filter((c) => c.dbVersion <= cursor).length;
            expect(atOrBelowCursor).toBeLessThanOrEqual(delivered);
          }
          if (changes.length > 0) expect(cursor).toBe(changes[changes.length - 1]?.dbVersion);
          // Versions are cut only when they do not fit: a version that fits travels in one batch.
          for (const [index, count] of perVersion.entries()) {
            if (count === 0 || count > splitAfterChanges) continue;
            const holding = batches.filter((batch) => batch.changes.some((c) => c.dbVersion === index + 1));
            expect(holding).toHaveLength(1);
          }
        },
      ),
    );
  });
});

describe('version batch limits', () => {
  it('keep frames within a quarter of the frame limit, and at most 4 MiB', () => {
    expect(splitVersionBytesFor(DEFAULT_MAX_FRAME_BYTES)).toBe(4 * 1024 * 1024);
    expect(splitVersionBytesFor(64 * 1024)).toBe(16 * 1024);
    expect(versionBatchLimits(64 * 1024).maxBytes).toBe(16 * 1024);
    expect(versionBatchLimits(DEFAULT_MAX_FRAME_BYTES).maxBytes).toBe(512 * 1024);
  });

  it('aim a catch-up at about 50 batches, between 100 and 1000 changes each', () => {
    const limitsFor = (backlog: number): VersionBatchLimits => catchUpBatchLimits(backlog, DEFAULT_MAX_FRAME_BYTES);
    expect(limitsFor(5_000).maxChanges).toBe(100);
    expect(limitsFor(20_000).maxChanges).toBe(400);
    expect(limitsFor(20_001).maxChanges).toBe(401);
    expect(limitsFor(10).maxChanges).toBe(CATCH_UP_MIN_BATCH_CHANGES);
    expect(limitsFor(0).maxChanges).toBe(CATCH_UP_MIN_BATCH_CHANGES);
    expect(limitsFor(1_000_000).maxChanges).toBe(1000);
    expect(limitsFor(5_000).maxBytes).toBe(512 * 1024);
  });

  it('split a 5,000-change backlog of single-change versions into 50 batches', () => {
    const changes = changesFor(Array.from({ length: 5_000 }, () => 1));
    const batches = splitIntoVersionBatches(changes, () => 30, catchUpBatchLimits(changes.length, DEFAULT_MAX_FRAME_BYTES), 0);
    expect(batches).toHaveLength(50);
    expect(batches.every((batch) => batch.changes.length === 100)).toBe(true);
  });
});
