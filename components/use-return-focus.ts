import { useCallback, useRef } from 'react';

/**
 * Radix returns focus to a dialog's Trigger on close. These dialogs usually open
 * without one (by themselves, or from the badge's popover), so they remember what
 * had focus when they opened and hand it back, if it is still on the page.
 */
export function useReturnFocus() {
  const previous = useRef<HTMLElement | null>(null);
  const onOpenAutoFocus = useCallback(() => {
    previous.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  }, []);
  const onCloseAutoFocus = useCallback((event: Event) => {
    const target = previous.current;
    previous.current = null;
    if (target === null || !target.isConnected || target === document.body) return;
    event.preventDefault();
    target.focus();
  }, []);
  return { onOpenAutoFocus, onCloseAutoFocus };
}
