import { act, render, screen } from '@testing-library/react';
import { createStore } from 'jotai';
import { describe, expect, it } from 'vitest';
import type { SyncStatus } from '../engine/client/sync-status.ts';
import { GreenlightProvider } from './greenlight-provider.tsx';
import { pendingCountAtom } from './pending-count-atom.ts';
import { MissingSyncClientError, syncClientAtom } from './sync-client-atom.ts';
import { usePendingCount, useSyncStatus } from './sync-hooks.ts';
import { syncStatusAtom } from './sync-status-atom.ts';
import { createFakeSyncClient, quietSnapshot } from './test-support/fake-sync-client.ts';

function StatusProbe() {
  const status = useSyncStatus();
  const pending = usePendingCount();
  return <p>{`${status.status}:${pending.changes}`}</p>;
}

describe('sync atoms', () => {
  it('subscribe to the client while mounted and unsubscribe when unmounted', () => {
    const fake = createFakeSyncClient(quietSnapshot({ status: 'idle', pending: { changes: 0, rows: 0 } }));
    const view = render(
      <GreenlightProvider client={fake.client}>
        <StatusProbe />
      </GreenlightProvider>,
    );
    expect(screen.getByText('idle:0')).toBeTruthy();
    expect(fake.listenerCount()).toBe(1);

    act(() => fake.emit(quietSnapshot({ status: 'syncing', pending: { changes: 2, rows: 1 }, lastSyncedAt: 5 })));
    expect(screen.getByText('syncing:2')).toBeTruthy();

    view.unmount();
    expect(fake.listenerCount()).toBe(0);
  });

  it('give each provider its own store, so two clients never mix', () => {
    const first = createFakeSyncClient(quietSnapshot({ status: 'idle', pending: { changes: 0, rows: 0 } }));
    const second = createFakeSyncClient(quietSnapshot({ status: 'synced', pending: { changes: 0, rows: 0 }, lastSyncedAt: 1 }));
    render(
      <>
        <GreenlightProvider client={first.client}>
          <StatusProbe />
        </GreenlightProvider>
        <GreenlightProvider client={second.client}>
          <StatusProbe />
        </GreenlightProvider>
      </>,
    );
    expect(screen.getByText('idle:0')).toBeTruthy();
    expect(screen.getByText('synced:0')).toBeTruthy();
  });

  it('switch subscriptions when the provider is handed a new client', () => {
    const first = createFakeSyncClient(quietSnapshot({ status: 'idle', pending: { changes: 0, rows: 0 } }));
    const second = createFakeSyncClient(quietSnapshot({ status: 'connecting', pending: { changes: 0, rows: 0 }, attempt: 1, nextRetryAt: null }));
    const view = render(
      <GreenlightProvider client={first.client}>
        <StatusProbe />
      </GreenlightProvider>,
    );
    view.rerender(
      <GreenlightProvider client={second.client}>
        <StatusProbe />
      </GreenlightProvider>,
    );
    expect(screen.getByText('connecting:0')).toBeTruthy();
    expect(first.listenerCount()).toBe(0);
    expect(second.listenerCount()).toBe(1);
  });

  it('keep the status object while the engine republishes equal data', () => {
    const fake = createFakeSyncClient(quietSnapshot({ status: 'syncing', pending: { changes: 3, rows: 2 }, lastSyncedAt: 7 }));
    const store = createStore();
    store.set(syncClientAtom, fake.client);
    const seen: SyncStatus[] = [];
    const unsubscribe = store.sub(syncStatusAtom, () => seen.push(store.get(syncStatusAtom)));
    const before = store.get(syncStatusAtom);

    fake.emit(quietSnapshot({ status: 'syncing', pending: { changes: 3, rows: 2 }, lastSyncedAt: 7 }));
    expect(store.get(syncStatusAtom)).toBe(before);
    expect(seen).toEqual([]);

    fake.emit(quietSnapshot({ status: 'syncing', pending: { changes: 4, rows: 2 }, lastSyncedAt: 7 }));
    expect(store.get(pendingCountAtom)).toEqual({ changes: 4, rows: 2 });
    expect(seen).toHaveLength(1);
    unsubscribe();
  });

  it('name the missing provider instead of failing somewhere deeper', () => {
    expect(() => createStore().get(syncStatusAtom)).toThrow(MissingSyncClientError);
  });
});
