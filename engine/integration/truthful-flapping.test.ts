import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../test-support/wait-until.ts';
import { TruthfulRig } from './truthful-harness.ts';

/**
 * A server that accepts every handshake and then drops the connection (proxy
 * 'close-after-accept') is reachable and compatible, yet useless. The light must
 * say `stuck: rapid-failures` rather than blink yellow and green, and must never
 * call it `incompatible`: Nuke and Resync would destroy local work for a fault
 * that is not the database's.
 */

let rig: TruthfulRig;

beforeEach(async () => {
  rig = await TruthfulRig.create();
});

afterEach(async () => {
  await rig.close();
});

describe('a flapping server (proxy close-after-accept)', () => {
  it('is stuck: rapid-failures, never incompatible and never green, until it stops flapping', async () => {
    const proxy = await rig.startProxy('close-after-accept');
    const watched = await rig.openClient('flapping', { url: proxy.wsUrl, timing: { rapidFailureWindowMs: 4_000 } });
    await watched.insertItems([1]);
    watched.client.start();
    const stuck = await watched.waitForStatus('stuck', 10_000);
    expect(stuck).toMatchObject({ status: 'stuck', reason: 'rapid-failures', pending: { changes: 1, rows: 1 } });
    expect(proxy.stats().closedAfterAccept).toBeGreaterThanOrEqual(3);

    // It keeps trying and keeps being dropped; the verdict holds.
    const flaps = proxy.stats().closedAfterAccept;
    await waitUntil('three more flaps', () => proxy.stats().closedAfterAccept >= flaps + 3, 10_000);
    expect(watched.status()).toMatchObject({ status: 'stuck', reason: 'rapid-failures' });
    expect(watched.greenSince(0)).toEqual([]);
    expect(watched.statusNames()).not.toContain('incompatible');
    expect(await rig.serverItems()).toEqual([]);

    proxy.setMode('pass');
    await watched.waitForStatus('synced', 15_000);
    expect(await rig.serverItems()).toEqual([[1, 'local 1']]);
    expect(watched.statusNames()).not.toContain('incompatible');
    expect(rig.violations()).toEqual([]);
  });
});
