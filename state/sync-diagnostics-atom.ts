import { selectAtom } from 'jotai/utils';
import type { SyncDiagnostics } from '../engine/client/sync-status.ts';
import { structurallyEqual } from './structurally-equal.ts';
import { syncSnapshotAtom } from './sync-snapshot-atom.ts';

/** Counters and timestamps for a details view; they move with every batch and heartbeat. */
export const syncDiagnosticsAtom = selectAtom(
  syncSnapshotAtom,
  (snapshot): SyncDiagnostics => snapshot.diagnostics,
  structurallyEqual,
);
syncDiagnosticsAtom.debugLabel = 'greenlight/syncDiagnostics';
