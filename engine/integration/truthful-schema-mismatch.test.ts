import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../test-support/wait-until.ts';
import { observeFor, TRUTHFUL_TIMING, TruthfulRig } from './truthful-harness.ts';

/**
 * A client built for schema version 2 meeting a server that holds version 1 must
 * say `incompatible: schema-mismatch` and exchange nothing: rows of one schema
 * merged into a database of another could corrupt both. The proxy (in 'pass')
 * counts what crossed the wire, so "nothing exchanged" is checked on the wire as
 * well as in both databases.
 */

let rig: TruthfulRig;

beforeEach(async () => {
  rig = await TruthfulRig.create();
});

afterEach(async () => {
  await rig.close();
});

describe('a client whose schema version the server does not hold', () => {
  it('is incompatible (schema-mismatch) and no change crosses in either direction', async () => {
    await rig.exec("INSERT INTO items (id, title) VALUES (1, 'server one'), (2, 'server two')");
    const serverBefore = await rig.serverItems();
    const proxy = await rig.startProxy('pass');
    const watched = await rig.openClient('v2', { url: proxy.wsUrl, schemaVersion: 2 });
    await watched.insertItems([10, 11]);
    await waitUntil('the pending count', () => watched.status().pending.changes === 2);

    watched.client.start();
    const status = await watched.waitForStatus('incompatible', 10_000);
    expect(status).toMatchObject({ reason: 'schema-mismatch', pending: { changes: 2, rows: 2 } });
    expect(watched.greenSince(0)).toEqual([]);
    // Wait for the proxy to see the rejected connection end, so the wire counts are final.
    await waitUntil('the rejected connection to close', () => proxy.openConnections() === 0);
    // Long enough for several retries at the longest backoff, had the client retried.
    await observeFor(3 * TRUTHFUL_TIMING.backoffMaxMs);

    const wire = proxy.stats();
    expect(wire.clientMessages.hello).toBeGreaterThanOrEqual(1);
    expect(wire.serverMessages.reject).toBeGreaterThanOrEqual(1);
    expect(wire.clientMessages.changes).toBeUndefined();
    expect(wire.serverMessages.changes).toBeUndefined();
    expect(wire.serverMessages.accept).toBeUndefined();
    expect(await rig.serverItems()).toEqual(serverBefore);
    expect(await watched.items()).toEqual([
      [10, 'local 10'],
      [11, 'local 11'],
    ]);
    // Retrying cannot help: the client stays put instead of hammering the server.
    expect(wire.connections).toBe(1);
    expect(watched.status()).toMatchObject({ status: 'incompatible', pending: { changes: 2, rows: 2 } });
    expect(rig.violations()).toEqual([]);
  });
});
