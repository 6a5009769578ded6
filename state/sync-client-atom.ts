import { atom } from 'jotai';
import type { SyncClientApi } from '../engine/client/sync-client-api.ts';

/**
 * The one engine client this store talks to. It lives in the store, not in a module
 * variable, so every story, test and provider can hand in its own.
 */
export const syncClientAtom = atom<SyncClientApi | null>(null);
syncClientAtom.debugLabel = 'greenlight/syncClient';

export class MissingSyncClientError extends Error {
  override readonly name = 'MissingSyncClientError';
  constructor() {
    super('No sync client in this jotai store: wrap the tree in <GreenlightProvider client={client}>.');
  }
}
