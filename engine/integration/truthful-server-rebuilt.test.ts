import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../test-support/wait-until.ts';
import { TRUTHFUL_DATABASE, TruthfulRig, type WatchedClient } from './truthful-harness.ts';

/**
 * Requirement 4 and the spec's first critical-path test: a server whose database
 * was rebuilt (a new identity) must turn the light to `incompatible:
 * server-rebuilt` within 10 s and never green on the way, whether the client was
 * connected at the time or away; then Nuke and Resync first reports and exports
 * exactly what would be lost, and ends synced with the rebuilt server's data.
 */

const DETECTION_LIMIT_MS = 10_000;

let rig: TruthfulRig;

beforeEach(async () => {
  rig = await TruthfulRig.create();
  await rig.exec("INSERT INTO items (id, title) VALUES (100, 'before the rebuild')");
});

afterEach(async () => {
  await rig.close();
});

async function syncedClient(name: string): Promise<WatchedClient> {
  const watched = await rig.openClient(name);
  watched.client.start();
  await watched.waitForStatus('synced');
  expect(await watched.items()).toEqual([[100, 'before the rebuild']]);
  return watched;
}

/** Waits for incompatible: server-rebuilt, checking the deadline and that nothing since `from` was green. */
async function expectRebuiltDetected(watched: WatchedClient, from: number, since: number): Promise<void> {
  const status = await watched.waitForStatus('incompatible', DETECTION_LIMIT_MS);
  expect(status).toMatchObject({ status: 'incompatible', reason: 'server-rebuilt' });
  const detected = watched.history.find((record, index) => index >= from && record.snapshot.status.status === 'incompatible');
  expect(detected!.at - since).toBeLessThanOrEqual(DETECTION_LIMIT_MS);
  expect(watched.greenSince(from)).toEqual([]);
}

/** Export reports exactly the pending changes: one per new row's title, for exactly these rows. */
async function expectExportOf(watched: WatchedClient, ids: readonly number[]): Promise<void> {
  expect(watched.status().pending).toEqual({ changes: ids.length, rows: ids.length });
  const exported = await watched.client.exportUnsyncedChanges();
  expect(exported).toMatchObject({ format: 'greenlight-unsynced-changes', formatVersion: 1, database: TRUTHFUL_DATABASE });
  expect(exported.changes).toHaveLength(ids.length);
  expect(exported.changes.map((change) => [change.table, change.cid, change.val])).toEqual(
    ids.map((id) => ['items', 'title', { text: `local ${id}` }]),
  );
}

/** Nuke and Resync with the app's resetDatabase: synced, with the rebuilt server's rows and nothing else. */
async function expectNukeAndResync(watched: WatchedClient): Promise<void> {
  await rig.exec("INSERT INTO items (id, title) VALUES (500, 'after the rebuild')");
  const from = watched.history.length;
  await watched.client.nukeAndResync();
  await watched.waitForStatus('synced');
  expect(await watched.items()).toEqual([[500, 'after the rebuild']]);
  expect(await watched.items()).toEqual(await rig.serverItems());
  expect(watched.status().pending).toEqual({ changes: 0, rows: 0 });
  expect(watched.statusNames(from)).not.toContain('incompatible');
  // The old identity is forgotten: a reconnect to the rebuilt server is accepted.
  expect((await watched.client.exportUnsyncedChanges()).changes).toEqual([]);
}

describe('a server database rebuilt', () => {
  it('while the client is connected: incompatible within 10 s, never green, then Nuke and Resync', async () => {
    const watched = await syncedClient('connected');
    const from = watched.history.length;
    const resetAt = Date.now();
    await rig.reset();
    await expectRebuiltDetected(watched, from, resetAt);

    // Work done after the rebuild can never reach it from this database.
    await watched.insertItems([1, 2, 3]);
    await waitUntil('the pending count', () => watched.status().pending.changes === 3);
    expect(watched.status().status).toBe('incompatible');
    await expectExportOf(watched, [1, 2, 3]);
    await expectNukeAndResync(watched);
    expect(rig.greenObservations()).toBeGreaterThan(0);
    expect(rig.violations()).toEqual([]);
  });

  it('while the server was down (its file recreated): incompatible on return, never green, then Nuke and Resync', async () => {
    const watched = await syncedClient('server-down');
    const from = watched.history.length;
    await rig.stopServer();
    await watched.waitForStatus('disconnected');
    await watched.insertItems([1, 2, 3]);
    await watched.waitForStatus('disconnected', 5_000, (status) => status.pending.changes === 3);

    // Restored from nothing: the same folder and port, a database with a new identity.
    rmSync(join(rig.serverDir, `${TRUTHFUL_DATABASE}.sqlite3`), { force: true });
    rmSync(join(rig.serverDir, `${TRUTHFUL_DATABASE}.sqlite3-journal`), { force: true });
    const backAt = Date.now();
    await rig.startServer();
    await expectRebuiltDetected(watched, from, backAt);
    await expectExportOf(watched, [1, 2, 3]);
    // None of the three reached the rebuilt server.
    expect(await rig.serverItems()).toEqual([]);
    await expectNukeAndResync(watched);
    expect(rig.greenObservations()).toBeGreaterThan(0);
    expect(rig.violations()).toEqual([]);
  });

  it('while the client was stopped (POST /reset): incompatible on start, never green, then Nuke and Resync', async () => {
    const watched = await syncedClient('stopped');
    await watched.client.stop();
    await watched.insertItems([1, 2, 3]);
    await waitUntil('the pending count while stopped', () => watched.status().pending.changes === 3);
    expect(watched.status().status).toBe('idle');
    await rig.reset();

    const from = watched.history.length;
    const startAt = Date.now();
    watched.client.start();
    await expectRebuiltDetected(watched, from, startAt);
    await expectExportOf(watched, [1, 2, 3]);
    expect(await rig.serverItems()).toEqual([]);
    await expectNukeAndResync(watched);
    expect(rig.greenObservations()).toBeGreaterThan(0);
    expect(rig.violations()).toEqual([]);
  });
});
