import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isGreen } from '../client/sync-status.ts';
import { waitUntil } from '../test-support/wait-until.ts';
import { TIMER_SLACK_MS, TRUTHFUL_TIMING, TruthfulRig } from './truthful-harness.ts';

/**
 * Every truthful-* scenario ends with `rig.violations()` empty. That only means
 * something if the monitor, fed the way the rig feeds it, does flag a green
 * light hiding a stale server commit. Here a client really is cut off (proxy
 * blackhole) and goes red, then the server really commits; the monitor stays
 * quiet about the honest client, then an observation claiming the last green
 * status held on past the freshness window is injected, and it is flagged.
 */

let rig: TruthfulRig;

beforeEach(async () => {
  rig = await TruthfulRig.create();
});

afterEach(async () => {
  await rig.close();
});

describe('the invariant monitor the rig runs through every scenario', () => {
  it('flags a green light hiding a server commit older than freshnessMs, and only that', async () => {
    const proxy = await rig.startProxy('pass');
    const watched = await rig.openClient('monitored', { url: proxy.wsUrl });
    watched.client.start();
    await watched.waitForStatus('synced');
    const lastGreen = watched.status();
    const applied = watched.client.getSnapshot().diagnostics.appliedServerVersion;
    expect(rig.greenObservations()).toBeGreaterThan(0);

    proxy.setMode('blackhole');
    await waitUntil('the honest client to leave green', () => !isGreen(watched.status()), 10_000);
    const { dbVersion } = await rig.exec("INSERT INTO items (id, title) VALUES (1, 'never delivered')");
    const committedBy = Date.now();
    expect(dbVersion).toBeGreaterThan(applied);
    // The rig's meta poll sees it too, so the commit is on record from both sources.
    await waitUntil('the meta poll to see the commit', async () => (await rig.meta()).dbVersion === dbVersion);
    expect(rig.violations()).toEqual([]);

    // A client that lied: still showing its last green status after the window.
    const lieAt = committedBy + TRUTHFUL_TIMING.freshnessMs + TIMER_SLACK_MS + 1;
    rig.injectObservation({ at: lieAt, status: lastGreen, appliedServerVersion: applied });
    expect(rig.violations()).toEqual([
      { observation: { at: lieAt, status: lastGreen, appliedServerVersion: applied }, missing: expect.objectContaining({ version: dbVersion }) },
    ]);

    // Inside the window, or once the version is applied, the same status is fine.
    rig.injectObservation({ at: committedBy + TRUTHFUL_TIMING.freshnessMs - 200, status: lastGreen, appliedServerVersion: applied });
    rig.injectObservation({ at: lieAt, status: lastGreen, appliedServerVersion: dbVersion });
    expect(rig.violations()).toHaveLength(1);
  });

  it('keeps server versions of a rebuilt database apart from the old ones', async () => {
    await rig.exec("INSERT INTO items (id, title) VALUES (1, 'a'), (2, 'b')");
    await rig.exec("INSERT INTO items (id, title) VALUES (3, 'c')");
    const watched = await rig.openClient('epochs');
    watched.client.start();
    await watched.waitForStatus('synced');
    await rig.reset();
    await watched.waitForStatus('incompatible');
    await watched.client.nukeAndResync();
    await watched.waitForStatus('synced');
    // The rebuilt server counts from scratch; its low versions applied here are the whole truth.
    await waitUntil('a green observation after the rebuild', () => rig.greenObservations() > 0 && isGreen(watched.status()));
    expect(rig.violations()).toEqual([]);
  });
});
