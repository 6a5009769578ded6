import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncClient } from '../client/sync-client.ts';
import type { RunningSyncServer } from '../server/node-sync-server.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import { makeDataDir, removeDataDir } from '../test-support/temp-folder.ts';
import { attachTestClient, execOnServer, openClientConnection, serverContents, startTestServer, waitFor, waitForStatus } from './integration-harness.ts';

/**
 * An UPDATE that writes the value already there fires cr-sqlite's triggers
 * without recording a change, and moves crsql_db_version() past every change;
 * the next real change can then be given that same version. These tests hold the
 * promise through it: green only once that next change is on the server.
 */

let dataDir: string;
let server: RunningSyncServer;
let connection: SqliteConnection;
let client: SyncClient;

beforeEach(async () => {
  dataDir = makeDataDir();
  server = await startTestServer(dataDir);
  connection = await openClientConnection();
  client = await attachTestClient(connection, server);
  client.start();
  await waitForStatus(client, 'synced');
});

afterEach(async () => {
  await client.stop();
  connection.close();
  await server.close();
  removeDataDir(dataDir);
});

function isGreenWithNothingPending(): boolean {
  const { status } = client.getSnapshot();
  return (status.status === 'synced' || status.status === 'syncing') && status.pending.changes === 0;
}

describe('a write that changes nothing', () => {
  it('does not hide the local change after it from the pending count, and so from the server', async () => {
    connection.exec("INSERT INTO items (id, title, qty) VALUES (1, 'Dune', 1)");
    await waitFor('the first book acknowledged', async () => isGreenWithNothingPending() && (await serverContents(server)).length === 1);
    // Offline, the pending count is all that says the next change is not saved yet.
    const { port } = server;
    await server.close();
    await waitForStatus(client, 'disconnected');

    connection.exec("UPDATE items SET title = 'Dune' WHERE id = 1");
    // Time for the client to react to the update: it counts within a tick, and
    // its count commits to its own ordinary table, after which cr-sqlite gives
    // the next change the version the no-op skipped to.
    await new Promise((resolve) => setTimeout(resolve, 200));
    connection.exec("INSERT INTO items (id, title, qty) VALUES (2, 'Emma', 2)");
    await waitFor('the new book counted as pending', () => client.getSnapshot().status.pending.changes === 2, 2_000);
    expect(client.getSnapshot().status.pending).toEqual({ changes: 2, rows: 1 });

    server = await startTestServer(dataDir, port);
    await waitFor('green with nothing pending', isGreenWithNothingPending);
    expect(await serverContents(server)).toEqual([
      [1, 'Dune', 1],
      [2, 'Emma', 2],
    ]);
  });

  it('on the server does not hide the next change from connected clients', async () => {
    await execOnServer(server, "INSERT INTO items (id, title, qty) VALUES (1, 'Dune', 1)");
    await waitFor('the first book on the client', () => connection.all('SELECT id FROM items').length === 1);

    await execOnServer(server, "UPDATE items SET title = 'Dune' WHERE id = 1");
    // A commit that writes only ordinary tables, as an acknowledged merge's watermark does.
    await execOnServer(server, 'CREATE TABLE IF NOT EXISTS server_notes (body TEXT)');
    await execOnServer(server, "INSERT INTO server_notes VALUES ('plain')");
    await execOnServer(server, "INSERT INTO items (id, title, qty) VALUES (2, 'Emma', 2)");

    await waitFor('the second book on the client', () => connection.all('SELECT id FROM items').length === 2, 5_000);
    expect(connection.all('SELECT id, title FROM items ORDER BY id')).toEqual([
      [1, 'Dune'],
      [2, 'Emma'],
    ]);
  });
});
