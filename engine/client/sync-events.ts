import type { GreenlightError } from '../errors.ts';
import type { IncompatibleReason, PendingCount } from './sync-status.ts';

/**
 * Everything the connection loop tells the status machine. The machine is a pure
 * function of these events (each carries its own time `at`), so it is tested
 * without sockets or real clocks.
 *
 * Events that carry the server's version also say when the frame carrying it
 * arrived (`heardAt`, default `at`): it may have waited in the inbound queue
 * behind a long apply, and G1's window runs from when the server said it, which
 * arrival is the closest the client can know.
 */
export type SyncEvent =
  | { readonly type: 'started'; readonly at: number }
  | { readonly type: 'stopped'; readonly at: number }
  | { readonly type: 'connect-attempt'; readonly at: number; readonly attempt: number }
  | { readonly type: 'socket-opened'; readonly at: number }
  | {
      readonly type: 'handshake-accepted';
      readonly at: number;
      readonly heardAt?: number;
      readonly serverVersion: number;
      readonly committedClientVersion: number;
      readonly backlogChanges: number;
      readonly backlogBytes: number;
      /** Distinct rows in the backlog: the exact rows total of the catch-up's progress. */
      readonly backlogRows: number;
    }
  /** The server's reject, or the client's own refusal of an accept that cannot be true. */
  | { readonly type: 'handshake-rejected'; readonly at: number; readonly reason: IncompatibleReason; readonly message: string }
  /** Server changes committed locally, cursor included, through `serverVersion`. */
  | {
      readonly type: 'changes-applied';
      readonly at: number;
      readonly heardAt?: number;
      readonly serverVersion: number;
      readonly changes: number;
      readonly rows: number;
      readonly bytes: number;
    }
  | { readonly type: 'apply-failed'; readonly at: number; readonly error: GreenlightError }
  /** The server said something that cannot be true (SyncConnection closes that connection). */
  | { readonly type: 'server-misbehaved'; readonly at: number; readonly error: GreenlightError }
  /** The server has sent everything through `serverVersion` on this connection. */
  | { readonly type: 'caught-up'; readonly at: number; readonly heardAt?: number; readonly serverVersion: number }
  /** A ping or pong from the server: proof of life, with its current db_version. */
  | { readonly type: 'heartbeat'; readonly at: number; readonly heardAt?: number; readonly serverVersion: number }
  /** Local changes went out; an ack of `throughVersion` or above covers every one of them. */
  | { readonly type: 'local-changes-sent'; readonly at: number; readonly throughVersion: number }
  | { readonly type: 'ack'; readonly at: number; readonly committedClientVersion: number }
  /** The exact pending count after a local commit, an ack or a reload. */
  | { readonly type: 'pending-changed'; readonly at: number; readonly pending: PendingCount }
  | { readonly type: 'socket-closed'; readonly at: number; readonly wasOpen: boolean; readonly error: GreenlightError | null }
  | { readonly type: 'retry-scheduled'; readonly at: number; readonly nextRetryAt: number }
  | { readonly type: 'network-changed'; readonly at: number; readonly online: boolean }
  /** Time passing: lets windows (heartbeat, ack, freshness) expire with no other event. */
  | { readonly type: 'tick'; readonly at: number }
  | { readonly type: 'nuke-started'; readonly at: number }
  | { readonly type: 'nuke-failed'; readonly at: number; readonly error: GreenlightError };

export type SyncEventType = SyncEvent['type'];

/** The windows that decide green, and how stuck is detected. All in milliseconds. */
export interface SyncTimingOptions {
  /** G1: server commits older than this must be applied locally. */
  readonly freshnessMs: number;
  /** How often the client pings when the link is quiet. */
  readonly heartbeatIntervalMs: number;
  /** G2: no proof of life from the server for this long ends green. */
  readonly heartbeatTimeoutMs: number;
  /** G2: local changes waiting this long for an ack, with no ack arriving meanwhile, end green (stuck: acks-stalled). */
  readonly ackTimeoutMs: number;
  /** Rapid failures: this many closes of accepted or opening connections within the window is stuck. */
  readonly rapidFailureCount: number;
  readonly rapidFailureWindowMs: number;
  /** Backoff between connection attempts: capped, jittered exponential. */
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
}

export const DEFAULT_SYNC_TIMING: SyncTimingOptions = {
  freshnessMs: 2_000,
  heartbeatIntervalMs: 1_000,
  heartbeatTimeoutMs: 5_000,
  ackTimeoutMs: 10_000,
  rapidFailureCount: 3,
  rapidFailureWindowMs: 10_000,
  backoffInitialMs: 250,
  backoffMaxMs: 10_000,
};
