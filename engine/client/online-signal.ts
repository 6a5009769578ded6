/**
 * Whether the device has a network at all. It tells `disconnected: offline` from
 * `server-unreachable`, stops the loop from retrying into a dead network, and
 * lets it reconnect the moment the network returns instead of waiting out a
 * backoff. The client also reads `isOnline()` on every tick, so a signal that
 * cannot notify (a bare `isOnline` function) is noticed within one tick.
 */
export interface OnlineSignal {
  isOnline(): boolean;
  /** Calls `listener` whenever `isOnline()` may have changed; returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
}

interface NetworkEventTarget {
  addEventListener(type: 'online' | 'offline', listener: () => void): void;
  removeEventListener(type: 'online' | 'offline', listener: () => void): void;
}

/**
 * The browser's signal: `navigator.onLine` and the window's (or worker's)
 * `online`/`offline` events. Where there is neither (Node), always online.
 */
export function browserOnlineSignal(): OnlineSignal {
  const scope = globalThis as { navigator?: { onLine?: boolean } } & Partial<NetworkEventTarget>;
  return {
    isOnline: () => scope.navigator?.onLine ?? true,
    subscribe: (listener) => {
      const { addEventListener, removeEventListener } = scope;
      if (typeof addEventListener !== 'function' || typeof removeEventListener !== 'function') return () => undefined;
      addEventListener.call(globalThis, 'online', listener);
      addEventListener.call(globalThis, 'offline', listener);
      return () => {
        removeEventListener.call(globalThis, 'online', listener);
        removeEventListener.call(globalThis, 'offline', listener);
      };
    },
  };
}

/** A host's own `isOnline` function, without events: the client's tick polls it. */
export function polledOnlineSignal(isOnline: () => boolean): OnlineSignal {
  return { isOnline, subscribe: () => () => undefined };
}
