import * as Dialog from '@radix-ui/react-dialog';
import { forwardRef, type ComponentPropsWithoutRef } from 'react';
import { classNames } from './class-names.ts';
import { composeEventHandlers } from './compose-event-handlers.ts';
import { useReturnFocus } from './use-return-focus.ts';

export interface DialogSurfaceProps extends ComponentPropsWithoutRef<typeof Dialog.Content> {
  /** Where the dialog portals to; defaults to document.body. */
  readonly container?: HTMLElement | null | undefined;
}

/**
 * What every kit dialog looks like and how it hands focus back: a panel over the
 * overlay, portalled out of the host's layout, inside a `Dialog.Root` of the caller's.
 */
export const DialogSurface = forwardRef<HTMLDivElement, DialogSurfaceProps>(function DialogSurface(
  { container, className, onOpenAutoFocus, onCloseAutoFocus, ...contentProps },
  forwardedRef,
) {
  const returnFocus = useReturnFocus();
  return (
    <Dialog.Portal container={container}>
      <Dialog.Overlay className="greenlight-overlay" />
      <Dialog.Content
        ref={forwardedRef}
        className={classNames('greenlight-dialog', className)}
        {...contentProps}
        onOpenAutoFocus={composeEventHandlers(onOpenAutoFocus, returnFocus.onOpenAutoFocus)}
        onCloseAutoFocus={composeEventHandlers(onCloseAutoFocus, returnFocus.onCloseAutoFocus)}
      />
    </Dialog.Portal>
  );
});
