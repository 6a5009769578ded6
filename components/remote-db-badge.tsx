import { useAtomValue, useSetAtom } from 'jotai';
import { forwardRef } from 'react';
import { coarseSyncStatusAtom } from '../state/coarse-sync-status-atom.ts';
import { recoveryCauseOf, recoveryDialogAtom } from '../state/recovery-dialog-atom.ts';
import { useSyncDiagnostics, useSyncStatus } from '../state/sync-hooks.ts';
import { RemoteDbBadgeDetails } from './remote-db-badge-details.tsx';
import { remoteDbBadgeLabelsEn, type RemoteDbBadgeLabels } from './remote-db-badge-labels.ts';
import { RemoteDbBadgeView, type RemoteDbBadgeViewProps } from './remote-db-badge-view.tsx';

export type RemoteDbBadgeProps = Omit<RemoteDbBadgeViewProps, 'status' | 'diagnostics' | 'details' | 'onRecover'>;

/**
 * The badge wired to the store. It reads the coarse status only, so a catch-up's
 * stream of progress snapshots re-renders it once per whole percent; the popover's
 * live numbers are read by a child that exists only while the popover is open.
 */
export const RemoteDbBadge = forwardRef<HTMLButtonElement, RemoteDbBadgeProps>(function RemoteDbBadge(
  { labels: labelOverrides, now, ...viewProps },
  forwardedRef,
) {
  const status = useAtomValue(coarseSyncStatusAtom);
  const setRecoveryDialog = useSetAtom(recoveryDialogAtom);
  const labels: RemoteDbBadgeLabels = { ...remoteDbBadgeLabelsEn, ...labelOverrides };
  const cause = recoveryCauseOf(status);
  const onRecover = cause === null ? undefined : () => setRecoveryDialog({ open: true, cause });

  return (
    <RemoteDbBadgeView
      ref={forwardedRef}
      status={status}
      labels={labels}
      now={now}
      onRecover={onRecover}
      details={<LiveRemoteDbBadgeDetails labels={labels} now={now} onRecover={onRecover} />}
      {...viewProps}
    />
  );
});

function LiveRemoteDbBadgeDetails({
  labels,
  now,
  onRecover,
}: {
  readonly labels: RemoteDbBadgeLabels;
  readonly now: number | undefined;
  readonly onRecover: (() => void) | undefined;
}) {
  const status = useSyncStatus();
  const diagnostics = useSyncDiagnostics();
  return (
    <RemoteDbBadgeDetails
      status={status}
      diagnostics={diagnostics}
      now={now ?? Date.now()}
      labels={labels}
      onRecover={onRecover}
    />
  );
}
