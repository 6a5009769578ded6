import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncClient } from '../client/sync-client.ts';
import type { RunningSyncServer } from '../server/node-sync-server.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import { makeDataDir, removeDataDir } from '../test-support/temp-folder.ts';
import {
  attachTestClient,
  execOnServer,
  openClientConnection,
  serverContents,
  startTestServer,
  tableContents,
  waitForStatus,
} from './integration-harness.ts';

const ROWS = 5_000;

let dataDir: string;
let server: RunningSyncServer;
let client: SyncClient | null = null;
let connection: SqliteConnection | null = null;

beforeEach(async () => {
  dataDir = makeDataDir();
  server = await startTestServer(dataDir);
});

afterEach(async () => {
  await client?.stop();
  connection?.close();
  await server.close();
  removeDataDir(dataDir);
});

describe('a fresh client', () => {
  it(`catches up ${ROWS} rows inserted on the server and ends synced with identical content`, async () => {
    await execOnServer(
      server,
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
       INSERT INTO items SELECT i, 'title ' || i, i * 3 FROM n`,
    );
    connection = await openClientConnection();
    client = await attachTestClient(connection, server);
    let largestTotal = 0;
    const started = client;
    started.subscribe(() => {
      const progress = started.getSnapshot().progress;
      if (progress !== null) largestTotal = Math.max(largestTotal, progress.changesTotal);
    });
    started.start();
    await waitForStatus(started, 'synced', 60_000);
    const local = tableContents(connection);
    expect(local).toHaveLength(ROWS);
    expect(local).toEqual(await serverContents(server));
    // Progress counts changes (two columns per row), not batches.
    expect(largestTotal).toBe(ROWS * 2);
  });
});
