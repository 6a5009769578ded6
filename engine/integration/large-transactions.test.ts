import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncClient } from '../client/sync-client.ts';
import { startSyncServer, type RunningSyncServer } from '../server/node-sync-server.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import { makeDataDir, removeDataDir } from '../test-support/temp-folder.ts';
import { execOnServer, StartedClients, TEST_SCHEMA, waitFor } from './integration-harness.ts';

/**
 * One transaction can hold more changes than a frame may carry. Both sides then
 * send it in parts. The limit here is 64 KiB instead of 16 MiB, so a 5,000-row
 * transaction (10,000 changes, about 400 KB) is already far too large for one frame.
 */

const MAX_FRAME_BYTES = 64 * 1024;
const ROWS = 5_000;

let dataDir: string;
let server: RunningSyncServer;
const clients = new StartedClients();

beforeEach(async () => {
  dataDir = makeDataDir();
  server = await startSyncServer({ dataDir, schema: TEST_SCHEMA, allowExec: true, heartbeatIntervalMs: 200, maxFrameBytes: MAX_FRAME_BYTES });
});

afterEach(async () => {
  await clients.stopAll();
  await server.close();
  removeDataDir(dataDir);
});

function startClient(): Promise<{ client: SyncClient; connection: SqliteConnection }> {
  return clients.start(server, { maxFrameBytes: MAX_FRAME_BYTES });
}

function bulkInsertSql(first: number): string {
  return `WITH RECURSIVE n(i) AS (SELECT ${first} UNION ALL SELECT i + 1 FROM n WHERE i < ${first + ROWS - 1})
          INSERT INTO items (id, title, qty) SELECT i, 'title ' || i, i FROM n`;
}

function greenWithNothingPending(client: SyncClient): boolean {
  const { status } = client.getSnapshot();
  return status.status === 'synced' && status.pending.changes === 0;
}

async function serverRowCount(): Promise<number> {
  const rows = await execOnServer(server, 'SELECT COUNT(*) FROM items');
  return Number(rows[0]?.[0]);
}

const rowCount = (connection: SqliteConnection): number => Number(connection.all('SELECT COUNT(*) FROM items')[0]?.[0]);

describe('a transaction larger than a frame', () => {
  it('reaches the server from a client, in parts, and is acknowledged', async () => {
    const { client, connection } = await startClient();
    await waitFor('synced', () => greenWithNothingPending(client));
    connection.exec(bulkInsertSql(1));
    await waitFor('the whole transaction on the server, acknowledged', async () => greenWithNothingPending(client) && (await serverRowCount()) === ROWS, 20_000);
    expect(await execOnServer(server, 'SELECT SUM(qty) FROM items')).toEqual([[(ROWS * (ROWS + 1)) / 2]]);
  });

  it('reaches connected clients live and fresh clients in their catch-up, in parts', async () => {
    const live = await startClient();
    await waitFor('synced', () => greenWithNothingPending(live.client));
    await execOnServer(server, bulkInsertSql(1));
    await waitFor('the live client has it all', () => greenWithNothingPending(live.client) && rowCount(live.connection) === ROWS, 20_000);

    const fresh = await startClient();
    await waitFor('the fresh client has it all', () => greenWithNothingPending(fresh.client) && rowCount(fresh.connection) === ROWS, 20_000);
    expect(fresh.connection.all('SELECT SUM(qty) FROM items')).toEqual([[(ROWS * (ROWS + 1)) / 2]]);
  });
});
