import * as Dialog from '@radix-ui/react-dialog';
import { forwardRef, useEffect, useRef, useState, type ComponentPropsWithoutRef } from 'react';
import type { PendingCount, SyncProgress } from '../engine/client/sync-status.ts';
import type { RecoveryCause } from '../state/recovery-dialog-atom.ts';
import { composeEventHandlers } from './compose-event-handlers.ts';
import { DialogSurface } from './dialog-surface.tsx';
import { formatCount } from './human-units.ts';
import { nukeAndResyncLabelsEn, type NukeAndResyncLabels } from './nuke-and-resync-labels.ts';
import { SyncProgressSummary } from './sync-progress-summary.tsx';
import { useBeforeUnloadGuard } from './use-before-unload-guard.ts';
import { useControllableState } from './use-controllable-state.ts';

export const RECOVERY_STEPS = ['explain', 'confirm', 'resyncing', 'failed'] as const;
export type RecoveryStep = (typeof RECOVERY_STEPS)[number];

type ExportState =
  | { readonly phase: 'idle' | 'exporting' | 'exported' }
  | { readonly phase: 'failed'; readonly message: string };

export interface NukeAndResyncDialogViewProps extends Omit<ComponentPropsWithoutRef<typeof Dialog.Content>, 'children'> {
  readonly cause: RecoveryCause;
  /** The local changes a nuke would throw away. */
  readonly pending: PendingCount;
  /** The re-download, once it runs. */
  readonly progress: SyncProgress | null;
  /** True once the status is green again; the dialog then closes by itself. */
  readonly synced: boolean;
  /** Left out, the export button is not offered. */
  readonly onExportUnsyncedChanges?: (() => Promise<void> | void) | undefined;
  readonly onNukeAndResync: () => Promise<void>;
  readonly open?: boolean | undefined;
  readonly defaultOpen?: boolean | undefined;
  readonly onOpenChange?: ((open: boolean) => void) | undefined;
  /** Where the flow starts; stories use it to show each step. */
  readonly defaultStep?: Exclude<RecoveryStep, 'failed'> | undefined;
  readonly labels?: Partial<NukeAndResyncLabels> | undefined;
  /** Radix's modal mode: traps focus and hides the rest of the page from assistive technology. */
  readonly modal?: boolean | undefined;
  /** Where the dialog portals to; defaults to document.body. */
  readonly container?: HTMLElement | null | undefined;
}

/**
 * Explain, offer the export, confirm, then re-download and close on green. Escape
 * and outside clicks close it except while the database is being replaced, when
 * leaving would hide a half-done job.
 */
export const NukeAndResyncDialogView = forwardRef<HTMLDivElement, NukeAndResyncDialogViewProps>(function NukeAndResyncDialogView(
  {
    cause,
    pending,
    progress,
    synced,
    onExportUnsyncedChanges,
    onNukeAndResync,
    open: openProp,
    defaultOpen = false,
    onOpenChange,
    defaultStep = 'explain',
    labels: labelOverrides,
    modal = true,
    onEscapeKeyDown,
    onPointerDownOutside,
    onInteractOutside,
    ...contentProps
  },
  forwardedRef,
) {
  const labels: NukeAndResyncLabels = { ...nukeAndResyncLabelsEn, ...labelOverrides };
  const [open, setOpen] = useControllableState(openProp, defaultOpen, onOpenChange);
  const [step, setStep] = useState<RecoveryStep>(defaultStep);
  const [nukeFinished, setNukeFinished] = useState(false);
  const [failure, setFailure] = useState('');
  const [exportState, setExportState] = useState<ExportState>({ phase: 'idle' });
  const nukeRunning = useRef(false);
  const resyncing = step === 'resyncing';

  useEffect(() => {
    if (open) return;
    setStep(defaultStep);
    setExportState({ phase: 'idle' });
  }, [open, defaultStep]);
  useEffect(() => {
    if (resyncing && nukeFinished && synced) setOpen(false);
  }, [resyncing, nukeFinished, synced, setOpen]);
  useBeforeUnloadGuard(open && resyncing);

  const runNuke = async () => {
    if (nukeRunning.current) return;
    nukeRunning.current = true;
    setStep('resyncing');
    setNukeFinished(false);
    try {
      await onNukeAndResync();
      setNukeFinished(true);
    } catch (error) {
      setFailure(error instanceof Error ? error.message : String(error));
      setStep('failed');
    } finally {
      nukeRunning.current = false;
    }
  };

  const runExport = async () => {
    if (onExportUnsyncedChanges === undefined) return;
    setExportState({ phase: 'exporting' });
    try {
      await onExportUnsyncedChanges();
      setExportState({ phase: 'exported' });
    } catch (error) {
      setExportState({ phase: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  };

  const changes = formatCount(pending.changes, labels.locale);
  const rows = formatCount(pending.rows, labels.locale);
  const hasChanges = pending.changes > 0;
  const reason = cause.status === 'incompatible' ? labels.reasons.incompatible[cause.reason] : labels.reasons.stuck[cause.reason];
  const guardWhileResyncing = (event: Event) => {
    if (resyncing) event.preventDefault();
  };

  return (
    <Dialog.Root open={open} onOpenChange={(next) => (next || !resyncing) && setOpen(next)} modal={modal}>
      <DialogSurface
        ref={forwardedRef}
        data-step={step}
        data-cause={cause.status}
        {...contentProps}
        onEscapeKeyDown={composeEventHandlers(onEscapeKeyDown, guardWhileResyncing)}
        onPointerDownOutside={composeEventHandlers(onPointerDownOutside, guardWhileResyncing)}
        onInteractOutside={composeEventHandlers(onInteractOutside, guardWhileResyncing)}
      >
        {step === 'explain' && (
          <>
            <Dialog.Title className="greenlight-dialog__title">
              {cause.status === 'incompatible' ? labels.titleIncompatible : labels.titleStuck}
            </Dialog.Title>
            <Dialog.Description className="greenlight-dialog__description">{reason}</Dialog.Description>
            <p className="greenlight-dialog__text">{labels.remedy}</p>
            <p className="greenlight-dialog__text" data-loss={hasChanges}>
              {hasChanges ? labels.changesToLose(changes, rows) : labels.nothingToLose}
            </p>
            {exportState.phase !== 'idle' && (
              <p className="greenlight-dialog__note" role="status">
                {exportState.phase === 'exporting' && labels.exporting}
                {exportState.phase === 'exported' && labels.exported}
                {exportState.phase === 'failed' && labels.exportFailed(exportState.message)}
              </p>
            )}
            <div className="greenlight-dialog__actions">
              <Dialog.Close className="greenlight-button">{labels.notNow}</Dialog.Close>
              {hasChanges && onExportUnsyncedChanges !== undefined && (
                <button
                  type="button"
                  className="greenlight-button"
                  disabled={exportState.phase === 'exporting'}
                  onClick={() => void runExport()}
                >
                  {labels.exportChanges}
                </button>
              )}
              <button type="button" className="greenlight-button greenlight-button--danger" onClick={() => setStep('confirm')}>
                {labels.nuke}
              </button>
            </div>
          </>
        )}
        {step === 'confirm' && (
          <>
            <Dialog.Title className="greenlight-dialog__title">{labels.confirmTitle}</Dialog.Title>
            <Dialog.Description className="greenlight-dialog__description">
              {hasChanges ? labels.confirmChangesToLose(changes) : labels.confirmNothingToLose}
            </Dialog.Description>
            <div className="greenlight-dialog__actions">
              <button type="button" className="greenlight-button" autoFocus onClick={() => setStep('explain')}>
                {labels.back}
              </button>
              <button type="button" className="greenlight-button greenlight-button--danger" onClick={() => void runNuke()}>
                {labels.confirm}
              </button>
            </div>
          </>
        )}
        {step === 'resyncing' && (
          <>
            <Dialog.Title className="greenlight-dialog__title">{labels.resyncingTitle}</Dialog.Title>
            <Dialog.Description className="greenlight-dialog__description">{labels.resyncingDescription}</Dialog.Description>
            <SyncProgressSummary progress={progress} labels={labels.progress} />
          </>
        )}
        {step === 'failed' && (
          <>
            <Dialog.Title className="greenlight-dialog__title">{labels.failedTitle}</Dialog.Title>
            <Dialog.Description className="greenlight-dialog__description" role="alert">
              {labels.failed(failure)}
            </Dialog.Description>
            <div className="greenlight-dialog__actions">
              <Dialog.Close className="greenlight-button">{labels.close}</Dialog.Close>
              <button type="button" className="greenlight-button greenlight-button--danger" autoFocus onClick={() => void runNuke()}>
                {labels.retry}
              </button>
            </div>
          </>
        )}
      </DialogSurface>
    </Dialog.Root>
  );
});
