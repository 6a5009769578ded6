import { describe, expect, test } from 'vitest';
import { createInvariantMonitor } from './sync-invariant-monitor.ts';
import type { SyncStatus } from './sync-status.ts';

const NONE = { changes: 0, rows: 0 };
const SYNCED: SyncStatus = { status: 'synced', pending: NONE, lastSyncedAt: 0 };
const SYNCING: SyncStatus = { status: 'syncing', pending: { changes: 2, rows: 1 }, lastSyncedAt: 0 };
const DISCONNECTED: SyncStatus = { status: 'disconnected', pending: NONE, reason: 'closed', since: 0, nextRetryAt: null };

describe('invariant monitor', () => {
  test('accepts green while every commit older than freshnessMs is applied', () => {
    const monitor = createInvariantMonitor({ freshnessMs: 2_000 });
    monitor.recordServerCommit(1, 0);
    monitor.recordServerCommit(2, 1_000);
    monitor.recordServerCommit(3, 4_000);
    monitor.recordObservation({ at: 2_500, status: SYNCED, appliedServerVersion: 1 });
    monitor.recordObservation({ at: 3_000, status: SYNCING, appliedServerVersion: 2 });
    monitor.recordObservation({ at: 6_000, status: SYNCED, appliedServerVersion: 3 });
    expect(monitor.violations()).toEqual([]);
  });

  test('a commit exactly freshnessMs old may still be missing', () => {
    const monitor = createInvariantMonitor({ freshnessMs: 2_000 });
    monitor.recordServerCommit(5, 1_000);
    monitor.recordObservation({ at: 3_000, status: SYNCED, appliedServerVersion: 4 });
    expect(monitor.violations()).toEqual([]);
  });

  test('catches an injected violation: green while an old commit is missing', () => {
    const monitor = createInvariantMonitor({ freshnessMs: 2_000 });
    monitor.recordServerCommit(1, 0);
    monitor.recordServerCommit(2, 500);
    monitor.recordServerCommit(3, 700);
    const bad = { at: 3_000, status: SYNCING, appliedServerVersion: 1 };
    monitor.recordObservation({ at: 1_000, status: SYNCED, appliedServerVersion: 0 });
    monitor.recordObservation(bad);
    monitor.recordObservation({ at: 3_500, status: SYNCED, appliedServerVersion: 3 });
    expect(monitor.violations()).toEqual([{ observation: bad, missing: { version: 2, committedAt: 500 } }]);
  });

  test('a non-green status is never a violation, however far behind', () => {
    const monitor = createInvariantMonitor({ freshnessMs: 2_000 });
    monitor.recordServerCommit(9, 0);
    monitor.recordObservation({ at: 60_000, status: DISCONNECTED, appliedServerVersion: 0 });
    expect(monitor.violations()).toEqual([]);
  });

  test('judges each observation at its own instant, whatever order things were recorded in', () => {
    const monitor = createInvariantMonitor({ freshnessMs: 2_000 });
    monitor.recordObservation({ at: 10_000, status: SYNCED, appliedServerVersion: 1 });
    monitor.recordServerCommit(2, 9_000);
    monitor.recordServerCommit(3, 7_000);
    expect(monitor.violations()).toHaveLength(1);
    expect(monitor.violations()[0]?.missing).toEqual({ version: 3, committedAt: 7_000 });
  });
});
