import type { SyncProgress } from '../engine/client/sync-status.ts';

/**
 * Whole percent done, by bytes when the server sent sizes (rows vary in size, so
 * bytes track time best) and by changes otherwise. Never 100 before the end.
 */
export function progressPercent(progress: SyncProgress): number {
  const [done, total] =
    progress.bytesTotal > 0 ? [progress.bytesDone, progress.bytesTotal] : [progress.changesDone, progress.changesTotal];
  if (total <= 0) return 0;
  if (done >= total) return 100;
  return Math.min(99, Math.max(0, Math.floor((done / total) * 100)));
}
