import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncTimingOptions } from '../client/sync-events.ts';
import { isGreen } from '../client/sync-status.ts';
import { waitUntil } from '../test-support/wait-until.ts';
import type { FaultProxy } from './fault-proxy.ts';
import { TIMER_SLACK_MS, TRUTHFUL_TIMING, TruthfulRig, type WatchedClient } from './truthful-harness.ts';

/**
 * A link that stays open but carries nothing (a half-open TCP connection, a
 * paused server) looks exactly like a quiet healthy one to the socket; only the
 * missing heartbeats tell. Two promises are at stake:
 * - G2: no proof of life for heartbeatTimeoutMs ends green (plus a second of
 *   slack for the tick and the close), and it stays red while the link is dead,
 *   reconnections included;
 * - G1: a commit the client cannot hear about must end green within freshnessMs
 *   of the commit, whatever heartbeatTimeoutMs says.
 * And what the light says meanwhile must be true: `waiting` (nothing is
 * downloading) from the end of G1 until the silence is judged, then
 * `stuck: heartbeat-lost` until the next connection attempt starts.
 */

const NOT_GREEN_WITHIN_MS = TRUTHFUL_TIMING.heartbeatTimeoutMs + 1_000;

let rig: TruthfulRig;

beforeEach(async () => {
  rig = await TruthfulRig.create();
});

afterEach(async () => {
  await rig.close();
});

/** A client synced through a passing proxy, green across a few heartbeats. */
async function greenBehindProxy(timing: Partial<SyncTimingOptions> = {}): Promise<{ proxy: FaultProxy; watched: WatchedClient }> {
  const proxy = await rig.startProxy('pass');
  // A short rapid-failure window, so the latch from the dead reconnections clears soon after healing.
  const watched = await rig.openClient('half-open', { url: proxy.wsUrl, timing: { rapidFailureWindowMs: 3_000, ...timing } });
  watched.client.start();
  await watched.waitForStatus('synced');
  const pingsBefore = proxy.stats().serverMessages.ping ?? 0;
  await waitUntil('a few heartbeats while green', () => (proxy.stats().serverMessages.ping ?? 0) >= pingsBefore + 3);
  expect(isGreen(watched.status())).toBe(true);
  return { proxy, watched };
}

describe('a half-open link (proxy blackhole after synced)', () => {
  it('leaves green within heartbeatTimeoutMs + 1 s and stays red until the link carries frames again', async () => {
    // G1's window set beyond G2's (the test below does the reverse): with both at
    // 1 s, G1 ends green first, a safety margin before its deadline, as waiting
    // (the server's version unheard), and this test is about what the silence
    // itself proves. No commit happens here, so the looser G1 hides nothing.
    const { proxy, watched } = await greenBehindProxy({ freshnessMs: 2.5 * TRUTHFUL_TIMING.heartbeatTimeoutMs });
    const from = watched.history.length;
    const cutAt = Date.now();
    proxy.setMode('blackhole');
    await waitUntil('the light to leave green', () => !isGreen(watched.status()), NOT_GREEN_WITHIN_MS + 2_000);
    const firstRed = watched.history.slice(from).find((record) => !isGreen(record.snapshot.status));
    expect(firstRed).toBeDefined();
    expect(firstRed!.at - cutAt).toBeLessThanOrEqual(NOT_GREEN_WITHIN_MS);
    expect(firstRed!.snapshot.status).toSatisfy(
      (status: { status: string; reason?: string }) =>
        (status.status === 'stuck' && status.reason === 'heartbeat-lost') || status.status === 'disconnected',
    );

    // New connections open (the proxy accepts them) but their hellos vanish too.
    const redFrom = watched.history.indexOf(firstRed!);
    const connectionsAtCut = proxy.stats().connections;
    await waitUntil('two more connections swallowed', () => proxy.stats().connections >= connectionsAtCut + 2, 10_000);
    expect(watched.greenSince(redFrom)).toEqual([]);
    expect(watched.statusNames(redFrom)).not.toContain('incompatible');

    proxy.setMode('pass');
    await watched.waitForStatus('synced', 15_000);
    expect(rig.greenObservations()).toBeGreaterThan(0);
    expect(rig.violations()).toEqual([]);
  });

  it('leaves green within freshnessMs of a server commit it cannot hear about (G1)', async () => {
    // heartbeatTimeoutMs well above freshnessMs, as in DEFAULT_SYNC_TIMING (5000 vs 2000): the
    // silence that proves G2 lost comes too late to keep G1, which needs its own deadline.
    const heartbeatTimeoutMs = 2.5 * TRUTHFUL_TIMING.freshnessMs;
    const { proxy, watched } = await greenBehindProxy({ heartbeatTimeoutMs });
    const from = watched.history.length;
    proxy.setMode('blackhole');
    await rig.exec("INSERT INTO items (id, title) VALUES (7, 'unheard')");
    // exec returns after the commit: the commit is at least this old at any later instant.
    const committedBy = Date.now();
    await waitUntil('the light to leave green', () => !isGreen(watched.status()), heartbeatTimeoutMs + 2_000);
    const firstRed = watched.history.slice(from).find((record) => !isGreen(record.snapshot.status));
    expect(firstRed!.at - committedBy, 'ms from the commit to the end of green').toBeLessThanOrEqual(
      TRUTHFUL_TIMING.freshnessMs + TIMER_SLACK_MS,
    );
    expect(rig.violations()).toEqual([]);

    proxy.setMode('pass');
    await watched.waitForStatus('synced', 15_000);
    expect(await watched.items()).toEqual([[7, 'unheard']]);
  });

  it('says waiting, never catching-up or a progress bar, from the G1 lapse until heartbeat-lost, which stays until the next attempt', async () => {
    // G2's window well beyond G1's, as in DEFAULT_SYNC_TIMING, so the waiting stretch is long;
    // acks may wait longer still, so the unacknowledged write below stays pending, not stalled;
    // and a backoff long enough to measure what is shown while it runs.
    const timing = { heartbeatTimeoutMs: 2_500, ackTimeoutMs: 10_000, backoffInitialMs: 1_000, backoffMaxMs: 2_000 };
    const { proxy, watched } = await greenBehindProxy(timing);
    const from = watched.history.length;
    const attemptsAtCut = watched.client.getSnapshot().diagnostics.connectAttempts;
    const cutAt = Date.now();
    proxy.setMode('blackhole');
    // A local change the server never hears of: the waiting light must carry it.
    await watched.insertItems([1]);
    // Judged on the recorded history afterwards: every snapshot the client published is in it.
    await waitUntil(
      'the first connection attempt after the link went silent',
      () => watched.client.getSnapshot().diagnostics.connectAttempts > attemptsAtCut,
      timing.heartbeatTimeoutMs + timing.backoffMaxMs + 2_000,
    );
    const lostIndex = watched.history.findIndex(
      (record, index) => index >= from && record.snapshot.status.status === 'stuck' && record.snapshot.status.reason === 'heartbeat-lost',
    );
    expect(lostIndex, 'stuck: heartbeat-lost published').toBeGreaterThan(-1);
    const lost = watched.history[lostIndex]!;
    const attemptIndex = watched.history.findIndex(
      (record, index) => index > lostIndex && record.snapshot.diagnostics.connectAttempts > attemptsAtCut,
    );
    const history = watched.history;

    // (a) From the end of green until the silence is judged: waiting, with the pending count, and no progress.
    const firstNotGreen = history.findIndex((record, index) => index >= from && !isGreen(record.snapshot.status));
    expect(firstNotGreen).toBeGreaterThan(-1);
    expect(firstNotGreen).toBeLessThan(lostIndex);
    expect(history[firstNotGreen]!.at - cutAt, 'ms from the cut to the end of green').toBeLessThanOrEqual(
      TRUTHFUL_TIMING.freshnessMs + TIMER_SLACK_MS,
    );
    const beforeLoss = history.slice(firstNotGreen, lostIndex);
    expect(beforeLoss.map((record) => record.snapshot.status.status)).toEqual(beforeLoss.map(() => 'waiting'));
    expect(beforeLoss.map((record) => record.snapshot.progress)).toEqual(beforeLoss.map(() => null));
    const waitingStatus = history[firstNotGreen]!.snapshot.status;
    expect(waitingStatus).toMatchObject({ status: 'waiting', waitingFor: 'server-version' });
    expect(waitingStatus.pending.changes).toBeGreaterThan(0);
    // The waiting stretch lasts about heartbeatTimeoutMs less the G1 window: it is really seen.
    expect(lost.at - history[firstNotGreen]!.at).toBeGreaterThan(timing.heartbeatTimeoutMs - TRUTHFUL_TIMING.freshnessMs);

    // (b) From the loss until the next attempt starts: stuck: heartbeat-lost, through the close and the whole backoff.
    expect(attemptIndex).toBeGreaterThan(lostIndex);
    const untilAttempt = history.slice(lostIndex, attemptIndex);
    expect(untilAttempt.map((record) => `${record.snapshot.status.status}: ${'reason' in record.snapshot.status ? record.snapshot.status.reason : ''}`)).toEqual(
      untilAttempt.map(() => 'stuck: heartbeat-lost'),
    );
    expect(untilAttempt.map((record) => record.snapshot.progress)).toEqual(untilAttempt.map(() => null));
    // The first retry waits at least half of backoffInitialMs (equal jitter); a timer may round a millisecond early.
    const shownMs = history[attemptIndex]!.at - lost.at;
    expect(shownMs, 'ms heartbeat-lost was shown').toBeGreaterThanOrEqual(timing.backoffInitialMs / 2 - 2);
    expect(history[attemptIndex]!.snapshot.status).toMatchObject({ status: 'disconnected', reason: 'closed' });
    expect(history.slice(from).some((record) => record.snapshot.status.status === 'catching-up')).toBe(false);

    proxy.setMode('pass');
    await watched.waitForStatus('synced', 15_000);
    expect(rig.violations()).toEqual([]);
  });
});
