export { DEFAULT_PROGRESS_DIALOG_DELAY_MS, SyncProgressDialogView, type SyncProgressDialogViewProps } from './sync-progress-dialog-view.tsx';
export { formatBytes, formatCount, formatDuration, formatRelativeTime } from './human-units.ts';
export { nukeAndResyncLabelsEn, type NukeAndResyncLabels } from './nuke-and-resync-labels.ts';
export { NukeAndResyncDialog, type NukeAndResyncDialogProps } from './nuke-and-resync-dialog.tsx';
export {
  NukeAndResyncDialogView,
  RECOVERY_STEPS,
  type NukeAndResyncDialogViewProps,
  type RecoveryStep,
} from './nuke-and-resync-dialog-view.tsx';
export { reasonLabelsEn, type ReasonLabels } from './reason-labels.ts';
export { RemoteDbBadge, type RemoteDbBadgeProps } from './remote-db-badge.tsx';
export { RemoteDbBadgeDetails, type RemoteDbBadgeDetailsProps } from './remote-db-badge-details.tsx';
export { remoteDbBadgeLabelsEn, type RemoteDbBadgeLabels } from './remote-db-badge-labels.ts';
export { RemoteDbBadgeView, type RemoteDbBadgeViewProps } from './remote-db-badge-view.tsx';
export { SyncProgressDialog, type SyncProgressDialogProps } from './sync-progress-dialog.tsx';
export { syncProgressLabelsEn, type SyncProgressLabels } from './sync-progress-labels.ts';
