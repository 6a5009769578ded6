import type { GreenlightError } from '../errors.ts';

/**
 * What the sync client knows, as one union keyed on `status`. Each member carries
 * only the data that makes sense for it. Green (`synced`, `syncing`) is only ever
 * produced when the promise holds (DESIGN.md, G1-G3).
 */

/** Local changes the server has not yet acknowledged as durably committed. */
export interface PendingCount {
  /** crsql_changes rows (one per column write or delete) awaiting their ack. */
  readonly changes: number;
  /** Distinct table rows those changes touch. */
  readonly rows: number;
}

export const NO_PENDING: PendingCount = { changes: 0, rows: 0 };

export interface SyncProgress {
  readonly changesDone: number;
  readonly changesTotal: number;
  readonly rowsDone: number;
  readonly rowsTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  /** Smoothed changes per second; null until measurable. */
  readonly changesPerSecond: number | null;
  /** Estimated milliseconds until done; null until measurable. */
  readonly etaMs: number | null;
  readonly startedAt: number;
  /** When the download completed; a finished progress stays visible briefly, full. */
  readonly finishedAt: number | null;
}

export const DISCONNECT_REASONS = ['offline', 'server-unreachable', 'closed'] as const;
export type DisconnectReason = (typeof DISCONNECT_REASONS)[number];

export const STUCK_REASONS = ['rapid-failures', 'acks-stalled', 'heartbeat-lost', 'apply-failed', 'server-misbehaved'] as const;
export type StuckReason = (typeof STUCK_REASONS)[number];

/**
 * What a live connection whose G1 window ran out is waiting to hear from the
 * server: its current version (the link went quiet: a commit made since could be
 * missing unseen), or changes it announced that have not arrived. Nothing is
 * downloading meanwhile, so this is not `catching-up`.
 */
export const WAITING_FOR = ['server-version', 'server-changes'] as const;
export type WaitingFor = (typeof WAITING_FOR)[number];

export const INCOMPATIBLE_REASONS = [
  'schema-mismatch',
  'server-rebuilt',
  'protocol-version',
  'unknown-database',
  'forbidden-database',
  'invalid-database-name',
  'site-secret-mismatch',
  'acknowledged-unwritten',
] as const;
export type IncompatibleReason = (typeof INCOMPATIBLE_REASONS)[number];

export interface SyncDiagnostics {
  readonly connectAttempts: number;
  /** Connections that closed within the rapid-failure window, most recent last. */
  readonly recentFailures: number;
  readonly lastError: GreenlightError | null;
  readonly lastConnectedAt: number | null;
  readonly lastHeartbeatAt: number | null;
  readonly lastAckAt: number | null;
  /** When the server's state was last known to be fully applied here (G1). */
  readonly lastSyncedAt: number | null;
  readonly serverVersion: number | null;
  readonly appliedServerVersion: number;
  readonly ackedLocalVersion: number;
}

export type SyncStatus =
  | { readonly status: 'idle'; readonly pending: PendingCount }
  | {
      readonly status: 'connecting';
      readonly pending: PendingCount;
      readonly attempt: number;
      /** When the next attempt starts if this one is waiting out a backoff; null while connecting. */
      readonly nextRetryAt: number | null;
    }
  | { readonly status: 'catching-up'; readonly pending: PendingCount; readonly progress: SyncProgress }
  | {
      readonly status: 'waiting';
      readonly pending: PendingCount;
      readonly waitingFor: WaitingFor;
      /** When G1 stopped being provable: the window after the server last said its version, or after an unapplied announcement. */
      readonly since: number;
    }
  | { readonly status: 'synced'; readonly pending: PendingCount; readonly lastSyncedAt: number }
  | { readonly status: 'syncing'; readonly pending: PendingCount; readonly lastSyncedAt: number }
  | {
      readonly status: 'disconnected';
      readonly pending: PendingCount;
      readonly reason: DisconnectReason;
      readonly since: number;
      readonly nextRetryAt: number | null;
    }
  | {
      readonly status: 'stuck';
      readonly pending: PendingCount;
      readonly reason: StuckReason;
      readonly since: number;
      readonly diagnostics: SyncDiagnostics;
    }
  | {
      readonly status: 'incompatible';
      readonly pending: PendingCount;
      readonly reason: IncompatibleReason;
      readonly message: string;
      readonly since: number;
    };

export type SyncStatusName = SyncStatus['status'];

export const SYNC_STATUS_NAMES = [
  'idle',
  'connecting',
  'catching-up',
  'waiting',
  'synced',
  'syncing',
  'disconnected',
  'stuck',
  'incompatible',
] as const satisfies readonly SyncStatusName[];

/** True when the light is green: the engine has proven G1-G3. */
export function isGreen(status: SyncStatus): status is Extract<SyncStatus, { status: 'synced' | 'syncing' }> {
  return status.status === 'synced' || status.status === 'syncing';
}
