import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Change } from '../protocol/messages.ts';
import {
  CATCH_UP_MIN_BATCH_CHANGES,
  catchUpBatchLimits,
  DEFAULT_VERSION_BATCH_LIMITS,
  splitIntoVersionBatches,
} from './version-batches.ts';

function change(dbVersion: number, seq: number): Change {
  return { table: 't', pk: new Uint8Array([1]), cid: 'c', val: seq, colVersion: 1, dbVersion, siteId: new Uint8Array(16), cl: 1, seq };
}

/** Changes for the given number of changes per version, versions 1, 2, 3, ... */
function changesFor(perVersion: readonly number[]): Change[] {
  return perVersion.flatMap((count, index) => Array.from({ length: count }, (_, seq) => change(index + 1, seq)));
}

describe('splitIntoVersionBatches', () => {
  it('cuts only between versions, even when a version exceeds the limits', () => {
    const batches = splitIntoVersionBatches(changesFor([2, 5, 1, 1]), () => 10, { maxChanges: 3, maxBytes: 1000 });
    expect(batches.map((batch) => batch.changes.map((c) => c.dbVersion))).toEqual([[1, 1, 2, 2, 2, 2, 2], [3, 4]]);
    expect(batches.map((batch) => batch.throughVersion)).toEqual([2, 4]);
  });

  it('closes a batch on the byte limit', () => {
    const batches = splitIntoVersionBatches(changesFor([1, 1, 1]), () => 600, { maxChanges: 100, maxBytes: 1000 });
    expect(batches.map((batch) => batch.throughVersion)).toEqual([2, 3]);
  });

  it('returns no batch for no changes', () => {
    expect(splitIntoVersionBatches([], () => 1)).toEqual([]);
  });

  it('keeps every change, in order, never splitting a version, within the limits unless one version is larger', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 15 }),
        (perVersion, maxChanges) => {
          const changes = changesFor(perVersion);
          const batches = splitIntoVersionBatches(changes, () => 1, { maxChanges, maxBytes: Number.MAX_SAFE_INTEGER });
          expect(batches.flatMap((batch) => batch.changes)).toEqual(changes);
          const versionsSeen = new Set<number>();
          for (const batch of batches) {
            const versions = [...new Set(batch.changes.map((c) => c.dbVersion))];
            for (const version of versions) {
              expect(versionsSeen.has(version)).toBe(false);
              versionsSeen.add(version);
            }
            expect(batch.throughVersion).toBe(versions[versions.length - 1]);
            const withoutLastVersion = batch.changes.filter((c) => c.dbVersion !== batch.throughVersion).length;
            expect(withoutLastVersion).toBeLessThan(maxChanges);
          }
        },
      ),
    );
  });
});

describe('catchUpBatchLimits', () => {
  it('aims for about 50 batches, between 100 and 1000 changes each', () => {
    expect(catchUpBatchLimits(5_000).maxChanges).toBe(100);
    expect(catchUpBatchLimits(20_000).maxChanges).toBe(400);
    expect(catchUpBatchLimits(20_001).maxChanges).toBe(401);
    expect(catchUpBatchLimits(10).maxChanges).toBe(CATCH_UP_MIN_BATCH_CHANGES);
    expect(catchUpBatchLimits(0).maxChanges).toBe(CATCH_UP_MIN_BATCH_CHANGES);
    expect(catchUpBatchLimits(1_000_000).maxChanges).toBe(DEFAULT_VERSION_BATCH_LIMITS.maxChanges);
    expect(catchUpBatchLimits(5_000).maxBytes).toBe(DEFAULT_VERSION_BATCH_LIMITS.maxBytes);
  });

  it('splits a 5,000-change backlog of single-change versions into 50 batches', () => {
    const changes = changesFor(Array.from({ length: 5_000 }, () => 1));
    const batches = splitIntoVersionBatches(changes, () => 30, catchUpBatchLimits(changes.length));
    expect(batches).toHaveLength(50);
    expect(batches.every((batch) => batch.changes.length === 100)).toBe(true);
  });
});
