import type { OnlineSignal } from '../../engine/client/online-signal.ts';

/** A device network a story switches on and off, instead of the page's real one. */
export interface SwitchableOnlineSignal extends OnlineSignal {
  setOnline(online: boolean): void;
}

export function switchableOnlineSignal(initiallyOnline = true): SwitchableOnlineSignal {
  let online = initiallyOnline;
  const listeners = new Set<() => void>();
  return {
    isOnline: () => online,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    setOnline: (next) => {
      if (next === online) return;
      online = next;
      for (const listener of [...listeners]) listener();
    },
  };
}
