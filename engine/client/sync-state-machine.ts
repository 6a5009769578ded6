import { GreenlightError } from '../errors.ts';
import {
  acksForNewConnection,
  EMPTY_ACKS,
  oldestWaitingSince,
  recordAck,
  recordPendingChange,
  recordSend,
  type AckLedger,
} from './sync-state-acks.ts';
import {
  EMPTY_FRESHNESS,
  g1WindowMs,
  recordAnnouncement,
  serverChangesAreLocal,
  settleAnnouncements,
  type FreshnessLedger,
} from './sync-state-freshness.ts';
import {
  finishProgress,
  flushProgress,
  NOTHING_ANNOUNCED,
  PROGRESS_PUBLISH_INTERVAL_MS,
  recordProgress,
  startProgress,
  type ProgressMeter,
} from './progress-meter.ts';
import type { SyncEvent, SyncTimingOptions } from './sync-events.ts';
import type {
  DisconnectReason,
  IncompatibleReason,
  PendingCount,
  StuckReason,
  SyncDiagnostics,
  SyncProgress,
  SyncStatus,
} from './sync-status.ts';

/**
 * The truthful light: a pure reducer from `SyncEvent`s to a `SyncStatus`.
 *
 * Rules beyond DESIGN.md's table, decided here:
 *
 * - Green (`synced`/`syncing`) needs, at the event's time: a handshake accepted and
 *   `caught-up` received on the current socket; proof of life (accept, heartbeat,
 *   changes-applied, ack, caught-up) within `heartbeatTimeoutMs`; no local change
 *   waiting for its ack longer than `ackTimeoutMs` (G2); every announced server
 *   version older than `freshnessMs` applied (G1); no latched stuck reason. A failed
 *   check gives the honest status instead: heartbeat-lost, acks-stalled, or (G1)
 *   `catching-up` with the progress of what is arriving, or `waiting` (yellow, no
 *   progress) while nothing arrives: the server's version unheard
 *   (`server-version`) or announced changes not here (`server-changes`). A live
 *   link going quiet is `waiting`, not a download. G1 also needs the server's
 *   current version heard within `freshnessMs` (accept, caught-up, a heartbeat or a
 *   live batch): after that, a commit the server made could be missing unseen, so a
 *   silent link stops being green at `freshnessMs` even when `heartbeatTimeoutMs` is
 *   longer. Both G1 windows run from when the frame carrying the version arrived
 *   (`heardAt`) and end `G1_SAFETY_MARGIN` (10%) of `freshnessMs` early, so link
 *   latency and a late timer cannot stretch green past the promise.
 * - A heartbeat or caught-up after catch-up counts its server version as applied:
 *   the server sends changes before the ping on one ordered socket and the loop
 *   reports them applied before the heartbeat, and the server's own version also
 *   moves for this client's changes, which it never echoes back.
 * - Connecting vs disconnected: until the first socket-closed after `started` (or
 *   after a nuke), attempts show `connecting`. Once a channel is lost the light stays
 *   `disconnected` (red) through every retry, with `nextRetryAt` from
 *   `retry-scheduled` and attempts in the diagnostics, until a handshake is
 *   accepted; a flapping link then shows red -> yellow -> green once per recovery
 *   instead of red/yellow on every attempt. `since` is when the channel was lost.
 *   Offline with no socket open (including at `started` and `nuke-started`) counts
 *   as lost too: `disconnected: offline`, since no attempt can succeed; going
 *   offline drops `nextRetryAt`, as the loop waits for the network, not a timer.
 * - Heartbeat lost: a socket closed while its proof of life had run out (in the
 *   machine's own window, or closed by the loop for silence: a `timeout` error)
 *   stays `stuck: heartbeat-lost` until the next `connect-attempt`, through the
 *   backoff, so the reason is seen rather than replaced by `disconnected` within
 *   the tick that closed it. Going offline, a stop or a nuke ends it too.
 * - Rapid failures: closes of sockets that had opened (`wasOpen`) while online are
 *   counted; `rapidFailureCount` of them within `rapidFailureWindowMs` latch
 *   `stuck: rapid-failures`. Attempts that never open a socket (server down,
 *   offline) are an outage: `disconnected`, never stuck. The latch holds through
 *   further attempts and clears only when a connection is green again and fewer
 *   than `rapidFailureCount` failures remain in the window, so a server that
 *   accepts then drops every connection stays stuck instead of blinking green.
 * - `apply-failed` latches `stuck: apply-failed`, and `server-misbehaved` (an ack
 *   above anything written here, a server version going backwards) latches
 *   `stuck: server-misbehaved`; that connection can no
 *   longer be green, and the latch clears when a later connection is green.
 * - `handshake-rejected` is `incompatible` (reason = reject reason) until
 *   `nuke-started` or `stopped`; every other event is ignored meanwhile.
 *   `nuke-started` forgets the server (applied/acked versions, failures) and shows
 *   `connecting`. `nuke-failed` is `stuck: apply-failed` with the error in the
 *   diagnostics, cleared by another nuke, a stop, or a later green connection.
 * - `started` shows `connecting` with attempt 0 until the loop's first attempt.
 * - Green statuses carry `lastSyncedAt` = when the current green stretch began, so
 *   the status object stays the same while green; the diagnostics' `lastSyncedAt`
 *   is the latest event time at which G1-G3 held.
 * - Publication: `statusOf`, `diagnosticsOf`, `progressOf` return objects kept in the
 *   state and replaced only when their content changes. Version counters and
 *   `lastSyncedAt` in the diagnostics are republished at most every
 *   `PROGRESS_PUBLISH_INTERVAL_MS` while batches arrive (unless the status changes),
 *   like progress, so a flood of batches does not re-render views per batch; `transition` still returns a new state when internal
 *   counters advance, so callers should notify when `hasPublishedChange` says so.
 * - Progress: the catch-up's meter starts at accept and completes at caught-up. A
 *   live download (batches while caught up) runs a burst meter whose total is
 *   what arrived so far; it is shown once it reaches `LIVE_BURST_MIN_CHANGES` (or
 *   while G1 fails) and completes after `LIVE_BURST_QUIET_MS` without a batch. A
 *   completed meter stays visible for `PROGRESS_LINGER_MS` so its final, full
 *   object is seen, then `progressOf` is null.
 */

/** A live burst smaller than this is not worth a progress bar. */
export const LIVE_BURST_MIN_CHANGES = 500;
/** A live burst ends after this long without a batch. */
export const LIVE_BURST_QUIET_MS = 1_000;
/** A completed progress stays visible this long. */
export const PROGRESS_LINGER_MS = 500;

type Phase =
  | 'idle'
  /** Started; a socket is being opened (or about to be). */
  | 'connecting'
  /** Socket open, handshake in flight. */
  | 'handshaking'
  | 'catching-up'
  /** Caught up on this connection. */
  | 'live'
  /** No socket; waiting for the next attempt. */
  | 'closed'
  | 'incompatible';

type LatchedStuckReason = Extract<StuckReason, 'rapid-failures' | 'apply-failed' | 'server-misbehaved'>;

interface ProgressSlot {
  readonly kind: 'catch-up' | 'burst';
  readonly meter: ProgressMeter;
}

/** What the diagnostics report, except the failure count, which is derived from the failure times. */
type Facts = Omit<SyncDiagnostics, 'recentFailures'>;

export interface SyncMachineState {
  readonly phase: Phase;
  readonly pending: PendingCount;
  readonly online: boolean;
  readonly attempt: number;
  readonly nextRetryAt: number | null;
  /** Set by a socket-closed, cleared by the next accept. */
  readonly lost: { readonly reason: DisconnectReason; readonly since: number } | null;
  readonly incompatible: {
    readonly reason: IncompatibleReason;
    readonly message: string;
    readonly since: number;
  } | null;
  readonly latch: { readonly reason: LatchedStuckReason; readonly since: number } | null;
  /** Set by a socket-closed for silence, cleared by the next connect-attempt: the heartbeat-lost the user sees meanwhile. */
  readonly heartbeatLost: { readonly since: number } | null;
  /** Times of counted connection failures, oldest first, within the rapid-failure window. */
  readonly failures: readonly number[];
  /** Start of the proof-of-life window on the open socket (socket-opened, then each proof). */
  readonly lastProofAt: number | null;
  /**
   * When the server last told this connection its current version (accept,
   * caught-up, a heartbeat, a live batch). Commits after it are unknown here, so
   * G1 is only provable while it is within `freshnessMs`.
   */
  readonly versionHeardAt: number | null;
  /** An apply failed on this connection: it cannot be trusted to be green. */
  readonly poisoned: boolean;
  readonly freshness: FreshnessLedger;
  readonly acks: AckLedger;
  readonly progressSlot: ProgressSlot | null;
  readonly facts: Facts;
  readonly greenSince: number | null;
  readonly status: SyncStatus;
  readonly diagnostics: SyncDiagnostics;
  readonly diagnosticsAt: number;
  readonly progress: SyncProgress | null;
}

const INITIAL_FACTS: Facts = {
  connectAttempts: 0,
  lastError: null,
  lastConnectedAt: null,
  lastHeartbeatAt: null,
  lastAckAt: null,
  lastSyncedAt: null,
  serverVersion: null,
  appliedServerVersion: 0,
  ackedLocalVersion: 0,
};

export function createSyncState(now: number, pending: PendingCount): SyncMachineState {
  return {
    phase: 'idle',
    pending,
    online: true,
    attempt: 0,
    nextRetryAt: null,
    lost: null,
    incompatible: null,
    latch: null,
    heartbeatLost: null,
    failures: [],
    lastProofAt: null,
    versionHeardAt: null,
    poisoned: false,
    freshness: EMPTY_FRESHNESS,
    acks: EMPTY_ACKS,
    progressSlot: null,
    facts: INITIAL_FACTS,
    greenSince: null,
    status: { status: 'idle', pending },
    diagnostics: diagnosticsFromFacts(INITIAL_FACTS, 0),
    diagnosticsAt: now,
    progress: null,
  };
}

export function statusOf(state: SyncMachineState): SyncStatus {
  return state.status;
}

export function diagnosticsOf(state: SyncMachineState): SyncDiagnostics {
  return state.diagnostics;
}

export function progressOf(state: SyncMachineState): SyncProgress | null {
  return state.progress;
}

/**
 * The first instant at which the current green ends if nothing else happens (a
 * window of G1 or G2 running out), or null when not green. Ticks alone would end
 * green up to a tick late; the loop also wakes at this instant.
 */
export function greenExpiresAt(state: SyncMachineState, timing: SyncTimingOptions): number | null {
  if (state.greenSince === null || state.lastProofAt === null || state.versionHeardAt === null) return null;
  const g1Window = g1WindowMs(timing.freshnessMs);
  const deadlines = [state.lastProofAt + timing.heartbeatTimeoutMs, state.versionHeardAt + g1Window];
  const announced = state.freshness[0];
  if (announced !== undefined) deadlines.push(announced.at + g1Window);
  const waiting = oldestWaitingSince(state.acks);
  if (waiting !== null && state.pending.changes > 0) deadlines.push(waiting + timing.ackTimeoutMs);
  return Math.min(...deadlines) + 1;
}

/** True when a view would see something new: the caller notifies subscribers on this. */
export function hasPublishedChange(before: SyncMachineState, after: SyncMachineState): boolean {
  return (
    before.status !== after.status || before.diagnostics !== after.diagnostics || before.progress !== after.progress
  );
}

/** Pure and total: an event that makes no sense in the current state is ignored. */
export function transition(state: SyncMachineState, event: SyncEvent, timing: SyncTimingOptions): SyncMachineState {
  const applied = reduce(state, event, timing);
  const settled = applied.phase === 'idle' ? applied : expire(applied, event.at, timing);
  // Only an event that changed something is new evidence for lastSyncedAt; a tick or
  // a repeated value must not churn the snapshot.
  const evidence = applied !== state && event.type !== 'tick';
  return publish(state, settled, event.at, timing, { evidence, batch: event.type === 'changes-applied' });
}

function reduce(state: SyncMachineState, event: SyncEvent, timing: SyncTimingOptions): SyncMachineState {
  switch (event.type) {
    case 'started':
      return state.phase === 'idle' ? { ...resetConnection(state), phase: 'connecting', lost: lostWhileOffline(state, event.at) } : state;
    case 'stopped':
      return state.phase === 'idle'
        ? state
        : { ...resetConnection(state), phase: 'idle', lost: null, incompatible: null, latch: null, heartbeatLost: null, failures: [] };
    case 'pending-changed':
      return onPendingChanged(state, event.pending, event.at);
    case 'network-changed':
      return onNetworkChanged(state, event.online, event.at);
    case 'nuke-started':
      return state.phase === 'idle' ? state : onNukeStarted(state, event.at);
    case 'tick':
      return state;
    default:
      break;
  }
  if (state.phase === 'idle' || state.phase === 'incompatible') {
    return event.type === 'nuke-failed' && state.phase === 'incompatible' ? onNukeFailed(state, event) : state;
  }
  switch (event.type) {
    case 'connect-attempt':
      return {
        ...resetConnection(state),
        phase: 'connecting',
        attempt: event.attempt,
        nextRetryAt: null,
        heartbeatLost: null,
        facts: { ...state.facts, connectAttempts: state.facts.connectAttempts + 1 },
      };
    case 'socket-opened':
      return state.phase === 'connecting' ? { ...state, phase: 'handshaking', lastProofAt: event.at } : state;
    case 'handshake-accepted':
      return onAccepted(state, event);
    case 'handshake-rejected':
      return {
        ...resetConnection(state),
        phase: 'incompatible',
        incompatible: { reason: event.reason, message: event.message, since: event.at },
        latch: null,
        facts: { ...state.facts, lastError: new GreenlightError(event.reason, 'protocol', event.message) },
      };
    case 'changes-applied':
      return onChangesApplied(state, event);
    case 'apply-failed':
    case 'server-misbehaved':
      return {
        ...state,
        poisoned: isSocketOpen(state.phase) || state.poisoned,
        latch: state.latch?.reason === event.type ? state.latch : { reason: event.type, since: event.at },
        facts: { ...state.facts, lastError: event.error },
      };
    case 'caught-up':
      return onCaughtUp(state, event.serverVersion, event.at, heardAt(event));
    case 'heartbeat':
      return onHeartbeat(state, event.serverVersion, heardAt(event));
    case 'local-changes-sent':
      if (!isAccepted(state.phase)) return state;
      return withAcks(state, recordSend(state.acks, event.throughVersion, event.at, state.facts.ackedLocalVersion));
    case 'ack':
      return onAck(state, event.committedClientVersion, event.at);
    case 'socket-closed':
      return onSocketClosed(state, event, timing);
    case 'retry-scheduled':
      return state.phase === 'closed' && state.nextRetryAt !== event.nextRetryAt
        ? { ...state, nextRetryAt: event.nextRetryAt }
        : state;
    case 'nuke-failed':
      return onNukeFailed(state, event);
  }
}

function resetConnection(state: SyncMachineState): SyncMachineState {
  return {
    ...state,
    nextRetryAt: null,
    lastProofAt: null,
    versionHeardAt: null,
    poisoned: false,
    acks: EMPTY_ACKS,
    progressSlot: null,
  };
}

function onPendingChanged(state: SyncMachineState, pending: PendingCount, at: number): SyncMachineState {
  if (pending.changes === state.pending.changes && pending.rows === state.pending.rows) return state;
  return {
    ...state,
    pending,
    acks: recordPendingChange(state.acks, state.pending.changes, pending.changes, at),
  };
}

function onNetworkChanged(state: SyncMachineState, online: boolean, at: number): SyncMachineState {
  if (online === state.online) return state;
  if (online) return { ...state, online };
  const noSocket = state.phase === 'connecting' || state.phase === 'closed';
  const lost = state.lost !== null ? { ...state.lost, reason: 'offline' as const } : noSocket ? lostWhileOffline({ ...state, online }, at) : null;
  // The loop does not retry into a dead network: it waits for the network instead.
  // Offline explains a silence better than heartbeat-lost does.
  return { ...state, online, lost, nextRetryAt: null, heartbeatLost: null };
}

/**
 * Offline with no open socket (started or nuked offline, or between attempts) is
 * already a lost channel: `connecting` would promise an attempt that cannot happen.
 */
function lostWhileOffline(state: SyncMachineState, at: number): SyncMachineState['lost'] {
  return state.online ? null : { reason: 'offline', since: at };
}

function onNukeStarted(state: SyncMachineState, at: number): SyncMachineState {
  return {
    ...resetConnection(state),
    phase: 'connecting',
    attempt: 0,
    lost: lostWhileOffline(state, at),
    incompatible: null,
    latch: null,
    heartbeatLost: null,
    failures: [],
    freshness: EMPTY_FRESHNESS,
    facts: { ...INITIAL_FACTS, connectAttempts: state.facts.connectAttempts },
    greenSince: null,
  };
}

function onNukeFailed(state: SyncMachineState, event: Extract<SyncEvent, { type: 'nuke-failed' }>): SyncMachineState {
  return {
    ...resetConnection(state),
    phase: state.phase === 'incompatible' ? 'closed' : state.phase,
    incompatible: null,
    latch: { reason: 'apply-failed', since: event.at },
    facts: { ...state.facts, lastError: event.error },
  };
}

function onAccepted(
  state: SyncMachineState,
  event: Extract<SyncEvent, { type: 'handshake-accepted' }>,
): SyncMachineState {
  if (state.phase !== 'handshaking' && state.phase !== 'connecting') return state;
  const applied = state.facts.appliedServerVersion;
  const heard = heardAt(event);
  return {
    ...state,
    phase: 'catching-up',
    lost: null,
    lastProofAt: later(state.lastProofAt, heard),
    versionHeardAt: heard,
    poisoned: false,
    freshness: recordAnnouncement(settleAnnouncements(state.freshness, applied), event.serverVersion, heard, applied),
    acks: acksForNewConnection(state.pending.changes, event.at),
    progressSlot: {
      kind: 'catch-up',
      meter: startProgress(event.at, { changes: event.backlogChanges, rows: event.backlogRows, bytes: event.backlogBytes }),
    },
    facts: {
      ...state.facts,
      lastConnectedAt: event.at,
      serverVersion: event.serverVersion,
      ackedLocalVersion: Math.max(state.facts.ackedLocalVersion, event.committedClientVersion),
    },
  };
}

function onChangesApplied(
  state: SyncMachineState,
  event: Extract<SyncEvent, { type: 'changes-applied' }>,
): SyncMachineState {
  const withVersion = applyServerVersion(state, event.serverVersion);
  if (!isAccepted(state.phase)) return withVersion;
  const amounts = { changes: event.changes, rows: event.rows, bytes: event.bytes };
  const slot = state.progressSlot;
  const running = slot !== null && slot.meter.finishedAt === null ? slot : null;
  const meter = running?.meter ?? startProgress(event.at, NOTHING_ANNOUNCED);
  const heard = heardAt(event);
  return {
    ...withVersion,
    lastProofAt: later(state.lastProofAt, heard),
    // A live batch is the fan-out of the server's latest commit; a backlog batch is not.
    versionHeardAt: state.phase === 'live' ? later(state.versionHeardAt, heard) : state.versionHeardAt,
    progressSlot: { kind: running?.kind ?? 'burst', meter: recordProgress(meter, event.at, amounts) },
  };
}

function onCaughtUp(state: SyncMachineState, serverVersion: number, at: number, heard: number): SyncMachineState {
  if (!isAccepted(state.phase)) return state;
  const slot = state.progressSlot;
  const finished = slot?.kind === 'catch-up' ? { kind: slot.kind, meter: finishProgress(slot.meter, at) } : slot;
  const caughtUp = applyServerVersion(state, serverVersion);
  return {
    ...caughtUp,
    phase: 'live',
    lastProofAt: later(state.lastProofAt, heard),
    versionHeardAt: later(state.versionHeardAt, heard),
    progressSlot: finished,
    facts: { ...caughtUp.facts, serverVersion: maxVersion(caughtUp.facts.serverVersion, serverVersion) },
  };
}

/** `heard`: when the heartbeat's frame arrived. */
function onHeartbeat(state: SyncMachineState, serverVersion: number, heard: number): SyncMachineState {
  if (!isSocketOpen(state.phase)) return state;
  const facts = { ...state.facts, lastHeartbeatAt: heard, serverVersion: maxVersion(state.facts.serverVersion, serverVersion) };
  const proven = { lastProofAt: later(state.lastProofAt, heard), versionHeardAt: later(state.versionHeardAt, heard) };
  if (state.phase === 'live') return { ...applyServerVersion({ ...state, facts }, serverVersion), ...proven };
  const applied = state.facts.appliedServerVersion;
  return {
    ...state,
    facts,
    ...proven,
    freshness: recordAnnouncement(state.freshness, serverVersion, heard, applied),
  };
}

/** When the frame behind a version-carrying event arrived; never after the event itself. */
function heardAt(event: { readonly at: number; readonly heardAt?: number }): number {
  return Math.min(event.heardAt ?? event.at, event.at);
}

/** Frames are handled in arrival order, but an ack's time is taken after its transaction: never move a proof back. */
function later(current: number | null, next: number): number {
  return current === null ? next : Math.max(current, next);
}

function onAck(state: SyncMachineState, committedClientVersion: number, at: number): SyncMachineState {
  if (!isAccepted(state.phase)) return state;
  return {
    ...withAcks(state, recordAck(state.acks, committedClientVersion, at)),
    lastProofAt: at,
    facts: {
      ...state.facts,
      lastAckAt: at,
      ackedLocalVersion: Math.max(state.facts.ackedLocalVersion, committedClientVersion),
    },
  };
}

function onSocketClosed(
  state: SyncMachineState,
  event: Extract<SyncEvent, { type: 'socket-closed' }>,
  timing: SyncTimingOptions,
): SyncMachineState {
  const counted = event.wasOpen && state.online;
  const failures = counted ? [...recentFailures(state.failures, event.at, timing), event.at] : state.failures;
  const rapid = counted && failures.length >= timing.rapidFailureCount;
  const reason: DisconnectReason = !state.online ? 'offline' : event.wasOpen ? 'closed' : 'server-unreachable';
  return {
    ...resetConnection(state),
    phase: 'closed',
    lost: { reason, since: state.lost?.since ?? event.at },
    heartbeatLost: closedForSilence(state, event, timing),
    failures,
    latch: rapid && state.latch === null ? { reason: 'rapid-failures', since: event.at } : state.latch,
    facts: event.error === null ? state.facts : { ...state.facts, lastError: event.error },
  };
}

/**
 * A socket that had opened and closed because the server went silent: the
 * machine's own proof-of-life window had run out, or the loop closed it for
 * silence (a `timeout`; its clock may judge the same instant a frame earlier).
 * An attempt that never opened a socket is an outage instead, never stuck.
 */
function closedForSilence(
  state: SyncMachineState,
  event: Extract<SyncEvent, { type: 'socket-closed' }>,
  timing: SyncTimingOptions,
): SyncMachineState['heartbeatLost'] {
  if (!state.online || !event.wasOpen || !isSocketOpen(state.phase)) return null;
  const silent = !heartbeatFresh(state, event.at, timing) || event.error?.kind === 'timeout';
  if (!silent) return null;
  const lostAt = state.lastProofAt === null ? event.at : state.lastProofAt + timing.heartbeatTimeoutMs;
  return { since: Math.min(lostAt, event.at) };
}

function applyServerVersion(state: SyncMachineState, serverVersion: number): SyncMachineState {
  if (serverVersion <= state.facts.appliedServerVersion) return state;
  return {
    ...state,
    freshness: settleAnnouncements(state.freshness, serverVersion),
    facts: { ...state.facts, appliedServerVersion: serverVersion },
  };
}

function withAcks(state: SyncMachineState, acks: AckLedger): SyncMachineState {
  return acks === state.acks ? state : { ...state, acks };
}

/** Time-driven changes: bursts ending, completed progress leaving, latches clearing. */
function expire(state: SyncMachineState, at: number, timing: SyncTimingOptions): SyncMachineState {
  let next = state;
  const slot = next.progressSlot;
  if (slot !== null) {
    const meter = slot.meter;
    if (meter.finishedAt !== null) {
      if (at - meter.finishedAt >= PROGRESS_LINGER_MS) next = { ...next, progressSlot: null };
    } else if (
      slot.kind === 'burst' &&
      at - meter.updatedAt >= LIVE_BURST_QUIET_MS &&
      serverChangesAreLocal(next.freshness, at, g1WindowMs(timing.freshnessMs))
    ) {
      next = { ...next, progressSlot: { kind: 'burst', meter: finishProgress(meter, at) } };
    } else {
      const flushed = flushProgress(meter, at);
      if (flushed !== meter) next = { ...next, progressSlot: { kind: slot.kind, meter: flushed } };
    }
  }
  const failures = recentFailures(next.failures, at, timing);
  if (failures.length !== next.failures.length) next = { ...next, failures };
  if (next.latch !== null && provenGreen(next, at, timing)) {
    const cleared = next.latch.reason !== 'rapid-failures' || failures.length < timing.rapidFailureCount;
    if (cleared) next = { ...next, latch: null };
  }
  return next;
}

function recentFailures(failures: readonly number[], at: number, timing: SyncTimingOptions): readonly number[] {
  const from = failures.findIndex((time) => at - time < timing.rapidFailureWindowMs);
  if (from === 0) return failures;
  return from === -1 ? [] : failures.slice(from);
}

/** G1-G3 on the current connection, ignoring latched stuck reasons. */
function provenGreen(state: SyncMachineState, at: number, timing: SyncTimingOptions): boolean {
  return (
    state.phase === 'live' &&
    !state.poisoned &&
    heartbeatFresh(state, at, timing) &&
    !acksStalled(state, at, timing) &&
    g1Holds(state, at, timing)
  );
}

/**
 * G1: every announced version older than `freshnessMs` is applied, and the server
 * said what its version is within `freshnessMs`; a commit made since it last said
 * so is unknown, and after `freshnessMs` it would be one the light hides. Both
 * windows end `G1_SAFETY_MARGIN` early (`g1WindowMs`).
 */
function g1Holds(state: SyncMachineState, at: number, timing: SyncTimingOptions): boolean {
  const windowMs = g1WindowMs(timing.freshnessMs);
  return (
    state.versionHeardAt !== null &&
    at - state.versionHeardAt <= windowMs &&
    serverChangesAreLocal(state.freshness, at, windowMs)
  );
}

function heartbeatFresh(state: SyncMachineState, at: number, timing: SyncTimingOptions): boolean {
  return state.lastProofAt !== null && at - state.lastProofAt <= timing.heartbeatTimeoutMs;
}

function acksStalled(state: SyncMachineState, at: number, timing: SyncTimingOptions): boolean {
  const since = oldestWaitingSince(state.acks);
  return state.pending.changes > 0 && since !== null && at - since > timing.ackTimeoutMs;
}

function isSocketOpen(phase: Phase): boolean {
  return phase === 'handshaking' || phase === 'catching-up' || phase === 'live';
}

function isAccepted(phase: Phase): boolean {
  return phase === 'catching-up' || phase === 'live';
}

function maxVersion(current: number | null, next: number): number {
  return current === null ? next : Math.max(current, next);
}

// ---- publication -----------------------------------------------------------

function publish(
  before: SyncMachineState,
  state: SyncMachineState,
  at: number,
  timing: SyncTimingOptions,
  cause: { readonly evidence: boolean; readonly batch: boolean },
): SyncMachineState {
  const green = state.latch === null && state.incompatible === null && provenGreen(state, at, timing);
  const greenSince = green ? (state.greenSince ?? at) : null;
  const verified = green && (cause.evidence || state.greenSince === null) && state.facts.lastSyncedAt !== at;
  const facts = verified ? { ...state.facts, lastSyncedAt: at } : state.facts;
  const withFacts: SyncMachineState = { ...state, facts, greenSince };
  const progress = progressToShow(withFacts, green);
  const candidate = diagnosticsFromFacts(facts, state.failures.length);
  const deferred = cause.batch && deferrable(state, candidate, at) ? withFacts : null;
  if (deferred !== null) {
    const status = reuseStatus(state.status, deriveStatus(deferred, at, timing, green, progress));
    // A batch that changes the status (say, G1 holds again) publishes everything at once.
    if (status.status === state.status.status) return settle(before, { ...deferred, status, progress: shownWith(status, progress) });
  }
  const diagnostics = sameDiagnostics(candidate, state.diagnostics, true) ? state.diagnostics : candidate;
  const published: SyncMachineState = {
    ...withFacts,
    diagnostics,
    diagnosticsAt: diagnostics === state.diagnostics ? state.diagnosticsAt : at,
  };
  const status = reuseStatus(state.status, deriveStatus(published, at, timing, green, progress));
  return settle(before, { ...published, status, progress: shownWith(status, progress) });
}

/** Version counters moved by a batch wait for the publication interval, like progress. */
function deferrable(state: SyncMachineState, candidate: SyncDiagnostics, at: number): boolean {
  return (
    at - state.diagnosticsAt < PROGRESS_PUBLISH_INTERVAL_MS &&
    sameDiagnostics(candidate, state.diagnostics, false)
  );
}

function settle(before: SyncMachineState, next: SyncMachineState): SyncMachineState {
  return unchanged(before, next) ? before : next;
}

function diagnosticsFromFacts(facts: Facts, recentFailureCount: number): SyncDiagnostics {
  return { ...facts, recentFailures: recentFailureCount };
}

/** With `counters` false, the fields that move with every applied batch are not compared. */
function sameDiagnostics(a: SyncDiagnostics, b: SyncDiagnostics, counters: boolean): boolean {
  return (
    a.connectAttempts === b.connectAttempts &&
    a.recentFailures === b.recentFailures &&
    a.lastError === b.lastError &&
    a.lastConnectedAt === b.lastConnectedAt &&
    a.lastHeartbeatAt === b.lastHeartbeatAt &&
    a.lastAckAt === b.lastAckAt &&
    (!counters ||
      (a.lastSyncedAt === b.lastSyncedAt &&
        a.serverVersion === b.serverVersion &&
        a.appliedServerVersion === b.appliedServerVersion)) &&
    a.ackedLocalVersion === b.ackedLocalVersion
  );
}

/** Waiting means nothing is downloading: a lingering, finished meter is not shown beside it. */
function shownWith(status: SyncStatus, progress: SyncProgress | null): SyncProgress | null {
  return status.status === 'waiting' ? null : progress;
}

function progressToShow(state: SyncMachineState, green: boolean): SyncProgress | null {
  const slot = state.progressSlot;
  if (slot === null) return null;
  if (slot.kind === 'catch-up') return slot.meter.published;
  const large = slot.meter.changesDone >= LIVE_BURST_MIN_CHANGES;
  return large || (state.phase === 'live' && !green) ? slot.meter.published : null;
}

function deriveStatus(
  state: SyncMachineState,
  at: number,
  timing: SyncTimingOptions,
  green: boolean,
  progress: SyncProgress | null,
): SyncStatus {
  const pending = state.pending;
  if (state.phase === 'idle') return { status: 'idle', pending };
  if (state.incompatible !== null) {
    const { reason, message, since } = state.incompatible;
    return { status: 'incompatible', pending, reason, message, since };
  }
  const diagnostics = state.diagnostics;
  if (state.latch !== null) {
    return { status: 'stuck', pending, reason: state.latch.reason, since: state.latch.since, diagnostics };
  }
  if (green && state.greenSince !== null) {
    const name = pending.changes === 0 ? 'synced' : 'syncing';
    return { status: name, pending, lastSyncedAt: state.greenSince };
  }
  if (isSocketOpen(state.phase) && !heartbeatFresh(state, at, timing)) {
    const since = (state.lastProofAt ?? at) + timing.heartbeatTimeoutMs;
    return { status: 'stuck', pending, reason: 'heartbeat-lost', since, diagnostics };
  }
  if (isAccepted(state.phase) && acksStalled(state, at, timing)) {
    const since = (oldestWaitingSince(state.acks) ?? at) + timing.ackTimeoutMs;
    return { status: 'stuck', pending, reason: 'acks-stalled', since, diagnostics };
  }
  if (state.phase === 'live' && !downloading(state)) return waitingStatus(state, at, timing);
  if (isAccepted(state.phase)) {
    const shown = progress ?? state.progressSlot?.meter.published ?? startProgress(at, NOTHING_ANNOUNCED).published;
    return { status: 'catching-up', pending, progress: shown };
  }
  if (state.phase === 'closed' && state.heartbeatLost !== null) {
    return { status: 'stuck', pending, reason: 'heartbeat-lost', since: state.heartbeatLost.since, diagnostics };
  }
  if (state.lost !== null) {
    const { reason, since } = state.lost;
    return { status: 'disconnected', pending, reason, since, nextRetryAt: state.nextRetryAt };
  }
  return { status: 'connecting', pending, attempt: state.attempt, nextRetryAt: null };
}

/** Changes have arrived on a live connection and their download is not over. */
function downloading(state: SyncMachineState): boolean {
  const meter = state.progressSlot?.meter;
  return meter !== undefined && meter.finishedAt === null && meter.changesDone > 0;
}

/**
 * Live, G2 holding, G1 not, and nothing arriving: what the light waits for, since
 * the first G1 window that ran out. A quiet link is the usual cause (the
 * server's version unheard), so it is named first when both have run out.
 */
function waitingStatus(state: SyncMachineState, at: number, timing: SyncTimingOptions): SyncStatus {
  const windowMs = g1WindowMs(timing.freshnessMs);
  const versionLapse = state.versionHeardAt === null ? at : state.versionHeardAt + windowMs;
  const announced = state.freshness[0];
  const announcementLapse = announced === undefined ? null : announced.at + windowMs;
  const lapses = [versionLapse, announcementLapse].filter((lapse): lapse is number => lapse !== null && lapse < at);
  const waitingFor = versionLapse < at ? 'server-version' : 'server-changes';
  return { status: 'waiting', pending: state.pending, waitingFor, since: lapses.length === 0 ? at : Math.min(...lapses) };
}

/** Keeps the previous status object when the new one says the same thing. */
function reuseStatus(previous: SyncStatus, next: SyncStatus): SyncStatus {
  if (previous.status !== next.status) return next;
  const a = previous as unknown as Record<string, unknown>;
  const b = next as unknown as Record<string, unknown>;
  const keys = Object.keys(b);
  if (keys.length !== Object.keys(a).length) return next;
  for (const key of keys) {
    if (key === 'pending') {
      if (previous.pending.changes !== next.pending.changes || previous.pending.rows !== next.pending.rows) return next;
    } else if (a[key] !== b[key]) {
      return next;
    }
  }
  return previous;
}

/** Nothing a caller could tell apart: hand back the old state object. */
function unchanged(before: SyncMachineState, next: SyncMachineState): boolean {
  const a = before as unknown as Record<string, unknown>;
  const b = next as unknown as Record<string, unknown>;
  return Object.keys(b).every((key) => a[key] === b[key]);
}
