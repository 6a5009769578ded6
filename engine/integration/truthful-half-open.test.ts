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
    // 1 s, G1 ends green first, a safety margin before its deadline, as catching-up
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
});
