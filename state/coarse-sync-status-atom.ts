import { selectAtom } from 'jotai/utils';
import type { SyncStatus } from '../engine/client/sync-status.ts';
import { progressPercent } from './progress-percent.ts';
import { structurallyEqual } from './structurally-equal.ts';
import { syncStatusAtom } from './sync-status-atom.ts';

/**
 * The status as a compact indicator shows it: a catch-up counts as changed only when
 * its whole percent or its pending count changes. A backlog of thousands of batches
 * then re-renders a badge at most about a hundred times, not once per batch.
 */
export const coarseSyncStatusAtom = selectAtom(syncStatusAtom, (status): SyncStatus => status, equalAtIndicatorPrecision);
coarseSyncStatusAtom.debugLabel = 'greenlight/coarseSyncStatus';

function equalAtIndicatorPrecision(a: SyncStatus, b: SyncStatus): boolean {
  if (a.status === 'catching-up' && b.status === 'catching-up') {
    return structurallyEqual(a.pending, b.pending) && progressPercent(a.progress) === progressPercent(b.progress);
  }
  return structurallyEqual(a, b);
}
