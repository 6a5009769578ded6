import { createStore, Provider } from 'jotai';
import { useLayoutEffect, useMemo, type ReactNode } from 'react';
import type { SyncClientApi } from '../engine/client/sync-client-api.ts';
import { syncClientAtom } from './sync-client-atom.ts';

type JotaiStore = ReturnType<typeof createStore>;

export interface GreenlightProviderProps {
  readonly client: SyncClientApi;
  /** A host that already has a jotai store may share it; otherwise the provider makes its own. */
  readonly store?: JotaiStore;
  readonly children?: ReactNode;
}

export function GreenlightProvider({ client, store, children }: GreenlightProviderProps) {
  const activeStore = useMemo(() => store ?? createStore(), [store]);
  // Set before the first child renders, so no component ever sees an empty store.
  if (activeStore.get(syncClientAtom) === null) activeStore.set(syncClientAtom, client);
  useLayoutEffect(() => {
    activeStore.set(syncClientAtom, client);
  }, [activeStore, client]);
  return <Provider store={activeStore}>{children}</Provider>;
}
