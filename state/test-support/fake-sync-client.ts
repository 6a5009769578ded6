import type { SyncClientApi, SyncSnapshot } from '../../engine/client/sync-client-api.ts';
import type { SyncDiagnostics, SyncProgress, SyncStatus } from '../../engine/client/sync-status.ts';

/** Diagnostics of a client that connected once and has nothing to report. */
export const QUIET_DIAGNOSTICS: SyncDiagnostics = {
  connectAttempts: 1,
  recentFailures: 0,
  lastError: null,
  lastConnectedAt: 0,
  lastHeartbeatAt: 0,
  lastAckAt: 0,
  lastSyncedAt: 0,
  serverVersion: 1,
  appliedServerVersion: 1,
  ackedLocalVersion: 0,
};

export function quietSnapshot(status: SyncStatus, progress: SyncProgress | null = null): SyncSnapshot {
  return { status, progress, diagnostics: QUIET_DIAGNOSTICS };
}

type SyncClientActions = Pick<SyncClientApi, 'exportUnsyncedChanges' | 'nukeAndResync'>;

/**
 * Just enough of a client for state and component tests: a snapshot the test
 * publishes by hand, and listeners it can count. The two actions reject unless the
 * test hands in its own (typically spies), which the returned client then exposes.
 */
export function createFakeSyncClient<Actions extends Partial<SyncClientActions> = Record<never, never>>(
  initial: SyncSnapshot,
  actions?: Actions,
) {
  let current = initial;
  const listeners = new Set<() => void>();
  const client = {
    getSnapshot: () => current,
    subscribe: (listener: () => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    start: () => undefined,
    stop: () => Promise.resolve(),
    exportUnsyncedChanges: () => Promise.reject(new Error('not used')),
    nukeAndResync: () => Promise.reject(new Error('not used')),
    ...actions,
  } satisfies SyncClientApi;
  return {
    client,
    listenerCount: () => listeners.size,
    /** Publishes `next` to every listener synchronously; wrap it in act() while React renders. */
    emit(next: SyncSnapshot) {
      current = next;
      for (const listener of listeners) listener();
    },
  };
}
