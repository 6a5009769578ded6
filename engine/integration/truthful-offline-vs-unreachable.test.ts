import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SwitchableNetwork } from '../test-support/switchable-network.ts';
import { waitUntil } from '../test-support/wait-until.ts';
import { observeFor, TRUTHFUL_TIMING, TruthfulRig } from './truthful-harness.ts';

/**
 * `disconnected` tells the user what to fix: `offline` (their network: nothing
 * to do but wait) versus `server-unreachable` (the network is up, the server is
 * not). The client learns about the network from its online signal; here a
 * switchable one that notifies at once, as the browser's online/offline events do.
 */

let rig: TruthfulRig;

beforeEach(async () => {
  rig = await TruthfulRig.create();
});

afterEach(async () => {
  await rig.close();
});

function reasonOf(status: { status: string; reason?: string }): string | undefined {
  return status.status === 'disconnected' ? status.reason : undefined;
}

describe('disconnected: offline versus server-unreachable', () => {
  it('says server-unreachable when the network is up and the server is down', async () => {
    const network = new SwitchableNetwork(true);
    const watched = await rig.openClient('unreachable', { onlineSignal: network });
    await rig.stopServer();
    watched.client.start();
    const status = await watched.waitForStatus('disconnected', 5_000);
    expect(status).toMatchObject({ reason: 'server-unreachable' });
    // Attempts keep failing without the socket ever opening: an outage, not a flapping server.
    const attempts = watched.client.getSnapshot().diagnostics.connectAttempts;
    await waitUntil('two more attempts', () => watched.client.getSnapshot().diagnostics.connectAttempts >= attempts + 2);
    expect(watched.status()).toMatchObject({ status: 'disconnected', reason: 'server-unreachable' });
    expect(watched.statusNames()).not.toContain('stuck');
    expect(watched.history.map(({ snapshot }) => reasonOf(snapshot.status))).not.toContain('offline');
  });

  it('says offline when the device starts without a network, and syncs once it has one', async () => {
    const network = new SwitchableNetwork(false);
    const watched = await rig.openClient('starts-offline', { onlineSignal: network });
    await watched.insertItems([1]);
    watched.client.start();
    const status = await watched.waitForStatus('disconnected', 5_000, (current) => current.pending.changes === 1);
    expect(status).toMatchObject({ reason: 'offline', pending: { changes: 1, rows: 1 } });
    // No attempt is made into a dead network.
    await observeFor(3 * TRUTHFUL_TIMING.backoffMaxMs);
    expect(watched.client.getSnapshot().diagnostics.connectAttempts).toBe(0);
    expect(watched.statusNames()).not.toContain('stuck');

    network.set(true);
    await watched.waitForStatus('synced');
    expect(await rig.serverItems()).toEqual([[1, 'local 1']]);
    expect(rig.violations()).toEqual([]);
  });

  it('tells the two apart as the network and the server come and go', async () => {
    const network = new SwitchableNetwork(true);
    const watched = await rig.openClient('both', { onlineSignal: network });
    watched.client.start();
    await watched.waitForStatus('synced');

    network.set(false);
    const offline = await watched.waitForStatus('disconnected', 2_000);
    expect(offline).toMatchObject({ reason: 'offline' });
    await watched.insertItems([1, 2]);
    await watched.waitForStatus('disconnected', 2_000, (status) => status.pending.changes === 2);
    expect(reasonOf(watched.status())).toBe('offline');

    // The server goes down too while the device is offline: still offline, that is the first thing to fix.
    await rig.stopServer();
    expect(reasonOf(watched.status())).toBe('offline');

    // The network returns, the server is still down: now it is the server.
    network.set(true);
    await watched.waitForStatus('disconnected', 5_000, (status) => reasonOf(status) === 'server-unreachable');
    expect(watched.status().pending).toEqual({ changes: 2, rows: 2 });

    await rig.startServer();
    await watched.waitForStatus('synced', 10_000);
    expect(await rig.serverItems()).toEqual([
      [1, 'local 1'],
      [2, 'local 2'],
    ]);
    expect(watched.statusNames()).not.toContain('stuck');
    expect(rig.greenObservations()).toBeGreaterThan(0);
    expect(rig.violations()).toEqual([]);
  });
});
