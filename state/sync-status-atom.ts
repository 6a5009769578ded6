import { selectAtom } from 'jotai/utils';
import type { SyncStatus } from '../engine/client/sync-status.ts';
import { structurallyEqual } from './structurally-equal.ts';
import { syncSnapshotAtom } from './sync-snapshot-atom.ts';

/** The current status; keeps its identity while the engine republishes equal data. */
export const syncStatusAtom = selectAtom(syncSnapshotAtom, (snapshot): SyncStatus => snapshot.status, structurallyEqual);
syncStatusAtom.debugLabel = 'greenlight/syncStatus';
