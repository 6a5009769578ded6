import type { SyncProgress } from './sync-status.ts';

/**
 * Progress of a download (the catch-up backlog, or a large live burst), as a pure
 * value advanced by event times.
 *
 * - Totals: the handshake announces the backlog's changes, bytes and rows
 *   (distinct table + primary key, counted by the server), so every total is
 *   exact from the start; a live burst announces nothing and its totals are what
 *   arrived so far. If more arrives than announced (a row changed in versions that
 *   travel in different batches counts once per batch), the totals grow to match;
 *   done never decreases and never exceeds its total.
 * - Rate: changes per second, an exponentially weighted moving average over
 *   samples at least `PROGRESS_PUBLISH_INTERVAL_MS` of event time apart, weighted
 *   by each sample's duration so irregular event spacing does not skew it.
 * - Publication: counters advance on every event, but the visible `SyncProgress`
 *   object is replaced at most once per `PROGRESS_PUBLISH_INTERVAL_MS` of event
 *   time (a view re-renders at most ~10 times a second under a flood of batches),
 *   and always on `finishProgress`, whose object has done equal to total.
 */
export const PROGRESS_PUBLISH_INTERVAL_MS = 100;

/** How quickly the smoothed rate follows a change of pace. */
const RATE_TIME_CONSTANT_MS = 1_000;

export interface ProgressAmounts {
  readonly changes: number;
  readonly rows: number;
  readonly bytes: number;
}

/** What a live burst announces: its totals are what has arrived. */
export const NOTHING_ANNOUNCED: ProgressAmounts = { changes: 0, rows: 0, bytes: 0 };

export interface ProgressMeter {
  readonly startedAt: number;
  readonly announcedChanges: number;
  readonly announcedRows: number;
  readonly announcedBytes: number;
  readonly changesDone: number;
  readonly rowsDone: number;
  readonly bytesDone: number;
  /** Event time of the latest recorded batch. */
  readonly updatedAt: number;
  readonly changesPerSecond: number | null;
  /** Start of the rate sample being accumulated, and the changes in it so far. */
  readonly sampleStartedAt: number;
  readonly sampleChanges: number;
  readonly finishedAt: number | null;
  readonly published: SyncProgress;
  readonly publishedAt: number;
}

export function startProgress(at: number, announced: ProgressAmounts): ProgressMeter {
  const base = {
    startedAt: at,
    announcedChanges: nonNegative(announced.changes),
    announcedRows: nonNegative(announced.rows),
    announcedBytes: nonNegative(announced.bytes),
    changesDone: 0,
    rowsDone: 0,
    bytesDone: 0,
    updatedAt: at,
    changesPerSecond: null,
    sampleStartedAt: at,
    sampleChanges: 0,
    finishedAt: null,
  };
  return { ...base, published: progressSnapshot(base), publishedAt: at };
}

/** Counts one applied batch; republishes only when the throttle allows. */
export function recordProgress(meter: ProgressMeter, at: number, amounts: ProgressAmounts): ProgressMeter {
  if (meter.finishedAt !== null) return meter;
  const changes = nonNegative(amounts.changes);
  const rows = nonNegative(amounts.rows);
  const bytes = nonNegative(amounts.bytes);
  const counted: ProgressMeter = {
    ...meter,
    changesDone: meter.changesDone + changes,
    rowsDone: meter.rowsDone + rows,
    bytesDone: meter.bytesDone + bytes,
    updatedAt: Math.max(meter.updatedAt, at),
    ...sampleRate(meter, at, changes),
  };
  return flushProgress(counted, at);
}

/** Publishes counters that the throttle held back, once the interval has passed. */
export function flushProgress(meter: ProgressMeter, at: number): ProgressMeter {
  if (meter.finishedAt !== null || at - meter.publishedAt < PROGRESS_PUBLISH_INTERVAL_MS) return meter;
  const next = progressSnapshot(meter);
  if (sameProgress(next, meter.published)) return meter;
  return { ...meter, published: next, publishedAt: at };
}

/** The download is complete: totals become what actually arrived, so the bar ends full. */
export function finishProgress(meter: ProgressMeter, at: number): ProgressMeter {
  if (meter.finishedAt !== null) return meter;
  const finished = { ...meter, finishedAt: at };
  return { ...finished, published: progressSnapshot(finished), publishedAt: at };
}

function sampleRate(
  meter: ProgressMeter,
  at: number,
  changes: number,
): Pick<ProgressMeter, 'changesPerSecond' | 'sampleStartedAt' | 'sampleChanges'> {
  const sampleChanges = meter.sampleChanges + changes;
  const elapsed = at - meter.sampleStartedAt;
  if (elapsed < PROGRESS_PUBLISH_INTERVAL_MS) {
    return { changesPerSecond: meter.changesPerSecond, sampleStartedAt: meter.sampleStartedAt, sampleChanges };
  }
  const instant = (sampleChanges * 1_000) / elapsed;
  const previous = meter.changesPerSecond;
  const weight = 1 - Math.exp(-elapsed / RATE_TIME_CONSTANT_MS);
  const changesPerSecond = previous === null ? instant : previous + weight * (instant - previous);
  return { changesPerSecond, sampleStartedAt: at, sampleChanges: 0 };
}

type MeterCounters = Pick<
  ProgressMeter,
  | 'startedAt'
  | 'announcedChanges'
  | 'announcedRows'
  | 'announcedBytes'
  | 'changesDone'
  | 'rowsDone'
  | 'bytesDone'
  | 'changesPerSecond'
  | 'finishedAt'
>;

function progressSnapshot(meter: MeterCounters): SyncProgress {
  const finished = meter.finishedAt !== null;
  const changesTotal = finished ? meter.changesDone : Math.max(meter.announcedChanges, meter.changesDone);
  const bytesTotal = finished ? meter.bytesDone : Math.max(meter.announcedBytes, meter.bytesDone);
  const rowsTotal = finished ? meter.rowsDone : Math.max(meter.announcedRows, meter.rowsDone);
  const rate = meter.changesPerSecond;
  const remaining = changesTotal - meter.changesDone;
  let etaMs: number | null = null;
  if (finished || remaining === 0) etaMs = 0;
  else if (rate !== null && rate > 0) etaMs = Math.round((remaining * 1_000) / rate);
  return {
    changesDone: meter.changesDone,
    changesTotal,
    rowsDone: meter.rowsDone,
    rowsTotal,
    bytesDone: meter.bytesDone,
    bytesTotal,
    changesPerSecond: rate,
    etaMs,
    startedAt: meter.startedAt,
    finishedAt: meter.finishedAt,
  };
}

function sameProgress(a: SyncProgress, b: SyncProgress): boolean {
  return (
    a.changesDone === b.changesDone &&
    a.changesTotal === b.changesTotal &&
    a.rowsDone === b.rowsDone &&
    a.rowsTotal === b.rowsTotal &&
    a.bytesDone === b.bytesDone &&
    a.bytesTotal === b.bytesTotal &&
    a.changesPerSecond === b.changesPerSecond &&
    a.etaMs === b.etaMs
  );
}

function nonNegative(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}
