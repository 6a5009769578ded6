import type { SyncTimingOptions } from '../../engine/client/sync-events.ts';

/**
 * Short windows, so a scenario shows each transition within a second or two,
 * yet wide enough that a busy two-core machine running the story tests in
 * parallel does not lose a heartbeat that was merely late.
 */
export const SCENARIO_TIMING: SyncTimingOptions = {
  freshnessMs: 1_000,
  heartbeatIntervalMs: 300,
  heartbeatTimeoutMs: 1_500,
  ackTimeoutMs: 1_500,
  rapidFailureCount: 3,
  rapidFailureWindowMs: 4_000,
  backoffInitialMs: 100,
  backoffMaxMs: 500,
};

/** The mock server's heartbeat, well inside the client's heartbeat timeout. */
export const SCENARIO_SERVER_HEARTBEAT_MS = 300;

/** How long a play function waits for a transition before it fails: generous, never tuned to one machine. */
export const TRANSITION_TIMEOUT_MS = 20_000;
