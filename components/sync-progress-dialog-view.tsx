import * as Dialog from '@radix-ui/react-dialog';
import { forwardRef, useEffect, type ComponentPropsWithoutRef } from 'react';
import type { SyncProgress } from '../engine/client/sync-status.ts';
import { DialogSurface } from './dialog-surface.tsx';
import { syncProgressLabelsEn, type SyncProgressLabels } from './sync-progress-labels.ts';
import { SyncProgressSummary } from './sync-progress-summary.tsx';
import { useBeforeUnloadGuard } from './use-before-unload-guard.ts';
import { useControllableState } from './use-controllable-state.ts';
import { useDelayedFlag } from './use-delayed-flag.ts';

/** Long enough that a quick sync never flashes a dialog, short enough that a real wait is explained. */
export const DEFAULT_PROGRESS_DIALOG_DELAY_MS = 400;

export interface SyncProgressDialogViewProps extends Omit<ComponentPropsWithoutRef<typeof Dialog.Content>, 'children'> {
  /** The running catch-up or burst; null when none runs. */
  readonly progress: SyncProgress | null;
  /** How long a sync must last before the dialog asks to open. */
  readonly delayMs?: number | undefined;
  /**
   * Without `open` the dialog opens itself once a sync has lasted `delayMs` and
   * closes when it ends or the user hides it. With `open` the parent decides, and
   * `onOpenChange` tells it what the dialog would do.
   */
  readonly open?: boolean | undefined;
  readonly defaultOpen?: boolean | undefined;
  readonly onOpenChange?: ((open: boolean) => void) | undefined;
  readonly labels?: Partial<SyncProgressLabels> | undefined;
  /** Radix's modal mode: traps focus and hides the rest of the page from assistive technology. */
  readonly modal?: boolean | undefined;
  /** Where the dialog portals to; defaults to document.body. */
  readonly container?: HTMLElement | null | undefined;
}

export const SyncProgressDialogView = forwardRef<HTMLDivElement, SyncProgressDialogViewProps>(function SyncProgressDialogView(
  { progress, delayMs = DEFAULT_PROGRESS_DIALOG_DELAY_MS, open: openProp, defaultOpen = false, onOpenChange, labels: labelOverrides, modal = true, ...contentProps },
  forwardedRef,
) {
  const labels: SyncProgressLabels = { ...syncProgressLabelsEn, ...labelOverrides };
  const active = progress !== null;
  // Only a download still running after the delay opens the dialog: a short one
  // that has already finished (its full bar lingers briefly) must not flash it.
  const longRunning = useDelayedFlag(active && progress.finishedAt === null, delayMs);
  const [open, setOpen] = useControllableState(openProp, defaultOpen, onOpenChange);

  useEffect(() => {
    if (longRunning) setOpen(true);
  }, [longRunning, setOpen]);
  useEffect(() => {
    if (!active) setOpen(false);
  }, [active, setOpen]);
  useBeforeUnloadGuard(open && active);

  return (
    <Dialog.Root open={open} onOpenChange={setOpen} modal={modal}>
      <DialogSurface ref={forwardedRef} data-active={active} {...contentProps}>
        <Dialog.Title className="greenlight-dialog__title">{labels.title}</Dialog.Title>
        <Dialog.Description className="greenlight-dialog__description">{labels.description}</Dialog.Description>
        <SyncProgressSummary progress={progress} labels={labels} />
        <p className="greenlight-dialog__note">{labels.keepTabOpen}</p>
        <div className="greenlight-dialog__actions">
          <Dialog.Close className="greenlight-button">{labels.hide}</Dialog.Close>
        </div>
      </DialogSurface>
    </Dialog.Root>
  );
});
