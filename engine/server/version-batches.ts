import type { Change } from '../protocol/messages.ts';

export interface VersionBatchLimits {
  /** A batch closes at the first version boundary after it holds this many changes. */
  readonly maxChanges: number;
  /** ... or this many wire bytes. */
  readonly maxBytes: number;
}

export interface VersionBatch {
  readonly changes: readonly Change[];
  /** The db_version of the last change in the batch. */
  readonly throughVersion: number;
}

/** About 1000 changes or 512 KiB per `changes` message. */
export const DEFAULT_VERSION_BATCH_LIMITS: VersionBatchLimits = { maxChanges: 1000, maxBytes: 512 * 1024 };

/**
 * Groups changes (ordered by db_version, seq) into batches that hold whole
 * db_versions only: the receiver commits each batch with its cursor, and a cursor
 * that sits inside a version would skip the rest of that version forever. A single
 * version larger than the limits therefore travels as one oversized batch.
 */
export function splitIntoVersionBatches(
  changes: readonly Change[],
  sizeOf: (change: Change) => number,
  limits: VersionBatchLimits = DEFAULT_VERSION_BATCH_LIMITS,
): VersionBatch[] {
  const batches: VersionBatch[] = [];
  let current: Change[] = [];
  let currentBytes = 0;
  for (const change of changes) {
    const last = current[current.length - 1];
    const full = current.length >= limits.maxChanges || currentBytes >= limits.maxBytes;
    if (last !== undefined && full && change.dbVersion !== last.dbVersion) {
      batches.push({ changes: current, throughVersion: last.dbVersion });
      current = [];
      currentBytes = 0;
    }
    current.push(change);
    currentBytes += sizeOf(change);
  }
  const last = current[current.length - 1];
  if (last !== undefined) batches.push({ changes: current, throughVersion: last.dbVersion });
  return batches;
}
