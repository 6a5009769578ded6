import { useAtomValue, useSetAtom } from 'jotai';
import type { UnsyncedChangesExport } from '../engine/client/sync-client-api.ts';
import type { PendingCount, SyncDiagnostics, SyncProgress, SyncStatus } from '../engine/client/sync-status.ts';
import { exportUnsyncedChangesAtom } from './export-unsynced-changes-atom.ts';
import { nukeAndResyncAtom } from './nuke-and-resync-atom.ts';
import { pendingCountAtom } from './pending-count-atom.ts';
import { syncDiagnosticsAtom } from './sync-diagnostics-atom.ts';
import { syncProgressAtom } from './sync-progress-atom.ts';
import { syncStatusAtom } from './sync-status-atom.ts';

export function useSyncStatus(): SyncStatus {
  return useAtomValue(syncStatusAtom);
}

export function usePendingCount(): PendingCount {
  return useAtomValue(pendingCountAtom);
}

/** Re-renders with every batch of a catch-up; prefer useSyncStatus where a coarse view will do. */
export function useSyncProgress(): SyncProgress | null {
  return useAtomValue(syncProgressAtom);
}

export function useSyncDiagnostics(): SyncDiagnostics {
  return useAtomValue(syncDiagnosticsAtom);
}

export function useNukeAndResync(): () => Promise<void> {
  return useSetAtom(nukeAndResyncAtom);
}

export function useExportUnsyncedChanges(): () => Promise<UnsyncedChangesExport> {
  return useSetAtom(exportUnsyncedChangesAtom);
}
