import type { SyncClientApi, SyncSnapshot } from '../../engine/client/sync-client-api.ts';

/**
 * What a scenario's views read: the live client until `freeze()`, then the
 * snapshot it showed at that moment. A live engine keeps proving its light
 * (heartbeats, freshness windows) while a screenshot is taken, and on a busy
 * machine a late frame can honestly end green for an instant; the screenshot of
 * a scenario's end state must show the state its play function asserted, so the
 * test run freezes the views before it captures them.
 */
export interface FreezableSyncClient extends SyncClientApi {
  freeze(): void;
}

export function freezableSyncClient(live: SyncClientApi): FreezableSyncClient {
  let frozen: SyncSnapshot | null = null;
  return {
    getSnapshot: () => frozen ?? live.getSnapshot(),
    subscribe: (listener) => live.subscribe(() => {
      if (frozen === null) listener();
    }),
    start: () => live.start(),
    stop: () => live.stop(),
    exportUnsyncedChanges: () => live.exportUnsyncedChanges(),
    nukeAndResync: () => live.nukeAndResync(),
    freeze: () => {
      frozen ??= live.getSnapshot();
    },
  };
}
