import { GreenlightError } from '../engine/errors.ts';
import type { SyncSnapshot } from '../engine/client/sync-client-api.ts';
import type { PendingCount, SyncDiagnostics, SyncProgress, SyncStatus, SyncStatusName } from '../engine/client/sync-status.ts';

/** Every story's clock, so relative times ("2 minutes ago") render the same each run. */
export const FIXED_NOW = Date.UTC(2026, 0, 15, 9, 30, 0);

export const NOTHING_PENDING: PendingCount = { changes: 0, rows: 0 };
export const THREE_PENDING: PendingCount = { changes: 3, rows: 2 };
export const MANY_PENDING: PendingCount = { changes: 48, rows: 17 };

export const PROGRESS_STARTING: SyncProgress = {
  changesDone: 0,
  changesTotal: 52_310,
  rowsDone: 0,
  rowsTotal: 20_400,
  bytesDone: 0,
  bytesTotal: 4_800_000,
  changesPerSecond: null,
  etaMs: null,
  startedAt: FIXED_NOW - 300,
  finishedAt: null,
};

export const PROGRESS_MIDWAY: SyncProgress = {
  changesDone: 13_078,
  changesTotal: 52_310,
  rowsDone: 5_100,
  rowsTotal: 20_400,
  bytesDone: 1_200_000,
  bytesTotal: 4_800_000,
  changesPerSecond: 3_270,
  etaMs: 12_000,
  startedAt: FIXED_NOW - 4_000,
  finishedAt: null,
};

export const PROGRESS_ALMOST_DONE: SyncProgress = {
  changesDone: 51_900,
  changesTotal: 52_310,
  rowsDone: 20_250,
  rowsTotal: 20_400,
  bytesDone: 4_760_000,
  bytesTotal: 4_800_000,
  changesPerSecond: 3_410,
  etaMs: 400,
  startedAt: FIXED_NOW - 15_000,
  finishedAt: null,
};

export const HEALTHY_DIAGNOSTICS: SyncDiagnostics = {
  connectAttempts: 1,
  recentFailures: 0,
  lastError: null,
  lastConnectedAt: FIXED_NOW - 3_600_000,
  lastHeartbeatAt: FIXED_NOW - 4_000,
  lastAckAt: FIXED_NOW - 12_000,
  lastSyncedAt: FIXED_NOW - 4_000,
  serverVersion: 18_442,
  appliedServerVersion: 18_442,
  ackedLocalVersion: 310,
};

export const STUCK_DIAGNOSTICS: SyncDiagnostics = {
  connectAttempts: 14,
  recentFailures: 6,
  lastError: new GreenlightError('closed', 'transport', 'The server closed the connection (code 1011).'),
  lastConnectedAt: FIXED_NOW - 20_000,
  lastHeartbeatAt: FIXED_NOW - 95_000,
  lastAckAt: FIXED_NOW - 310_000,
  lastSyncedAt: FIXED_NOW - 320_000,
  serverVersion: 18_460,
  appliedServerVersion: 18_442,
  ackedLocalVersion: 305,
};

type StatusOf<K extends SyncStatusName> = Extract<SyncStatus, { status: K }>;

/** One representative status per name. */
export const STATUSES: { readonly [K in SyncStatusName]: StatusOf<K> } = {
  idle: { status: 'idle', pending: NOTHING_PENDING },
  connecting: { status: 'connecting', pending: NOTHING_PENDING, attempt: 2, nextRetryAt: null },
  'catching-up': { status: 'catching-up', pending: NOTHING_PENDING, progress: PROGRESS_MIDWAY },
  waiting: { status: 'waiting', pending: THREE_PENDING, waitingFor: 'server-version', since: FIXED_NOW - 1_800 },
  synced: { status: 'synced', pending: NOTHING_PENDING, lastSyncedAt: FIXED_NOW - 4_000 },
  syncing: { status: 'syncing', pending: THREE_PENDING, lastSyncedAt: FIXED_NOW - 4_000 },
  disconnected: {
    status: 'disconnected',
    pending: THREE_PENDING,
    reason: 'offline',
    since: FIXED_NOW - 125_000,
    nextRetryAt: FIXED_NOW + 8_000,
  },
  stuck: {
    status: 'stuck',
    pending: MANY_PENDING,
    reason: 'acks-stalled',
    since: FIXED_NOW - 300_000,
    diagnostics: STUCK_DIAGNOSTICS,
  },
  incompatible: {
    status: 'incompatible',
    pending: MANY_PENDING,
    reason: 'server-rebuilt',
    message: 'The server identity changed from 5f1c… to 9a02….',
    since: FIXED_NOW - 60_000,
  },
};

export const SERVER_UNREACHABLE: StatusOf<'disconnected'> = { ...STATUSES.disconnected, reason: 'server-unreachable' };

export function snapshotOf(status: SyncStatus, progress: SyncProgress | null = null): SyncSnapshot {
  return {
    status,
    progress: status.status === 'catching-up' ? status.progress : progress,
    diagnostics: status.status === 'stuck' ? status.diagnostics : HEALTHY_DIAGNOSTICS,
  };
}
