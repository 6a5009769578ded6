import { act, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { SyncClientApi, SyncSnapshot } from '../engine/client/sync-client-api.ts';
import type { SyncDiagnostics, SyncProgress, SyncStatus } from '../engine/client/sync-status.ts';
import { GreenlightProvider } from '../state/greenlight-provider.tsx';
import { createFakeSyncClient } from '../state/test-support/fake-sync-client.ts';
import { RemoteDbBadge } from './remote-db-badge.tsx';

const SNAPSHOTS = 5_000;

const diagnostics = (appliedServerVersion: number): SyncDiagnostics => ({
  connectAttempts: 1,
  recentFailures: 0,
  lastError: null,
  lastConnectedAt: 0,
  lastHeartbeatAt: appliedServerVersion,
  lastAckAt: 0,
  lastSyncedAt: 0,
  serverVersion: SNAPSHOTS,
  appliedServerVersion,
  ackedLocalVersion: 0,
});

const progressAt = (done: number): SyncProgress => ({
  changesDone: done,
  changesTotal: SNAPSHOTS,
  rowsDone: Math.floor(done / 2),
  rowsTotal: SNAPSHOTS / 2,
  bytesDone: done * 100,
  bytesTotal: SNAPSHOTS * 100,
  changesPerSecond: 1_000 + done,
  etaMs: (SNAPSHOTS - done) * 10,
  startedAt: 0,
  finishedAt: null,
});

/**
 * Counts the badge's own renders: the view builds its announcement exactly once per
 * render, so a counting announcement label is a probe that needs no hook into React.
 * (A Profiler would also count Radix's internal follow-up commits.)
 */
function renderCountedBadge(client: SyncClientApi) {
  let renders = 0;
  render(
    <GreenlightProvider client={client}>
      <RemoteDbBadge
        labels={{
          announcement: (name, status) => {
            renders += 1;
            return `${name}: ${status}`;
          },
        }}
      />
    </GreenlightProvider>,
  );
  const afterMount = renders;
  return () => renders - afterMount;
}

describe('RemoteDbBadge render count', () => {
  // Each snapshot is published in its own act(), which commits before the next one:
  // React gets no chance to batch them away, so the bound is the atoms' doing.
  it('re-renders once per whole percent through 5,000 catch-up snapshots', () => {
    const none = { changes: 0, rows: 0 };
    const catchingUp = (done: number): SnapshotWithProgress => {
      const progress = progressAt(done);
      return { status: { status: 'catching-up', pending: none, progress }, progress, diagnostics: diagnostics(done) };
    };
    const fake = createFakeSyncClient(catchingUp(0));
    const renders = renderCountedBadge(fake.client);

    for (let done = 1; done <= SNAPSHOTS; done += 1) act(() => fake.emit(catchingUp(done)));

    expect(screen.getByRole('button').textContent).toContain('100%');
    // One render per percent from 1 to 100: about a hundred, against the 5,000 a
    // subscription to the raw snapshot would cause.
    expect(renders()).toBe(100);
  });

  it('does not re-render at all while a live burst streams progress under an unchanged status', () => {
    const syncing: SyncStatus = { status: 'syncing', pending: { changes: 2, rows: 1 }, lastSyncedAt: 10 };
    const burst = (done: number): SyncSnapshot => ({
      // A new but equal status object each time, as an engine that rebuilds its snapshot would publish.
      status: { ...syncing, pending: { ...syncing.pending } },
      progress: progressAt(done),
      diagnostics: diagnostics(done),
    });
    const fake = createFakeSyncClient(burst(0));
    const renders = renderCountedBadge(fake.client);

    for (let done = 1; done <= SNAPSHOTS; done += 1) act(() => fake.emit(burst(done)));
    expect(renders()).toBe(0);

    act(() => fake.emit({ ...burst(SNAPSHOTS), status: { ...syncing, pending: { changes: 3, rows: 2 } } }));
    expect(renders()).toBe(1);
    expect(screen.getByRole('button', { name: 'Remote DB (3 pending)' })).toBeTruthy();
  });
});

type SnapshotWithProgress = SyncSnapshot & { readonly progress: SyncProgress };
