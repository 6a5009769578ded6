import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncClient } from '../client/sync-client.ts';
import type { RunningSyncServer } from '../server/node-sync-server.ts';
import { openFileDatabase } from '../sqlite/open-file-database.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import { makeDataDir, removeDataDir } from '../test-support/temp-folder.ts';
import {
  attachTestClient,
  openClientConnection,
  serverContents,
  startTestServer,
  waitFor,
  waitForStatus,
} from './integration-harness.ts';

let serverDir: string;
let clientDir: string;
let server: RunningSyncServer | null;
const clients: SyncClient[] = [];
const connections: SqliteConnection[] = [];

beforeEach(async () => {
  serverDir = makeDataDir();
  clientDir = makeDataDir();
  server = await startTestServer(serverDir);
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.stop();
  for (const connection of connections.splice(0)) connection.close();
  await server?.close();
  removeDataDir(serverDir);
  removeDataDir(clientDir);
});

function groundTruth(connection: SqliteConnection): { changes: number; rows: number } {
  const [acked] = connection.all('SELECT acked_local_version FROM greenlight_sync_meta');
  const version = acked?.[0] ?? 0;
  const [changes] = connection.all('SELECT COUNT(*) FROM crsql_changes WHERE site_id = crsql_site_id() AND db_version > ?', [version]);
  const [rows] = connection.all(
    'SELECT COUNT(*) FROM (SELECT DISTINCT "table", pk FROM crsql_changes WHERE site_id = crsql_site_id() AND db_version > ?)',
    [version],
  );
  return { changes: Number(changes?.[0]), rows: Number(rows?.[0]) };
}

describe('changes made while the server is down', () => {
  it('are kept, counted exactly across a reopen, then acknowledged once it is back', async () => {
    const running = server;
    if (running === null) throw new Error('no server');
    const { port, wsUrl } = running;
    const path = join(clientDir, 'client.sqlite3');
    let connection = await openClientConnection(() => openFileDatabase(path));
    connections.push(connection);
    let client = await attachTestClient(connection, { wsUrl });
    clients.push(client);
    client.start();
    await waitForStatus(client, 'synced');

    await running.close();
    server = null;
    await waitForStatus(client, 'disconnected');

    connection.exec("INSERT INTO items VALUES (1, 'one', 1), (2, 'two', 2), (3, 'three', 3)");
    connection.exec("UPDATE items SET title = 'uno' WHERE id = 1");
    connection.exec('DELETE FROM items WHERE id = 3');
    connection.exec("INSERT INTO notes VALUES ('offline', 'written while the server was down')");
    // Three item rows of two columns, minus the deleted row's columns plus its
    // tombstone, plus one note column: 6 - 2 + 1 + 1 changes over 4 rows.
    const expected = { changes: 6, rows: 4 };
    expect(groundTruth(connection)).toEqual(expected);
    await waitFor('the pending count', () => {
      const { pending } = client.getSnapshot().status;
      return pending.changes === expected.changes && pending.rows === expected.rows;
    });
    expect(client.getSnapshot().status.status).toBe('disconnected');

    await client.stop();
    connection.close();
    connections.splice(connections.indexOf(connection), 1);
    connection = await openFileDatabase(path);
    connections.push(connection);
    client = await attachTestClient(connection, { wsUrl });
    clients.push(client);
    expect(client.getSnapshot().status).toEqual({ status: 'idle', pending: expected });

    server = await startTestServer(serverDir, port);
    client.start();
    await waitForStatus(client, 'synced');
    expect(client.getSnapshot().status.pending).toEqual({ changes: 0, rows: 0 });
    expect(groundTruth(connection)).toEqual({ changes: 0, rows: 0 });
    expect(await serverContents(server)).toEqual([
      [1, 'uno', 1],
      [2, 'two', 2],
      ['offline', 'written while the server was down'],
    ]);
  });
});
