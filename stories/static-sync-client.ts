import type { SyncClientApi, SyncSnapshot, UnsyncedChangesExport } from '../engine/client/sync-client-api.ts';
import { FIXED_NOW } from './sync-fixtures.ts';

/**
 * A client frozen at one snapshot, for stories that show the connected components
 * in a given state. Live behaviour belongs to the scenario stories, which run the
 * real engine against the in-browser server.
 */
export function createStaticSyncClient(snapshot: SyncSnapshot): SyncClientApi {
  const exported: UnsyncedChangesExport = {
    format: 'greenlight-unsynced-changes',
    formatVersion: 1,
    database: 'bookshop',
    clientSiteId: '5f1c0d2e9a7b4c3d8e6f1a2b3c4d5e6f',
    exportedAt: new Date(FIXED_NOW).toISOString(),
    changes: [],
  };
  return {
    getSnapshot: () => snapshot,
    subscribe: () => () => undefined,
    start: () => undefined,
    stop: () => Promise.resolve(),
    exportUnsyncedChanges: () => Promise.resolve(exported),
    // A story never finishes a nuke; the dialog stays on its download step.
    nukeAndResync: () => new Promise<void>(() => undefined),
  };
}
