import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isGreen } from '../client/sync-status.ts';
import { TruthfulRig } from './truthful-harness.ts';

/**
 * Requirement 3 and G3 through a real outage: while the server is down the light
 * is red with the exact number of changes only this device holds, and a change
 * stops counting only once the restarted server has it.
 */

let rig: TruthfulRig;

beforeEach(async () => {
  rig = await TruthfulRig.create();
});

afterEach(async () => {
  await rig.close();
});

describe('local changes made during a server outage', () => {
  it('are counted exactly while red, then acknowledged by the restarted server, pending reaching 0 only once it has them', async () => {
    await rig.exec("INSERT INTO items (id, title) VALUES (100, 'from the server')");
    const watched = await rig.openClient('outage');
    watched.client.start();
    await watched.waitForStatus('synced');

    const outageFrom = watched.history.length;
    await rig.stopServer();
    await watched.waitForStatus('disconnected');

    // Three new rows and an edit of a row the server gave us: 4 changes on 4 rows.
    await watched.insertItems([1, 2, 3]);
    await watched.exec("UPDATE items SET title = 'edited offline' WHERE id = 100");
    const red = await watched.waitForStatus('disconnected', 5_000, (status) => status.pending.changes === 4);
    expect(red.pending).toEqual({ changes: 4, rows: 4 });
    expect(watched.greenSince(outageFrom)).toEqual([]);

    const restartFrom = watched.history.length;
    // G3 from the server's side: the moment the count reads 0, ask the server what it has.
    let serverAtZero: Promise<unknown[][]> | null = null;
    const unsubscribe = watched.client.subscribe(() => {
      if (serverAtZero === null && watched.status().pending.changes === 0) serverAtZero = rig.serverItems();
    });
    await rig.startServer();
    await watched.waitForStatus('synced', 10_000);
    unsubscribe();
    const expected = [
      [1, 'local 1'],
      [2, 'local 2'],
      [3, 'local 3'],
      [100, 'edited offline'],
    ];
    expect(await serverAtZero).toEqual(expected);
    expect(await rig.serverItems()).toEqual(expected);
    const afterRestart = watched.history.slice(restartFrom);
    // Nothing on the way back claimed a count other than the true one or zero, and
    // nothing green ever showed a count the server had not acknowledged as zero.
    for (const record of afterRestart) {
      expect([0, 4]).toContain(record.snapshot.status.pending.changes);
    }
    expect(watched.statusNames(restartFrom)).not.toContain('stuck');
    expect(watched.statusNames(restartFrom)).not.toContain('incompatible');
    expect(afterRestart.some((record) => isGreen(record.snapshot.status))).toBe(true);
    expect(watched.status()).toMatchObject({ status: 'synced', pending: { changes: 0, rows: 0 } });

    expect(rig.greenObservations()).toBeGreaterThan(0);
    expect(rig.violations()).toEqual([]);
  });
});
