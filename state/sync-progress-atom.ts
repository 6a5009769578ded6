import { selectAtom } from 'jotai/utils';
import type { SyncProgress } from '../engine/client/sync-status.ts';
import { structurallyEqual } from './structurally-equal.ts';
import { syncSnapshotAtom } from './sync-snapshot-atom.ts';

/** The running catch-up or burst, or null. Changes with every batch: read it only where numbers are shown. */
export const syncProgressAtom = selectAtom(
  syncSnapshotAtom,
  (snapshot): SyncProgress | null => snapshot.progress,
  structurallyEqual,
);
syncProgressAtom.debugLabel = 'greenlight/syncProgress';
