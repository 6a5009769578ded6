import { atom, type Atom } from 'jotai';
import type { SyncClientApi, SyncSnapshot } from '../engine/client/sync-client-api.ts';
import { MissingSyncClientError, syncClientAtom } from './sync-client-atom.ts';

/**
 * One atom per client that holds its latest snapshot while anything reads it. It
 * subscribes in onMount and returns the unsubscribe, so an unused store leaves the
 * client alone, and swapping the client unmounts the old subscription.
 */
function createClientSnapshotAtom(client: SyncClientApi): Atom<SyncSnapshot> {
  const latestAtom = atom<SyncSnapshot | null>(null);
  const snapshotAtom = atom(
    (get) => get(latestAtom) ?? client.getSnapshot(),
    (_get, set) => {
      const pull = () => set(latestAtom, client.getSnapshot());
      // A snapshot may have changed between the first read and this subscription.
      pull();
      const unsubscribe = client.subscribe(pull);
      return () => {
        unsubscribe();
        set(latestAtom, null);
      };
    },
  );
  snapshotAtom.onMount = (subscribe) => subscribe();
  return snapshotAtom;
}

// A derived atom keeps its value until its dependency changes, so each store builds
// the per-client atom once per client without a module-level cache.
const clientSnapshotAtomAtom = atom((get) => {
  const client = get(syncClientAtom);
  if (client === null) throw new MissingSyncClientError();
  return createClientSnapshotAtom(client);
});

/** The injected client's latest snapshot; a new object on every engine change. */
export const syncSnapshotAtom = atom((get) => get(get(clientSnapshotAtomAtom)));
syncSnapshotAtom.debugLabel = 'greenlight/syncSnapshot';
