import { useAtom, useAtomValue } from 'jotai';
import { forwardRef, useEffect } from 'react';
import type { UnsyncedChangesExport } from '../engine/client/sync-client-api.ts';
import { isGreen } from '../engine/client/sync-status.ts';
import { coarseSyncStatusAtom } from '../state/coarse-sync-status-atom.ts';
import { recoveryCauseOf, recoveryDialogAtom, type RecoveryCause } from '../state/recovery-dialog-atom.ts';
import { useExportUnsyncedChanges, useNukeAndResync, usePendingCount, useSyncProgress } from '../state/sync-hooks.ts';
import { downloadJson } from './download-json.ts';
import { NukeAndResyncDialogView, type NukeAndResyncDialogViewProps } from './nuke-and-resync-dialog-view.tsx';

export type NukeAndResyncDialogProps = Omit<
  NukeAndResyncDialogViewProps,
  'cause' | 'pending' | 'progress' | 'synced' | 'onExportUnsyncedChanges' | 'onNukeAndResync' | 'open' | 'defaultOpen'
>;

/**
 * Nuke and Resync wired to the store: it opens by itself when the database turns
 * incompatible, and when the badge asks for it while sync is stuck.
 */
export const NukeAndResyncDialog = forwardRef<HTMLDivElement, NukeAndResyncDialogProps>(function NukeAndResyncDialog(
  props,
  forwardedRef,
) {
  const status = useAtomValue(coarseSyncStatusAtom);
  const [dialog, setDialog] = useAtom(recoveryDialogAtom);
  const incompatibleReason = status.status === 'incompatible' ? status.reason : null;

  useEffect(() => {
    if (incompatibleReason === null) return;
    setDialog((current) => (current.open ? current : { open: true, cause: { status: 'incompatible', reason: incompatibleReason } }));
  }, [incompatibleReason, setDialog]);

  const cause = dialog.cause ?? recoveryCauseOf(status);
  if (!dialog.open || cause === null) return null;
  return (
    <OpenNukeAndResyncDialog
      ref={forwardedRef}
      cause={cause}
      synced={isGreen(status)}
      {...props}
      onOpenChange={(open) => {
        setDialog({ open, cause });
        props.onOpenChange?.(open);
      }}
    />
  );
});

type OpenNukeAndResyncDialogProps = NukeAndResyncDialogProps & { readonly cause: RecoveryCause; readonly synced: boolean };

/** Reads the live numbers, which change with every batch, only while the dialog is open. */
const OpenNukeAndResyncDialog = forwardRef<HTMLDivElement, OpenNukeAndResyncDialogProps>(function OpenNukeAndResyncDialog(
  props,
  forwardedRef,
) {
  const pending = usePendingCount();
  const progress = useSyncProgress();
  const nukeAndResync = useNukeAndResync();
  const exportUnsyncedChanges = useExportUnsyncedChanges();
  return (
    <NukeAndResyncDialogView
      ref={forwardedRef}
      open
      pending={pending}
      progress={progress}
      onNukeAndResync={nukeAndResync}
      onExportUnsyncedChanges={async () => {
        const exported = await exportUnsyncedChanges();
        downloadJson(exportFileName(exported), exported);
      }}
      {...props}
    />
  );
});

function exportFileName(exported: UnsyncedChangesExport): string {
  const safe = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '-');
  return `${safe(exported.database)}-unsynced-changes-${safe(exported.exportedAt)}.json`;
}
