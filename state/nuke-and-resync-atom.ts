import { atom } from 'jotai';
import { MissingSyncClientError, syncClientAtom } from './sync-client-atom.ts';

/** Deletes the local database and downloads everything again; resolves or rejects with the engine. */
export const nukeAndResyncAtom = atom(null, (get): Promise<void> => {
  const client = get(syncClientAtom);
  if (client === null) return Promise.reject(new MissingSyncClientError());
  return client.nukeAndResync();
});
nukeAndResyncAtom.debugLabel = 'greenlight/nukeAndResync';
