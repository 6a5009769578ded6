/**
 * Radix's rule for a handler a host passes beside the component's own: the host's
 * runs first, and calling preventDefault() in it skips the component's.
 */
export function composeEventHandlers<E extends { readonly defaultPrevented: boolean }>(
  hostHandler: ((event: E) => void) | undefined,
  ownHandler: (event: E) => void,
): (event: E) => void {
  return (event) => {
    hostHandler?.(event);
    if (!event.defaultPrevented) ownHandler(event);
  };
}
