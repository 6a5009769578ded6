import type { Change } from './messages.ts';

export interface VersionBatchLimits {
  /** A batch closes at the first version boundary after it holds this many changes. */
  readonly maxChanges: number;
  /** ... or this many wire bytes. */
  readonly maxBytes: number;
  /**
   * A single version too large to reach its boundary is split once the batch
   * holds this many wire bytes, so that no frame outgrows what a peer accepts.
   */
  readonly splitVersionBytes: number;
}

export interface VersionBatch {
  readonly changes: readonly Change[];
  /**
   * The newest version the receiver holds whole once it has applied this batch
   * and every one before it: the version of the last change, or, when the batch
   * ends partway through a version, the last version before that one.
   */
  readonly throughVersion: number;
}

/** Frames stay under a quarter of the frame limit, leaving room for one large change. */
const SPLIT_SHARE_OF_FRAME_LIMIT = 4;
/** What a changes frame holds besides its changes (tag, throughVersion, count), at most. */
export const CHANGES_FRAME_OVERHEAD_BYTES = 32;
const MAX_SPLIT_VERSION_BYTES = 4 * 1024 * 1024;

/** Where a version too large for one frame is cut, for peers that accept frames of `maxFrameBytes`. */
export function splitVersionBytesFor(maxFrameBytes: number): number {
  return Math.min(MAX_SPLIT_VERSION_BYTES, Math.floor(maxFrameBytes / SPLIT_SHARE_OF_FRAME_LIMIT));
}

/** About 1000 changes or 512 KiB per `changes` message, less where peers accept only small frames. */
export function versionBatchLimits(maxFrameBytes: number): VersionBatchLimits {
  const splitVersionBytes = splitVersionBytesFor(maxFrameBytes);
  return { maxChanges: 1000, maxBytes: Math.min(512 * 1024, splitVersionBytes), splitVersionBytes };
}

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
export function catchUpBatchLimits(backlogChanges: number, maxFrameBytes: number): VersionBatchLimits {
  const limits = versionBatchLimits(maxFrameBytes);
  const perBatch = Math.ceil(backlogChanges / CATCH_UP_TARGET_BATCHES);
  return { ...limits, maxChanges: Math.min(limits.maxChanges, Math.max(CATCH_UP_MIN_BATCH_CHANGES, perBatch)) };
}

/**
 * Groups changes (ordered by db_version, seq) into batches for `changes`
 * messages. The receiver commits each batch with its cursor set to the batch's
 * `throughVersion`, and after a reconnect asks for everything after the cursor.
 *
 * A batch therefore closes at a version boundary, keeping each version, a
 * transaction of whoever made it, in one batch. Only a version larger than
 * `splitVersionBytes` is cut inside: its parts leave `throughVersion` at the
 * version before it, so a reconnect between parts sends the whole version again
 * (merging a change twice changes nothing), and the last part completes it.
 *
 * `afterVersion` is the cursor the receiver already holds: the `throughVersion`
 * of a first batch that completes no version.
 */
export function splitIntoVersionBatches(
  changes: readonly Change[],
  sizeOf: (change: Change) => number,
  limits: VersionBatchLimits,
  afterVersion: number,
): VersionBatch[] {
  const batches: VersionBatch[] = [];
  let current: Change[] = [];
  let currentBytes = 0;
  // Where the newest version in `current` begins, and its bytes so far.
  let versionStart = 0;
  let versionBytes = 0;
  // The newest version that the batches so far and `current` hold whole.
  let wholeThrough = afterVersion;
  const frameBudget = limits.splitVersionBytes * SPLIT_SHARE_OF_FRAME_LIMIT - CHANGES_FRAME_OVERHEAD_BYTES;
  const close = (count: number, throughVersion: number): void => {
    batches.push({ changes: current.slice(0, count), throughVersion });
    current = current.slice(count);
    currentBytes = versionBytes;
    versionStart = 0;
  };
  for (const change of changes) {
    const last = current[current.length - 1];
    if (last !== undefined && change.dbVersion !== last.dbVersion) {
      wholeThrough = last.dbVersion;
      versionStart = current.length;
      versionBytes = 0;
      const full = current.length >= limits.maxChanges || currentBytes >= limits.maxBytes;
      if (full) close(current.length, wholeThrough);
    } else if (last !== undefined && currentBytes >= limits.splitVersionBytes) {
      // Whole versions before this one go first, so that a version that fits a
      // batch by itself is never cut; one that does not is cut here.
      if (versionStart > 0) close(versionStart, wholeThrough);
      if (versionBytes >= limits.splitVersionBytes) {
        versionBytes = 0;
        close(current.length, wholeThrough);
      }
    }
    const size = sizeOf(change);
    // One large change must not carry a full batch past what a frame may hold.
    if (current.length > 0 && currentBytes + size > frameBudget) {
      versionBytes = 0;
      close(current.length, wholeThrough);
    }
    current.push(change);
    currentBytes += size;
    versionBytes += size;
  }
  const last = current[current.length - 1];
  if (last !== undefined) batches.push({ changes: current, throughVersion: last.dbVersion });
  return batches;
}
