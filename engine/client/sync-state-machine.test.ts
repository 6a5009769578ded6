import { describe, expect, test } from 'vitest';
import { GreenlightError } from '../errors.ts';
import { REJECT_REASONS } from '../protocol/messages.ts';
import { DEFAULT_SYNC_TIMING, type SyncEvent, type SyncTimingOptions } from './sync-events.ts';
import {
  createSyncState,
  diagnosticsOf,
  greenExpiresAt,
  hasPublishedChange,
  LIVE_BURST_MIN_CHANGES,
  LIVE_BURST_QUIET_MS,
  PROGRESS_LINGER_MS,
  progressOf,
  statusOf,
  transition,
  type SyncMachineState,
} from './sync-state-machine.ts';
import { g1WindowMs } from './sync-state-freshness.ts';
import type { PendingCount, SyncDiagnostics, SyncProgress } from './sync-status.ts';

const T: SyncTimingOptions = DEFAULT_SYNC_TIMING;
/** How long after hearing the server's version G1 is claimed: freshnessMs less the safety margin. */
const G1_WINDOW = g1WindowMs(T.freshnessMs);
const NONE: PendingCount = { changes: 0, rows: 0 };
const THREE: PendingCount = { changes: 3, rows: 2 };

function play(events: readonly SyncEvent[], from: SyncMachineState = createSyncState(0, NONE)): SyncMachineState {
  return events.reduce((state, event) => transition(state, event, T), from);
}

function accepted(at: number, serverVersion: number, backlogChanges = 0, backlogBytes = 0, backlogRows = backlogChanges): SyncEvent {
  return { type: 'handshake-accepted', at, serverVersion, committedClientVersion: 0, backlogChanges, backlogBytes, backlogRows };
}

/** Started, connected and caught up to server version 10 at t=5. */
const TO_GREEN: readonly SyncEvent[] = [
  { type: 'started', at: 0 },
  { type: 'connect-attempt', at: 1, attempt: 1 },
  { type: 'socket-opened', at: 2 },
  accepted(3, 10, 5, 500, 3),
  { type: 'changes-applied', at: 4, serverVersion: 10, changes: 5, rows: 3, bytes: 500 },
  { type: 'caught-up', at: 5, serverVersion: 10 },
];

function green(): SyncMachineState {
  return play(TO_GREEN);
}

/** Heartbeats every second from `from` to `to` inclusive, announcing `serverVersion`. */
function heartbeats(from: number, to: number, serverVersion: number): SyncEvent[] {
  const events: SyncEvent[] = [];
  for (let at = from; at <= to; at += 1_000) events.push({ type: 'heartbeat', at, serverVersion });
  return events;
}

/** Reconnect cycle that gets back to caught-up on server version 10. */
function reconnect(at: number, attempt: number): SyncEvent[] {
  return [
    { type: 'connect-attempt', at, attempt },
    { type: 'socket-opened', at: at + 1 },
    accepted(at + 2, 10),
    { type: 'caught-up', at: at + 3, serverVersion: 10 },
  ];
}

function diagnostics(overrides: Partial<SyncDiagnostics>): SyncDiagnostics {
  return {
    connectAttempts: 0,
    recentFailures: 0,
    lastError: null,
    lastConnectedAt: null,
    lastHeartbeatAt: null,
    lastAckAt: null,
    lastSyncedAt: null,
    serverVersion: null,
    appliedServerVersion: 0,
    ackedLocalVersion: 0,
    ...overrides,
  };
}

describe('lifecycle', () => {
  test('starts idle with the pending count it was given', () => {
    const state = createSyncState(0, THREE);
    expect(statusOf(state)).toEqual({ status: 'idle', pending: THREE });
    expect(diagnosticsOf(state)).toEqual(diagnostics({}));
    expect(progressOf(state)).toBeNull();
  });

  test('ignores connection events until started', () => {
    const idle = createSyncState(0, NONE);
    const events: SyncEvent[] = [
      { type: 'connect-attempt', at: 1, attempt: 1 },
      { type: 'socket-opened', at: 2 },
      accepted(3, 10),
      { type: 'caught-up', at: 4, serverVersion: 10 },
      { type: 'heartbeat', at: 5, serverVersion: 10 },
      { type: 'socket-closed', at: 6, wasOpen: true, error: null },
      { type: 'tick', at: 7 },
      { type: 'stopped', at: 8 },
    ];
    for (const event of events) expect(transition(idle, event, T)).toBe(idle);
  });

  test('started shows connecting with attempt 0, then the attempt number', () => {
    const started = play([{ type: 'started', at: 0 }]);
    expect(statusOf(started)).toEqual({ status: 'connecting', pending: NONE, attempt: 0, nextRetryAt: null });
    const attempting = play([{ type: 'connect-attempt', at: 1, attempt: 1 }], started);
    expect(statusOf(attempting)).toEqual({ status: 'connecting', pending: NONE, attempt: 1, nextRetryAt: null });
    expect(diagnosticsOf(attempting)).toEqual(diagnostics({ connectAttempts: 1 }));
    const opened = play([{ type: 'socket-opened', at: 2 }], attempting);
    expect(statusOf(opened)).toEqual({ status: 'connecting', pending: NONE, attempt: 1, nextRetryAt: null });
  });

  test('accept starts catching-up with the announced backlog as totals', () => {
    const state = play(TO_GREEN.slice(0, 4));
    expect(statusOf(state)).toEqual({
      status: 'catching-up',
      pending: NONE,
      progress: {
        changesDone: 0,
        changesTotal: 5,
        rowsDone: 0,
        rowsTotal: 3,
        bytesDone: 0,
        bytesTotal: 500,
        changesPerSecond: null,
        etaMs: null,
        startedAt: 3,
        finishedAt: null,
      },
    });
    expect(statusOf(state)).toMatchObject({ progress: progressOf(state) });
    expect(diagnosticsOf(state)).toEqual(diagnostics({ connectAttempts: 1, lastConnectedAt: 3, serverVersion: 10 }));
  });

  test('caught-up with everything applied is synced, and the final progress equals the totals', () => {
    const state = green();
    expect(statusOf(state)).toEqual({ status: 'synced', pending: NONE, lastSyncedAt: 5 });
    expect(progressOf(state)).toEqual({
      changesDone: 5,
      changesTotal: 5,
      rowsDone: 3,
      rowsTotal: 3,
      bytesDone: 500,
      bytesTotal: 500,
      changesPerSecond: null,
      etaMs: 0,
      startedAt: 3,
      finishedAt: 5,
    });
    expect(diagnosticsOf(state)).toEqual(
      diagnostics({ connectAttempts: 1, lastConnectedAt: 3, lastSyncedAt: 5, serverVersion: 10, appliedServerVersion: 10 }),
    );
    const later = play([{ type: 'tick', at: 5 + PROGRESS_LINGER_MS }], state);
    expect(progressOf(later)).toBeNull();
    expect(statusOf(later)).toBe(statusOf(state));
  });

  test('pending local changes make green syncing; the ack and the new count make it synced again', () => {
    const syncing = play([{ type: 'pending-changed', at: 10, pending: THREE }], green());
    expect(statusOf(syncing)).toEqual({ status: 'syncing', pending: THREE, lastSyncedAt: 5 });
    const sent = play([{ type: 'local-changes-sent', at: 11, throughVersion: 7 }], syncing);
    expect(statusOf(sent)).toBe(statusOf(syncing));
    const acked = play(
      [
        { type: 'ack', at: 20, committedClientVersion: 7 },
        { type: 'pending-changed', at: 21, pending: NONE },
      ],
      sent,
    );
    expect(statusOf(acked)).toEqual({ status: 'synced', pending: NONE, lastSyncedAt: 5 });
    expect(diagnosticsOf(acked)).toMatchObject({ lastAckAt: 20, ackedLocalVersion: 7 });
  });

  test('stopped returns to idle from any status, keeping the pending count', () => {
    const rejected: SyncEvent = { type: 'handshake-rejected', at: 3, reason: 'schema-mismatch', message: 'v2 vs v3' };
    const starts = [
      green(),
      play([{ type: 'started', at: 0 }]),
      play([...TO_GREEN.slice(0, 3), rejected]),
      play([...TO_GREEN, { type: 'socket-closed', at: 9, wasOpen: true, error: null }]),
    ];
    for (const start of starts) {
      const state = play([{ type: 'pending-changed', at: 50, pending: THREE }, { type: 'stopped', at: 60 }], start);
      expect(statusOf(state)).toEqual({ status: 'idle', pending: THREE });
    }
  });

  test('started again after stopped connects afresh', () => {
    const state = play([{ type: 'stopped', at: 10 }, { type: 'started', at: 11 }, ...reconnect(12, 1)], green());
    expect(statusOf(state)).toEqual({ status: 'synced', pending: NONE, lastSyncedAt: 15 });
  });
});

describe('green needs every condition', () => {
  test('connected and accepted is not green before caught-up', () => {
    const state = play([...TO_GREEN.slice(0, 5), ...heartbeats(1_000, 3_000, 10)]);
    expect(statusOf(state).status).toBe('catching-up');
  });

  test('G2 proof of life: green expires into heartbeat-lost through tick, heartbeats keep it', () => {
    // G1's own deadline (the server's version heard within freshnessMs) set beyond G2's, to see G2 alone.
    const g2First: SyncTimingOptions = { ...T, freshnessMs: 2 * T.heartbeatTimeoutMs };
    const playG2 = (events: readonly SyncEvent[], from: SyncMachineState): SyncMachineState =>
      events.reduce((state, event) => transition(state, event, g2First), from);
    const base = TO_GREEN.reduce((state, event) => transition(state, event, g2First), createSyncState(0, NONE));
    expect(statusOf(playG2([{ type: 'tick', at: 5 + T.heartbeatTimeoutMs }], base)).status).toBe('synced');
    const lost = playG2([{ type: 'tick', at: 5 + T.heartbeatTimeoutMs + 1 }], base);
    expect(statusOf(lost)).toEqual({
      status: 'stuck',
      pending: NONE,
      reason: 'heartbeat-lost',
      since: 5 + T.heartbeatTimeoutMs,
      diagnostics: diagnosticsOf(lost),
    });
    const alive = play([...heartbeats(1_000, 20_000, 10), { type: 'tick', at: 20_500 }], base);
    expect(statusOf(alive).status).toBe('synced');
    expect(diagnosticsOf(alive).lastHeartbeatAt).toBe(20_000);
  });

  test('a heartbeat after heartbeat-lost on the same socket makes it green again', () => {
    const lost = play([{ type: 'tick', at: 6_000 }], green());
    const back = play([{ type: 'heartbeat', at: 6_100, serverVersion: 10 }], lost);
    expect(statusOf(back)).toEqual({ status: 'synced', pending: NONE, lastSyncedAt: 6_100 });
  });

  test('heartbeat-lost also covers a handshake that never answers', () => {
    const state = play([...TO_GREEN.slice(0, 3), { type: 'tick', at: 2 + T.heartbeatTimeoutMs + 1 }]);
    expect(statusOf(state)).toMatchObject({ status: 'stuck', reason: 'heartbeat-lost', since: 2 + T.heartbeatTimeoutMs });
  });

  test('G2 acks: a send unacknowledged for longer than ackTimeoutMs is stuck acks-stalled', () => {
    const events: SyncEvent[] = [
      { type: 'pending-changed', at: 100, pending: THREE },
      { type: 'local-changes-sent', at: 100, throughVersion: 4 },
      ...heartbeats(1_000, 11_000, 10),
    ];
    const waiting = play([...events, { type: 'tick', at: 100 + T.ackTimeoutMs }], green());
    expect(statusOf(waiting).status).toBe('syncing');
    const stalled = play([...events, { type: 'tick', at: 100 + T.ackTimeoutMs + 1 }], green());
    expect(statusOf(stalled)).toEqual({
      status: 'stuck',
      pending: THREE,
      reason: 'acks-stalled',
      since: 100 + T.ackTimeoutMs,
      diagnostics: diagnosticsOf(stalled),
    });
    const acked = play([{ type: 'ack', at: 11_200, committedClientVersion: 4 }], stalled);
    expect(statusOf(acked)).toEqual({ status: 'syncing', pending: THREE, lastSyncedAt: 11_200 });
  });

  test('an ack below the send does not clear it, but restarts its wait: acks are flowing', () => {
    const events: SyncEvent[] = [
      { type: 'pending-changed', at: 100, pending: THREE },
      { type: 'local-changes-sent', at: 100, throughVersion: 4 },
      { type: 'ack', at: 200, committedClientVersion: 3 },
      ...heartbeats(1_000, 11_000, 10),
    ];
    expect(statusOf(play([...events, { type: 'tick', at: 200 + T.ackTimeoutMs }], green())).status).toBe('syncing');
    expect(statusOf(play([...events, { type: 'tick', at: 200 + T.ackTimeoutMs + 1 }], green()))).toMatchObject({
      status: 'stuck',
      reason: 'acks-stalled',
      since: 200 + T.ackTimeoutMs,
    });
  });

  test('G2 acks: pending changes the loop never sends count as waiting from when they became pending', () => {
    const events: SyncEvent[] = [{ type: 'pending-changed', at: 100, pending: THREE }, ...heartbeats(1_000, 11_000, 10)];
    expect(statusOf(play([...events, { type: 'tick', at: 10_100 }], green())).status).toBe('syncing');
    expect(statusOf(play([...events, { type: 'tick', at: 10_101 }], green()))).toMatchObject({
      status: 'stuck',
      reason: 'acks-stalled',
      since: 10_100,
    });
  });

  test('G2 acks: changes pending before connecting wait from the accept, not from when they were made', () => {
    const events: SyncEvent[] = [
      { type: 'pending-changed', at: 0, pending: THREE },
      { type: 'started', at: 0 },
      { type: 'connect-attempt', at: 20_000, attempt: 1 },
      { type: 'socket-opened', at: 20_001 },
      accepted(20_002, 10),
      { type: 'caught-up', at: 20_003, serverVersion: 10 },
    ];
    expect(statusOf(play(events))).toEqual({ status: 'syncing', pending: THREE, lastSyncedAt: 20_003 });
    const stalled = play([...events, ...heartbeats(21_000, 30_000, 10), { type: 'tick', at: 30_003 }]);
    expect(statusOf(stalled)).toMatchObject({ status: 'stuck', reason: 'acks-stalled', since: 30_002 });
  });

  test('G1: a server version announced more than the G1 window ago and not applied ends green', () => {
    const events: SyncEvent[] = [
      ...TO_GREEN.slice(0, 5),
      { type: 'heartbeat', at: 4, serverVersion: 20 },
      { type: 'caught-up', at: 5, serverVersion: 10 },
    ];
    const fresh = play([...events, { type: 'tick', at: 4 + G1_WINDOW }]);
    expect(statusOf(fresh).status).toBe('synced');
    const stale = play([...events, { type: 'tick', at: 4 + G1_WINDOW + 1 }]);
    // Announced but not arrived: nothing is downloading, so no progress.
    expect(statusOf(stale)).toEqual({ status: 'waiting', pending: NONE, waitingFor: 'server-changes', since: 4 + G1_WINDOW });
    expect(progressOf(stale)).toBeNull();
    const applied = play([{ type: 'changes-applied', at: 2_100, serverVersion: 20, changes: 2, rows: 1, bytes: 80 }], stale);
    expect(statusOf(applied)).toEqual({ status: 'synced', pending: NONE, lastSyncedAt: 2_100 });
    expect(diagnosticsOf(applied).appliedServerVersion).toBe(20);
  });

  test('G1: the version announced at accept must be reached, not just caught-up received', () => {
    const state = play([
      { type: 'started', at: 0 },
      { type: 'connect-attempt', at: 1, attempt: 1 },
      { type: 'socket-opened', at: 2 },
      accepted(3, 30, 10, 1_000),
      { type: 'changes-applied', at: 4, serverVersion: 25, changes: 10, rows: 10, bytes: 1_000 },
      { type: 'caught-up', at: 5, serverVersion: 25 },
      { type: 'tick', at: 3 + G1_WINDOW + 1 },
    ]);
    expect(statusOf(state)).toMatchObject({ status: 'waiting', waitingFor: 'server-changes', since: 3 + G1_WINDOW });
  });

  test('a silent link stops being green once the server version was last heard the G1 window ago, before heartbeat-lost', () => {
    const base = green();
    expect(statusOf(play([{ type: 'tick', at: 5 + G1_WINDOW }], base)).status).toBe('synced');
    const unknown = play([{ type: 'tick', at: 5 + G1_WINDOW + 1 }], base);
    expect(G1_WINDOW + 1).toBeLessThan(T.heartbeatTimeoutMs);
    expect(statusOf(unknown)).toEqual({ status: 'waiting', pending: NONE, waitingFor: 'server-version', since: 5 + G1_WINDOW });
    // An ack proves the server alive, but not what it committed meanwhile.
    const acked = play([{ type: 'ack', at: G1_WINDOW, committedClientVersion: 0 }, { type: 'tick', at: 5 + G1_WINDOW + 1 }], base);
    expect(statusOf(acked).status).toBe('waiting');
    const heard = play([{ type: 'heartbeat', at: 5 + G1_WINDOW + 2, serverVersion: 10 }], unknown);
    expect(statusOf(heard).status).toBe('synced');
  });

  test('G1 ends a safety margin of 10% of freshnessMs before its deadline', () => {
    expect(G1_WINDOW).toBe(T.freshnessMs - T.freshnessMs / 10);
    const base = green();
    expect(greenExpiresAt(base, T)).toBe(5 + G1_WINDOW + 1);
    expect(statusOf(play([{ type: 'tick', at: 5 + G1_WINDOW }], base)).status).toBe('synced');
    expect(statusOf(play([{ type: 'tick', at: 5 + G1_WINDOW + 1 }], base)).status).toBe('waiting');
  });

  test("G1's window runs from when a version's frame arrived, not from when the queue got to it", () => {
    // The ping arrived at 500 but waited behind a long apply until 1,500.
    const late = play([{ type: 'heartbeat', at: 1_500, heardAt: 500, serverVersion: 10 }], green());
    expect(diagnosticsOf(late).lastHeartbeatAt).toBe(500);
    expect(greenExpiresAt(late, T)).toBe(500 + G1_WINDOW + 1);
    expect(statusOf(play([{ type: 'tick', at: 500 + G1_WINDOW }], late)).status).toBe('synced');
    expect(statusOf(play([{ type: 'tick', at: 500 + G1_WINDOW + 1 }], late)).status).toBe('waiting');
    // An announcement it could not apply yet is due from its arrival too.
    const announced = play([{ type: 'heartbeat', at: 1_500, heardAt: 500, serverVersion: 11 }], green());
    expect(statusOf(play([{ type: 'tick', at: 500 + G1_WINDOW + 1 }], announced)).status).toBe('waiting');
    // An ack's time is taken after its transaction: a frame that arrived earlier does not move that proof back.
    const shortG2: SyncTimingOptions = { ...T, heartbeatTimeoutMs: 1_000 };
    const events: SyncEvent[] = [
      { type: 'ack', at: 1_000, committedClientVersion: 0 },
      { type: 'heartbeat', at: 1_500, heardAt: 900, serverVersion: 10 },
    ];
    const acked = events.reduce((state, event) => transition(state, event, shortG2), green());
    expect(greenExpiresAt(acked, shortG2)).toBe(1_000 + shortG2.heartbeatTimeoutMs + 1);
  });

  test('a heartbeat while live vouches for its server version, which the server sent changes for first', () => {
    const state = play([{ type: 'heartbeat', at: 1_000, serverVersion: 12 }, { type: 'tick', at: 2_500 }], green());
    expect(statusOf(state).status).toBe('synced');
    expect(diagnosticsOf(state)).toMatchObject({ serverVersion: 12, appliedServerVersion: 12, lastHeartbeatAt: 1_000 });
  });
});

describe('waiting: a live link whose G1 window ran out, with nothing arriving', () => {
  test('a quiet link is waiting for the server version, yellow with no progress, from the lapse until heartbeat-lost', () => {
    const base = play([{ type: 'pending-changed', at: 5, pending: THREE }], green());
    const lapsedAt = 5 + G1_WINDOW + 1;
    const waiting = play([{ type: 'tick', at: lapsedAt }], base);
    expect(statusOf(waiting)).toEqual({ status: 'waiting', pending: THREE, waitingFor: 'server-version', since: 5 + G1_WINDOW });
    expect(progressOf(waiting)).toBeNull();
    // Every tick until proof of life runs out says the same, with the same object: no bar appears meanwhile.
    let state = waiting;
    for (let at = lapsedAt + 250; at <= 5 + T.heartbeatTimeoutMs; at += 250) {
      state = play([{ type: 'tick', at }], state);
      expect(statusOf(state)).toBe(statusOf(waiting));
      expect(progressOf(state)).toBeNull();
    }
    const lost = play([{ type: 'tick', at: 5 + T.heartbeatTimeoutMs + 1 }], state);
    expect(statusOf(lost)).toMatchObject({ status: 'stuck', reason: 'heartbeat-lost', since: 5 + T.heartbeatTimeoutMs });
  });

  test('a catch-up progress that finished just before the lapse is not shown while waiting', () => {
    const state = play([
      { type: 'started', at: 0 },
      { type: 'connect-attempt', at: 1, attempt: 1 },
      { type: 'socket-opened', at: 2 },
      accepted(3, 12, 5, 500, 3),
      { type: 'changes-applied', at: 4, serverVersion: 10, changes: 5, rows: 3, bytes: 500 },
      { type: 'caught-up', at: G1_WINDOW, serverVersion: 10 },
      // Version 12, announced at 3, is due while the finished catch-up's progress still lingers.
      { type: 'tick', at: 3 + G1_WINDOW + 1 },
    ]);
    expect(3 + G1_WINDOW + 1 - G1_WINDOW).toBeLessThan(PROGRESS_LINGER_MS);
    expect(statusOf(state)).toMatchObject({ status: 'waiting', waitingFor: 'server-changes', since: 3 + G1_WINDOW });
    expect(progressOf(state)).toBeNull();
  });

  test('changes that start arriving while waiting are catching-up with their progress, then green', () => {
    // Version 20 announced at the accept, but the catch-up ended at 10.
    const waiting = play([
      ...TO_GREEN.slice(0, 3),
      accepted(3, 20, 5, 500, 3),
      { type: 'changes-applied', at: 4, serverVersion: 10, changes: 5, rows: 3, bytes: 500 },
      { type: 'caught-up', at: 5, serverVersion: 10 },
      { type: 'tick', at: 3 + G1_WINDOW + 1 },
    ]);
    expect(statusOf(waiting)).toEqual({ status: 'waiting', pending: NONE, waitingFor: 'server-changes', since: 3 + G1_WINDOW });
    expect(progressOf(waiting)).toBeNull();
    const arriving = play([{ type: 'changes-applied', at: 2_100, serverVersion: 15, changes: 4, rows: 2, bytes: 40 }], waiting);
    expect(statusOf(arriving)).toEqual({ status: 'catching-up', pending: NONE, progress: progressOf(arriving) });
    // Published at the throttle's pace, like every burst.
    expect(progressOf(play([{ type: 'tick', at: 2_100 + 100 }], arriving))).toMatchObject({ changesDone: 4 });
    const done = play([{ type: 'changes-applied', at: 2_200, serverVersion: 20, changes: 4, rows: 2, bytes: 40 }], arriving);
    expect(statusOf(done)).toEqual({ status: 'synced', pending: NONE, lastSyncedAt: 2_200 });
  });

  test('the server version heard again ends waiting: green when nothing is missing', () => {
    const waiting = play([{ type: 'tick', at: 5 + G1_WINDOW + 1 }], green());
    const heard = play([{ type: 'heartbeat', at: 3_000, serverVersion: 10 }], waiting);
    expect(statusOf(heard)).toEqual({ status: 'synced', pending: NONE, lastSyncedAt: 3_000 });
  });
});

describe('heartbeat-lost stays visible until the next attempt', () => {
  const silence = new GreenlightError('timeout', 'transport', 'no word from the server for 5001 ms (live)');
  const LOST_AT = 5 + T.heartbeatTimeoutMs;

  test('through the close for silence and the whole backoff, then disconnected from the attempt on', () => {
    const lost = play([{ type: 'tick', at: LOST_AT + 1 }], green());
    const expected = { status: 'stuck', pending: NONE, reason: 'heartbeat-lost', since: LOST_AT };
    expect(statusOf(lost)).toEqual({ ...expected, diagnostics: diagnosticsOf(lost) });
    const closed = play(
      [
        { type: 'socket-closed', at: LOST_AT + 1, wasOpen: true, error: silence },
        { type: 'retry-scheduled', at: LOST_AT + 1, nextRetryAt: LOST_AT + 2_000 },
      ],
      lost,
    );
    expect(statusOf(closed)).toEqual({ ...expected, diagnostics: diagnosticsOf(closed) });
    expect(diagnosticsOf(closed).lastError).toBe(silence);
    let state = closed;
    for (let at = LOST_AT + 251; at < LOST_AT + 2_000; at += 250) {
      state = play([{ type: 'tick', at }], state);
      expect(statusOf(state)).toMatchObject(expected);
    }
    const attempt = play([{ type: 'connect-attempt', at: LOST_AT + 2_000, attempt: 2 }], state);
    expect(statusOf(attempt)).toEqual({
      status: 'disconnected',
      pending: NONE,
      reason: 'closed',
      since: LOST_AT + 1,
      nextRetryAt: null,
    });
    const back = play(reconnect(LOST_AT + 2_100, 3), attempt);
    expect(statusOf(back).status).toBe('synced');
  });

  test('the loop closing for silence at the very instant the window ends is heartbeat-lost too', () => {
    // The loop judges with its own clock (>= the timeout); the machine had not yet seen the window pass.
    const closed = play([{ type: 'socket-closed', at: LOST_AT, wasOpen: true, error: silence }], green());
    expect(statusOf(closed)).toMatchObject({ status: 'stuck', reason: 'heartbeat-lost', since: LOST_AT });
  });

  test('a handshake that never answers is heartbeat-lost until the next attempt; a socket that never opened is an outage', () => {
    const handshaking = play([...TO_GREEN.slice(0, 3), { type: 'socket-closed', at: 2 + T.heartbeatTimeoutMs, wasOpen: true, error: silence }]);
    expect(statusOf(handshaking)).toMatchObject({ status: 'stuck', reason: 'heartbeat-lost', since: 2 + T.heartbeatTimeoutMs });
    const neverOpened = play([...TO_GREEN.slice(0, 2), { type: 'socket-closed', at: 1 + T.heartbeatTimeoutMs, wasOpen: false, error: silence }]);
    expect(statusOf(neverOpened)).toMatchObject({ status: 'disconnected', reason: 'server-unreachable' });
  });

  test('a close while proof of life was fresh is disconnected at once', () => {
    const closed = play([{ type: 'socket-closed', at: 100, wasOpen: true, error: null }], green());
    expect(statusOf(closed)).toMatchObject({ status: 'disconnected', reason: 'closed', since: 100 });
  });

  test('going offline, a stop or a nuke end it: offline explains the silence better', () => {
    const closed = play([{ type: 'socket-closed', at: LOST_AT + 1, wasOpen: true, error: silence }], green());
    expect(statusOf(closed)).toMatchObject({ status: 'stuck', reason: 'heartbeat-lost' });
    const offline = play([{ type: 'network-changed', at: LOST_AT + 10, online: false }], closed);
    expect(statusOf(offline)).toMatchObject({ status: 'disconnected', reason: 'offline' });
    const back = play([{ type: 'network-changed', at: LOST_AT + 20, online: true }], offline);
    expect(statusOf(back)).toMatchObject({ status: 'disconnected', reason: 'offline' });
    expect(statusOf(play([{ type: 'stopped', at: LOST_AT + 10 }], closed)).status).toBe('idle');
    expect(statusOf(play([{ type: 'nuke-started', at: LOST_AT + 10 }], closed)).status).toBe('connecting');
  });

  test('rapid failures still win: silent connections dropped rapidFailureCount times are stuck: rapid-failures', () => {
    let state = green();
    for (let attempt = 2; attempt <= 4; attempt += 1) {
      const at = attempt * 1_000;
      state = play([{ type: 'socket-closed', at, wasOpen: true, error: silence }, ...reconnect(at + 100, attempt)], state);
    }
    const dropped = play([{ type: 'socket-closed', at: 5_000, wasOpen: true, error: silence }], state);
    expect(statusOf(dropped)).toMatchObject({ status: 'stuck', reason: 'rapid-failures' });
  });
});

describe('connection loss', () => {
  test('an established connection closing is disconnected: closed, through every retry, until accepted', () => {
    const error = new GreenlightError('closed', 'transport', 'socket closed');
    const closed = play([...TO_GREEN, { type: 'socket-closed', at: 100, wasOpen: true, error }]);
    expect(statusOf(closed)).toEqual({ status: 'disconnected', pending: NONE, reason: 'closed', since: 100, nextRetryAt: null });
    expect(diagnosticsOf(closed)).toMatchObject({ lastError: error, recentFailures: 1 });
    const scheduled = play([{ type: 'retry-scheduled', at: 100, nextRetryAt: 350 }], closed);
    expect(statusOf(scheduled)).toEqual({ status: 'disconnected', pending: NONE, reason: 'closed', since: 100, nextRetryAt: 350 });
    const attempt = play([{ type: 'connect-attempt', at: 350, attempt: 2 }], scheduled);
    expect(statusOf(attempt)).toEqual({ status: 'disconnected', pending: NONE, reason: 'closed', since: 100, nextRetryAt: null });
    expect(diagnosticsOf(attempt).connectAttempts).toBe(2);
    const opened = play([{ type: 'socket-opened', at: 351 }], attempt);
    expect(statusOf(opened)).toBe(statusOf(attempt));
    const back = play([accepted(352, 10), { type: 'caught-up', at: 353, serverVersion: 10 }], opened);
    expect(statusOf(back)).toEqual({ status: 'synced', pending: NONE, lastSyncedAt: 353 });
  });

  test('an unreachable server with pending changes stays disconnected however often it fails', () => {
    let state = play([{ type: 'pending-changed', at: 0, pending: THREE }, { type: 'started', at: 0 }]);
    for (let attempt = 1; attempt <= 50; attempt += 1) {
      const at = attempt * 100;
      state = play(
        [
          { type: 'connect-attempt', at, attempt },
          { type: 'socket-closed', at: at + 10, wasOpen: false, error: null },
          { type: 'retry-scheduled', at: at + 10, nextRetryAt: at + 100 },
        ],
        state,
      );
      expect(statusOf(state)).toEqual({
        status: 'disconnected',
        pending: THREE,
        reason: 'server-unreachable',
        since: 110,
        nextRetryAt: at + 100,
      });
    }
  });

  test('a transient outage of an established connection with pending changes is disconnected, then green', () => {
    const state = play([
      ...TO_GREEN,
      { type: 'pending-changed', at: 50, pending: THREE },
      { type: 'local-changes-sent', at: 50, throughVersion: 3 },
      { type: 'socket-closed', at: 100, wasOpen: true, error: null },
      { type: 'connect-attempt', at: 400, attempt: 2 },
      { type: 'socket-closed', at: 410, wasOpen: false, error: null },
      { type: 'connect-attempt', at: 900, attempt: 3 },
      { type: 'socket-closed', at: 910, wasOpen: false, error: null },
      { type: 'tick', at: 20_000 },
    ]);
    expect(statusOf(state)).toEqual({
      status: 'disconnected',
      pending: THREE,
      reason: 'server-unreachable',
      since: 100,
      nextRetryAt: null,
    });
    const back = play(reconnect(20_100, 4), state);
    expect(statusOf(back)).toEqual({ status: 'syncing', pending: THREE, lastSyncedAt: 20_103 });
  });

  test('offline: a close while offline says offline, and going offline while disconnected says so too', () => {
    const offlineFirst = play([
      ...TO_GREEN,
      { type: 'network-changed', at: 50, online: false },
      { type: 'socket-closed', at: 60, wasOpen: true, error: null },
    ]);
    expect(statusOf(offlineFirst)).toMatchObject({ status: 'disconnected', reason: 'offline', since: 60 });
    expect(diagnosticsOf(offlineFirst).recentFailures).toBe(0);
    const closedFirst = play([
      ...TO_GREEN,
      { type: 'socket-closed', at: 60, wasOpen: true, error: null },
      { type: 'retry-scheduled', at: 60, nextRetryAt: 5_000 },
      { type: 'network-changed', at: 70, online: false },
    ]);
    expect(statusOf(closedFirst)).toMatchObject({ status: 'disconnected', reason: 'offline', since: 60, nextRetryAt: null });
  });

  test('offline with no socket open is disconnected: offline, not connecting, whether it started so or went so', () => {
    const wentOffline = play([
      { type: 'started', at: 0 },
      { type: 'network-changed', at: 10, online: false },
    ]);
    expect(statusOf(wentOffline)).toEqual({ status: 'disconnected', pending: NONE, reason: 'offline', since: 10, nextRetryAt: null });
    const restarted = play([{ type: 'stopped', at: 20 }, { type: 'started', at: 30 }], wentOffline);
    expect(statusOf(restarted)).toEqual({ status: 'disconnected', pending: NONE, reason: 'offline', since: 30, nextRetryAt: null });
    const nuked = play([{ type: 'nuke-started', at: 40 }], restarted);
    expect(statusOf(nuked)).toEqual({ status: 'disconnected', pending: NONE, reason: 'offline', since: 40, nextRetryAt: null });
    // Back online, the loop's next attempt is what shows; a failed one says why.
    const unreachable = play(
      [
        { type: 'network-changed', at: 50, online: true },
        { type: 'connect-attempt', at: 50, attempt: 1 },
        { type: 'socket-closed', at: 60, wasOpen: false, error: null },
      ],
      nuked,
    );
    expect(statusOf(unreachable)).toMatchObject({ status: 'disconnected', reason: 'server-unreachable' });
  });

  test('late messages from a closed connection cannot make it green', () => {
    const closed = play([...TO_GREEN, { type: 'socket-closed', at: 100, wasOpen: true, error: null }]);
    const late: SyncEvent[] = [
      { type: 'heartbeat', at: 101, serverVersion: 10 },
      { type: 'caught-up', at: 102, serverVersion: 10 },
      { type: 'ack', at: 103, committedClientVersion: 9 },
      { type: 'local-changes-sent', at: 104, throughVersion: 9 },
      { type: 'socket-opened', at: 105 },
    ];
    for (const event of late) expect(transition(closed, event, T)).toBe(closed);
  });

  test('the very first attempt failing is disconnected: server-unreachable', () => {
    const state = play([
      { type: 'started', at: 0 },
      { type: 'connect-attempt', at: 1, attempt: 1 },
      { type: 'socket-closed', at: 2, wasOpen: false, error: null },
    ]);
    expect(statusOf(state)).toEqual({ status: 'disconnected', pending: NONE, reason: 'server-unreachable', since: 2, nextRetryAt: null });
  });
});

describe('rapid failures', () => {
  /** Accepts, catches up, then closes: a server that drops every connection. */
  function acceptAndDrop(at: number, attempt: number): SyncEvent[] {
    return [...reconnect(at, attempt), { type: 'socket-closed', at: at + 50, wasOpen: true, error: null }];
  }

  test('rapidFailureCount drops within the window are stuck: rapid-failures, and stay stuck while they continue', () => {
    const start: SyncEvent[] = [{ type: 'started', at: 0 }];
    const two = play([...start, ...acceptAndDrop(0, 1), ...acceptAndDrop(1_000, 2)]);
    expect(statusOf(two)).toMatchObject({ status: 'disconnected', reason: 'closed' });
    const three = play(acceptAndDrop(2_000, 3), two);
    expect(statusOf(three)).toEqual({
      status: 'stuck',
      pending: NONE,
      reason: 'rapid-failures',
      since: 2_050,
      diagnostics: diagnosticsOf(three),
    });
    expect(diagnosticsOf(three).recentFailures).toBe(3);
    let state = three;
    for (let attempt = 4; attempt < 40; attempt += 1) {
      state = play(acceptAndDrop(attempt * 1_000, attempt), state);
      expect(statusOf(state)).toMatchObject({ status: 'stuck', reason: 'rapid-failures', since: 2_050 });
    }
  });

  test('a server that opens sockets and closes them before any handshake also ends stuck', () => {
    let state = play([{ type: 'started', at: 0 }]);
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      state = play(
        [
          { type: 'connect-attempt', at: attempt * 500, attempt },
          { type: 'socket-opened', at: attempt * 500 + 1 },
          { type: 'socket-closed', at: attempt * 500 + 2, wasOpen: true, error: null },
        ],
        state,
      );
    }
    expect(statusOf(state)).toMatchObject({ status: 'stuck', reason: 'rapid-failures' });
  });

  test('drops spaced wider than the window are a transient outage each time, never stuck', () => {
    let state = play([{ type: 'started', at: 0 }]);
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      state = play(acceptAndDrop(attempt * 6_000, attempt), state);
      expect(statusOf(state).status).toBe('disconnected');
    }
  });

  test('stuck clears once a connection is green and the failures have left the window', () => {
    const stuck = play([
      { type: 'started', at: 0 },
      ...acceptAndDrop(0, 1),
      ...acceptAndDrop(1_000, 2),
      ...acceptAndDrop(2_000, 3),
    ]);
    const healthy = play([...reconnect(3_000, 4), ...heartbeats(4_000, 10_000, 10)], stuck);
    expect(statusOf(healthy)).toMatchObject({ status: 'stuck', reason: 'rapid-failures' });
    const cleared = 50 + T.rapidFailureWindowMs;
    const recovered = play([{ type: 'tick', at: cleared }], healthy);
    expect(statusOf(recovered)).toEqual({ status: 'synced', pending: NONE, lastSyncedAt: cleared });
    expect(diagnosticsOf(recovered).recentFailures).toBe(2);
  });
});

describe('incompatible', () => {
  test.each(REJECT_REASONS)('reject %s maps to the same incompatible reason', (reason) => {
    const state = play([...TO_GREEN.slice(0, 3), { type: 'handshake-rejected', at: 3, reason, message: `no: ${reason}` }]);
    expect(statusOf(state)).toEqual({ status: 'incompatible', pending: NONE, reason, message: `no: ${reason}`, since: 3 });
    expect(diagnosticsOf(state).lastError).toMatchObject({ kind: reason, origin: 'protocol', message: `no: ${reason}` });
  });

  test('is sticky and never green until nuke-started', () => {
    const rejected = play([
      ...TO_GREEN.slice(0, 3),
      { type: 'handshake-rejected', at: 3, reason: 'server-rebuilt', message: 'new server identity' },
    ]);
    const ignored: SyncEvent[] = [
      { type: 'socket-closed', at: 4, wasOpen: true, error: null },
      { type: 'connect-attempt', at: 5, attempt: 2 },
      { type: 'socket-opened', at: 6 },
      accepted(7, 10),
      { type: 'caught-up', at: 8, serverVersion: 10 },
      { type: 'heartbeat', at: 9, serverVersion: 10 },
      { type: 'ack', at: 10, committedClientVersion: 5 },
      { type: 'retry-scheduled', at: 11, nextRetryAt: 500 },
      { type: 'tick', at: 60_000 },
    ];
    let state = rejected;
    for (const event of ignored) {
      state = transition(state, event, T);
      expect(state).toBe(rejected);
    }
    const withPending = play([{ type: 'pending-changed', at: 12, pending: THREE }], rejected);
    expect(statusOf(withPending)).toMatchObject({ status: 'incompatible', pending: THREE, reason: 'server-rebuilt' });

    const nuking = play([{ type: 'nuke-started', at: 100 }], withPending);
    expect(statusOf(nuking)).toEqual({ status: 'connecting', pending: THREE, attempt: 0, nextRetryAt: null });
    expect(diagnosticsOf(nuking)).toMatchObject({ appliedServerVersion: 0, serverVersion: null, ackedLocalVersion: 0 });
    const resynced = play(
      [{ type: 'pending-changed', at: 101, pending: NONE }, ...reconnect(102, 1)],
      nuking,
    );
    expect(statusOf(resynced)).toEqual({ status: 'synced', pending: NONE, lastSyncedAt: 105 });
  });

  test('nuke-failed is stuck: apply-failed with the error, and a new nuke can be tried', () => {
    const error = new GreenlightError('storage', 'storage', 'could not delete the database');
    const failed = play([
      ...TO_GREEN.slice(0, 3),
      { type: 'handshake-rejected', at: 3, reason: 'schema-mismatch', message: 'schema' },
      { type: 'nuke-started', at: 10 },
      { type: 'nuke-failed', at: 11, error },
    ]);
    expect(statusOf(failed)).toEqual({
      status: 'stuck',
      pending: NONE,
      reason: 'apply-failed',
      since: 11,
      diagnostics: diagnosticsOf(failed),
    });
    expect(diagnosticsOf(failed).lastError).toBe(error);
    const retried = play([{ type: 'nuke-started', at: 20 }], failed);
    expect(statusOf(retried).status).toBe('connecting');
  });
});

describe('apply failures', () => {
  const error = new GreenlightError('apply-failed', 'storage', 'constraint failed');

  test('are stuck on that connection even while heartbeats arrive, and clear on a later green connection', () => {
    const failed = play([{ type: 'apply-failed', at: 100, error }, ...heartbeats(1_000, 3_000, 10)], green());
    expect(statusOf(failed)).toEqual({
      status: 'stuck',
      pending: NONE,
      reason: 'apply-failed',
      since: 100,
      diagnostics: diagnosticsOf(failed),
    });
    expect(diagnosticsOf(failed).lastError).toBe(error);
    const recovered = play(
      [{ type: 'socket-closed', at: 3_100, wasOpen: true, error: null }, ...reconnect(3_500, 2)],
      failed,
    );
    expect(statusOf(recovered)).toEqual({ status: 'synced', pending: NONE, lastSyncedAt: 3_503 });
  });
});

describe('a server that misbehaved', () => {
  const error = new GreenlightError('server-misbehaved', 'client', 'ack above the written version');

  test('is stuck: server-misbehaved with the error, never green on that connection, and clears on a later green one', () => {
    const refused = play([{ type: 'server-misbehaved', at: 100, error }, ...heartbeats(1_000, 3_000, 10)], green());
    expect(statusOf(refused)).toEqual({
      status: 'stuck',
      pending: NONE,
      reason: 'server-misbehaved',
      since: 100,
      diagnostics: diagnosticsOf(refused),
    });
    expect(diagnosticsOf(refused).lastError).toBe(error);
    const recovered = play(
      [{ type: 'socket-closed', at: 3_100, wasOpen: true, error }, ...reconnect(3_500, 2)],
      refused,
    );
    expect(statusOf(recovered)).toEqual({ status: 'synced', pending: NONE, lastSyncedAt: 3_503 });
  });
});

describe('pending count', () => {
  test('every status carries the latest pending count', () => {
    const rejected: SyncEvent = { type: 'handshake-rejected', at: 3, reason: 'unknown-database', message: 'x' };
    const states = [
      createSyncState(0, NONE),
      play([{ type: 'started', at: 0 }]),
      play(TO_GREEN.slice(0, 4)),
      green(),
      play([...TO_GREEN, { type: 'socket-closed', at: 9, wasOpen: true, error: null }]),
      play([...TO_GREEN, { type: 'tick', at: 9_000 }]),
      play([...TO_GREEN.slice(0, 3), rejected]),
    ];
    for (const state of states) {
      const updated = play([{ type: 'pending-changed', at: 9_001, pending: THREE }], state);
      expect(statusOf(updated).pending).toEqual(THREE);
    }
  });
});

describe('referential stability', () => {
  test('events that change nothing return the same state object', () => {
    const state = play([{ type: 'tick', at: 600 }], green());
    expect(transition(state, { type: 'tick', at: 700 }, T)).toBe(state);
    expect(transition(state, { type: 'pending-changed', at: 700, pending: NONE }, T)).toBe(state);
    expect(transition(state, { type: 'network-changed', at: 700, online: true }, T)).toBe(state);
    expect(transition(state, { type: 'started', at: 700 }, T)).toBe(state);
    const closed = play([{ type: 'socket-closed', at: 800, wasOpen: true, error: null }, { type: 'retry-scheduled', at: 800, nextRetryAt: 900 }], state);
    expect(transition(closed, { type: 'retry-scheduled', at: 801, nextRetryAt: 900 }, T)).toBe(closed);
  });

  test('a heartbeat while green keeps the status object and replaces only the diagnostics', () => {
    const before = play([{ type: 'tick', at: 600 }], green());
    const after = transition(before, { type: 'heartbeat', at: 1_000, serverVersion: 10 }, T);
    expect(after).not.toBe(before);
    expect(statusOf(after)).toBe(statusOf(before));
    expect(progressOf(after)).toBe(progressOf(before));
    expect(diagnosticsOf(after)).not.toBe(diagnosticsOf(before));
    expect(hasPublishedChange(before, after)).toBe(true);
  });

  test('applied batches while green republish version counters at most every 100 ms', () => {
    let state = play([{ type: 'tick', at: 600 }], green());
    const published = new Set<SyncDiagnostics>([diagnosticsOf(state)]);
    for (let at = 1_000; at < 2_000; at += 5) {
      const serverVersion = 10 + (at - 995) / 5;
      state = transition(state, { type: 'changes-applied', at, serverVersion, changes: 1, rows: 1, bytes: 10 }, T);
      published.add(diagnosticsOf(state));
    }
    expect(published.size).toBeLessThanOrEqual(11);
    const settled = transition(state, { type: 'tick', at: 2_100 }, T);
    expect(diagnosticsOf(settled).appliedServerVersion).toBe(10 + 200);
  });
});

describe('progress', () => {
  test('a flood of 10,000 batches publishes at most 10 progress objects per second, monotonic, ending at the totals', () => {
    const announced = 10_000 * 3;
    let state = play([...TO_GREEN.slice(0, 3), accepted(0, 10_000, announced, announced * 100, 20_000)]);
    const published: Array<{ at: number; progress: SyncProgress }> = [];
    let previous = progressOf(state);
    let sawEta = false;
    for (let index = 1; index <= 10_000; index += 1) {
      const at = index * 0.5;
      state = transition(state, { type: 'changes-applied', at, serverVersion: index, changes: 3, rows: 2, bytes: 300 }, T);
      const progress = progressOf(state);
      if (progress === null || previous === null) throw new Error('progress vanished while catching up');
      expect(statusOf(state)).toMatchObject({ status: 'catching-up', progress });
      if (progress !== previous) {
        published.push({ at, progress });
        expect(progress.changesDone).toBeGreaterThanOrEqual(previous.changesDone);
        expect(progress.rowsDone).toBeGreaterThanOrEqual(previous.rowsDone);
        expect(progress.bytesDone).toBeGreaterThanOrEqual(previous.bytesDone);
        if (progress.etaMs !== null && progress.changesDone < progress.changesTotal) sawEta = true;
      }
      expect(progress.changesDone).toBeLessThanOrEqual(progress.changesTotal);
      expect(progress.rowsDone).toBeLessThanOrEqual(progress.rowsTotal);
      // The announced rows are the total from the first batch on, not an estimate.
      expect(progress.rowsTotal).toBe(20_000);
      expect(progress.bytesDone).toBeLessThanOrEqual(progress.bytesTotal);
      previous = progress;
    }
    for (const { at } of published) {
      expect(published.filter((entry) => entry.at >= at && entry.at < at + 1_000).length).toBeLessThanOrEqual(10);
    }
    expect(published.length).toBeGreaterThanOrEqual(40);
    expect(sawEta).toBe(true);
    const done = play([{ type: 'caught-up', at: 5_001, serverVersion: 10_000 }], state);
    expect(progressOf(done)).toEqual({
      changesDone: announced,
      changesTotal: announced,
      rowsDone: 20_000,
      rowsTotal: 20_000,
      bytesDone: announced * 100,
      bytesTotal: announced * 100,
      changesPerSecond: expect.any(Number),
      etaMs: 0,
      startedAt: 0,
      finishedAt: 5_001,
    });
    expect(statusOf(done).status).toBe('synced');
  });

  test('more than announced grows the totals instead of passing them', () => {
    const state = play([
      ...TO_GREEN.slice(0, 3),
      accepted(3, 10, 5, 100),
      { type: 'changes-applied', at: 200, serverVersion: 10, changes: 8, rows: 4, bytes: 160 },
    ]);
    expect(progressOf(state)).toMatchObject({ changesDone: 8, changesTotal: 8, bytesDone: 160, bytesTotal: 160 });
  });

  test('a large live burst shows progress while it runs, and none once it is over', () => {
    let state = play([{ type: 'tick', at: 600 }], green());
    for (let index = 0; index < 40; index += 1) {
      const at = 1_000 + index * 20;
      state = transition(state, { type: 'changes-applied', at, serverVersion: 11 + index, changes: 50, rows: 50, bytes: 500 }, T);
      const progress = progressOf(state);
      if ((index + 1) * 50 >= LIVE_BURST_MIN_CHANGES + 150) expect(progress).not.toBeNull();
      expect(statusOf(state).status).toBe('synced');
    }
    const last = 1_000 + 39 * 20;
    const ended = play([{ type: 'tick', at: last + LIVE_BURST_QUIET_MS }], state);
    expect(progressOf(ended)).toMatchObject({ changesDone: 2_000, changesTotal: 2_000, etaMs: 0 });
    const gone = play([{ type: 'tick', at: last + LIVE_BURST_QUIET_MS + PROGRESS_LINGER_MS }], ended);
    expect(progressOf(gone)).toBeNull();
  });

  test('a small live batch shows no progress', () => {
    const state = play(
      [{ type: 'tick', at: 600 }, { type: 'changes-applied', at: 1_000, serverVersion: 11, changes: 3, rows: 1, bytes: 30 }],
      green(),
    );
    expect(progressOf(state)).toBeNull();
  });

  test('an interrupted catch-up drops its progress; the next accept starts a new one', () => {
    const closed = play([
      ...TO_GREEN.slice(0, 4),
      { type: 'changes-applied', at: 200, serverVersion: 8, changes: 3, rows: 3, bytes: 300 },
      { type: 'socket-closed', at: 300, wasOpen: true, error: null },
    ]);
    expect(progressOf(closed)).toBeNull();
    const again = play([{ type: 'connect-attempt', at: 400, attempt: 2 }, accepted(410, 10, 2, 200)], closed);
    expect(progressOf(again)).toMatchObject({ changesDone: 0, changesTotal: 2, startedAt: 410 });
  });
});
