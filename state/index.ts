export { coarseSyncStatusAtom } from './coarse-sync-status-atom.ts';
export { exportUnsyncedChangesAtom } from './export-unsynced-changes-atom.ts';
export { GreenlightProvider, type GreenlightProviderProps } from './greenlight-provider.tsx';
export { nukeAndResyncAtom } from './nuke-and-resync-atom.ts';
export { pendingCountAtom } from './pending-count-atom.ts';
export { progressPercent } from './progress-percent.ts';
export { recoveryCauseOf, recoveryDialogAtom, type RecoveryCause, type RecoveryDialogState } from './recovery-dialog-atom.ts';
export { MissingSyncClientError, syncClientAtom } from './sync-client-atom.ts';
export { syncDiagnosticsAtom } from './sync-diagnostics-atom.ts';
export {
  useExportUnsyncedChanges,
  useNukeAndResync,
  usePendingCount,
  useSyncDiagnostics,
  useSyncProgress,
  useSyncStatus,
} from './sync-hooks.ts';
export { syncProgressAtom } from './sync-progress-atom.ts';
export { syncSnapshotAtom } from './sync-snapshot-atom.ts';
export { syncStatusAtom } from './sync-status-atom.ts';
