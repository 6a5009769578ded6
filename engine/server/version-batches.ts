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

/** A catch-up aims for about this many batches, so its progress moves in small steps. */
export const CATCH_UP_TARGET_BATCHES = 50;
/** ... but no batch smaller than this: each one costs the client a transaction. */
export const CATCH_UP_MIN_BATCH_CHANGES = 100;

/**
 * Limits for a catch-up of `backlogChanges`: the client commits and reports
 * progress once per batch, so 1000-change batches would move a 5,000-change
 * download's bar in five jumps whatever the link's speed. Aiming for
 * CATCH_UP_TARGET_BATCHES gives a slow link many visible steps, while
 * CATCH_UP_MIN_BATCH_CHANGES keeps small backlogs from paying a transaction per
 * handful of changes and the default cap still bounds large ones.
 */
export function catchUpBatchLimits(backlogChanges: number): VersionBatchLimits {
  const perBatch = Math.ceil(backlogChanges / CATCH_UP_TARGET_BATCHES);
  const maxChanges = Math.min(DEFAULT_VERSION_BATCH_LIMITS.maxChanges, Math.max(CATCH_UP_MIN_BATCH_CHANGES, perBatch));
  return { ...DEFAULT_VERSION_BATCH_LIMITS, maxChanges };
}

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
