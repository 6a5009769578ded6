import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TICK_INTERVAL_MS } from '../client/sync-client.ts';
import { isGreen } from '../client/sync-status.ts';
import { waitUntil } from '../test-support/wait-until.ts';
import { TRUTHFUL_TIMING, TruthfulRig } from './truthful-harness.ts';

/**
 * G2's ack clause and G3: a server that takes changes but never acknowledges
 * them (proxy 'drop-acks') keeps the socket alive and answers heartbeats, so only
 * the missing ack can tell. After ackTimeoutMs the light must be `stuck:
 * acks-stalled` with the exact pending count, even though (as the proxy lets us
 * check) the server did commit the rows: "sent" is not "saved" until it says so.
 */

// The machine judges windows on events; with no other event, on the client's tick.
const STUCK_WITHIN_MS = TRUTHFUL_TIMING.ackTimeoutMs + TICK_INTERVAL_MS + 250;

let rig: TruthfulRig;

beforeEach(async () => {
  rig = await TruthfulRig.create();
});

afterEach(async () => {
  await rig.close();
});

describe('a server that never acknowledges (proxy drop-acks)', () => {
  it('turns the light stuck: acks-stalled with the pending count, never green once ackTimeoutMs has passed', async () => {
    const proxy = await rig.startProxy('pass');
    const watched = await rig.openClient('no-acks', { url: proxy.wsUrl });
    watched.client.start();
    await watched.waitForStatus('synced');

    proxy.setMode('drop-acks');
    const from = watched.history.length;
    const writeAt = Date.now();
    await watched.insertItems([1, 2]);
    const stuck = await watched.waitForStatus('stuck', STUCK_WITHIN_MS + 2_000);
    expect(stuck).toMatchObject({ status: 'stuck', reason: 'acks-stalled', pending: { changes: 2, rows: 2 } });
    const stuckRecord = watched.history.slice(from).find((record) => record.snapshot.status.status === 'stuck');
    expect(stuckRecord!.at - writeAt).toBeLessThanOrEqual(STUCK_WITHIN_MS);
    const lateGreen = watched.history
      .slice(from)
      .filter((record) => isGreen(record.snapshot.status) && record.at - writeAt > STUCK_WITHIN_MS);
    expect(lateGreen).toEqual([]);

    // The server has them; only its word is missing, so they still count as pending.
    expect(await rig.serverItems()).toEqual([
      [1, 'local 1'],
      [2, 'local 2'],
    ]);
    expect(proxy.stats().droppedAcks).toBeGreaterThanOrEqual(1);

    // Heartbeats keep flowing, and the light stays stuck through them.
    const stuckFrom = watched.history.indexOf(stuckRecord!);
    const pings = proxy.stats().serverMessages.ping ?? 0;
    await waitUntil('five more heartbeats', () => (proxy.stats().serverMessages.ping ?? 0) >= pings + 5);
    expect(watched.greenSince(stuckFrom)).toEqual([]);
    expect(watched.status()).toMatchObject({ status: 'stuck', reason: 'acks-stalled', pending: { changes: 2, rows: 2 } });

    // Acks are cumulative: once one gets through, it covers the stalled changes too.
    proxy.setMode('pass');
    await watched.insertItems([3]);
    await watched.waitForStatus('synced', 10_000);
    expect(watched.status().pending).toEqual({ changes: 0, rows: 0 });
    expect(rig.violations()).toEqual([]);
  });
});
