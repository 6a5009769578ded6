import { useAtomValue } from 'jotai';
import { forwardRef } from 'react';
import { recoveryDialogAtom } from '../state/recovery-dialog-atom.ts';
import { useSyncProgress, useSyncStatus } from '../state/sync-hooks.ts';
import { SyncProgressDialogView, type SyncProgressDialogViewProps } from './sync-progress-dialog-view.tsx';

export type SyncProgressDialogProps = Omit<SyncProgressDialogViewProps, 'progress'>;

/**
 * The progress dialog wired to the store. It stays out of the way while Nuke and
 * Resync is open, since that dialog shows the same download itself, and it never
 * opens while the light says `waiting`: nothing is downloading then, whatever a
 * client's snapshot might carry.
 */
export const SyncProgressDialog = forwardRef<HTMLDivElement, SyncProgressDialogProps>(function SyncProgressDialog(
  props,
  forwardedRef,
) {
  const progress = useSyncProgress();
  const waiting = useSyncStatus().status === 'waiting';
  const recovering = useAtomValue(recoveryDialogAtom).open;
  return <SyncProgressDialogView ref={forwardedRef} progress={recovering || waiting ? null : progress} {...props} />;
});
