import { atom } from 'jotai';
import type { UnsyncedChangesExport } from '../engine/client/sync-client-api.ts';
import { MissingSyncClientError, syncClientAtom } from './sync-client-atom.ts';

/** Reads the unacknowledged local changes so a user can keep them before a nuke. */
export const exportUnsyncedChangesAtom = atom(null, (get): Promise<UnsyncedChangesExport> => {
  const client = get(syncClientAtom);
  if (client === null) return Promise.reject(new MissingSyncClientError());
  return client.exportUnsyncedChanges();
});
exportUnsyncedChangesAtom.debugLabel = 'greenlight/exportUnsyncedChanges';
