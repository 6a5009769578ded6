import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncClient } from '../client/sync-client.ts';
import type { RunningSyncServer } from '../server/node-sync-server.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import { makeDataDir, removeDataDir } from '../test-support/temp-folder.ts';
import {
  execOnServer,
  recordStatuses,
  serverContents,
  StartedClients,
  startTestServer,
  tableContents,
  waitFor,
  waitForStatus,
} from './integration-harness.ts';

let dataDir: string;
let server: RunningSyncServer;
const clients = new StartedClients();

beforeEach(async () => {
  dataDir = makeDataDir();
  server = await startTestServer(dataDir);
});

afterEach(async () => {
  await clients.stopAll();
  await server.close();
  removeDataDir(dataDir);
});

function startClient(): Promise<{ client: SyncClient; connection: SqliteConnection }> {
  return clients.start(server);
}

async function converged(a: SqliteConnection, b: SqliteConnection): Promise<boolean> {
  const expected = JSON.stringify(await serverContents(server));
  return JSON.stringify(tableContents(a)) === expected && JSON.stringify(tableContents(b)) === expected;
}

describe('two clients and the server', () => {
  it('pass through connecting and catching-up to synced on a healthy start', async () => {
    const { client } = await clients.attach(server);
    const statuses = recordStatuses(client);
    client.start();
    await waitForStatus(client, 'synced');
    expect(statuses[0]).toBe('idle');
    const connecting = statuses.indexOf('connecting');
    const catchingUp = statuses.indexOf('catching-up');
    const synced = statuses.indexOf('synced');
    expect(connecting).toBeGreaterThan(0);
    expect(catchingUp).toBeGreaterThan(connecting);
    expect(synced).toBeGreaterThan(catchingUp);
  });

  it('converge after inserts, updates and deletes in both directions', async () => {
    const a = await startClient();
    const b = await startClient();
    await waitForStatus(a.client, 'synced');
    await waitForStatus(b.client, 'synced');

    a.connection.exec("INSERT INTO items VALUES (1, 'from a', 1), (2, 'also a', 2)");
    b.connection.exec("INSERT INTO items VALUES (10, 'from b', 10)");
    b.connection.exec("INSERT INTO notes VALUES ('k', 'note by b')");
    await waitFor('inserts to converge', () => converged(a.connection, b.connection));
    expect(tableContents(a.connection)).toEqual([
      [1, 'from a', 1],
      [2, 'also a', 2],
      [10, 'from b', 10],
      ['k', 'note by b'],
    ]);

    b.connection.exec("UPDATE items SET title = 'b edited a' WHERE id = 1");
    a.connection.exec('UPDATE items SET qty = 99 WHERE id = 10');
    a.connection.exec("DELETE FROM notes WHERE key = 'k'");
    b.connection.exec('DELETE FROM items WHERE id = 2');
    await waitFor('updates and deletes to converge', () => converged(a.connection, b.connection));
    expect(tableContents(b.connection)).toEqual([
      [1, 'b edited a', 1],
      [10, 'from b', 99],
    ]);
    await waitForStatus(a.client, 'synced');
    await waitForStatus(b.client, 'synced');
    expect(a.client.getSnapshot().status.pending).toEqual({ changes: 0, rows: 0 });
  });

  it('deliver a change made through POST /:db/exec to a connected client within 2 s', async () => {
    const a = await startClient();
    await waitForStatus(a.client, 'synced');
    await execOnServer(server, "INSERT INTO items VALUES (7, 'from the server', 7)");
    await waitFor('the server change to arrive', () => a.connection.all('SELECT title FROM items WHERE id = 7').length === 1, 2_000);
    expect(a.connection.all('SELECT title FROM items WHERE id = 7')).toEqual([['from the server']]);
  });
});
