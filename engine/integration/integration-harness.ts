import { fromSqliteConnection } from '../client/adapters/from-sqlite-connection.ts';
import type { SyncClientOptions } from '../client/sync-client.ts';
import { attachSyncClient, type SyncClient } from '../client/sync-client.ts';
import type { SyncSnapshot } from '../client/sync-client-api.ts';
import type { SyncTimingOptions } from '../client/sync-events.ts';
import type { SqlValue } from '../protocol/messages.ts';
import { startSyncServer, type RunningSyncServer } from '../server/node-sync-server.ts';
import { openMemoryDatabase } from '../sqlite/open-memory-database.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import { createNodeWebSocket } from '../test-support/node-websocket.ts';
import { waitUntil } from '../test-support/wait-until.ts';

/** The schema the integration tests sync: small, with a nullable column and a non-integer key. */
export const TEST_SCHEMA = {
  name: 'itest',
  version: 1,
  sql: `CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY NOT NULL, title TEXT, qty INTEGER);
SELECT crsql_as_crr('items');
CREATE TABLE IF NOT EXISTS notes (key TEXT PRIMARY KEY NOT NULL, body TEXT);
SELECT crsql_as_crr('notes');`,
} as const;

export const TEST_DATABASE = 'itest';

/** Quick windows so a test sees heartbeats and retries without waiting seconds. */
export const FAST_TIMING: Partial<SyncTimingOptions> = {
  heartbeatIntervalMs: 200,
  heartbeatTimeoutMs: 2_000,
  backoffInitialMs: 50,
  backoffMaxMs: 500,
};

export function startTestServer(dataDir: string, port = 0): Promise<RunningSyncServer> {
  return startSyncServer({ dataDir, schema: TEST_SCHEMA, port, allowExec: true, heartbeatIntervalMs: 200 });
}

/** A client database with the test schema, as a host app would create it. */
export async function openClientConnection(open: () => Promise<SqliteConnection> = openMemoryDatabase): Promise<SqliteConnection> {
  const connection = await open();
  connection.exec(TEST_SCHEMA.sql);
  return connection;
}

export async function attachTestClient(
  connection: SqliteConnection,
  server: { readonly wsUrl: string },
  options: Partial<SyncClientOptions> = {},
): Promise<SyncClient> {
  return attachSyncClient({
    db: fromSqliteConnection(connection),
    url: server.wsUrl,
    database: TEST_DATABASE,
    schema: { name: TEST_SCHEMA.name, version: TEST_SCHEMA.version },
    createWebSocket: createNodeWebSocket,
    timing: FAST_TIMING,
    ...options,
  });
}

/** The clients a test starts, each on a fresh in-memory database; `stopAll` after the test. */
export class StartedClients {
  readonly #started: { readonly client: SyncClient; readonly connection: SqliteConnection }[] = [];

  async start(server: { readonly wsUrl: string }, options: Partial<SyncClientOptions> = {}): Promise<{ client: SyncClient; connection: SqliteConnection }> {
    const attached = await this.attach(server, options);
    attached.client.start();
    return attached;
  }

  /** Attached but not started, for a test that watches the client from its first status. */
  async attach(server: { readonly wsUrl: string }, options: Partial<SyncClientOptions> = {}): Promise<{ client: SyncClient; connection: SqliteConnection }> {
    const connection = await openClientConnection();
    const client = await attachTestClient(connection, server, options);
    this.#started.push({ client, connection });
    return { client, connection };
  }

  async stopAll(): Promise<void> {
    for (const { client, connection } of this.#started.splice(0)) {
      await client.stop();
      connection.close();
    }
  }
}

/** Polls the client's snapshot (and anything else) until `check` holds; checks here often ask the server over HTTP, hence the slower poll. */
export function waitFor(description: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  return waitUntil(description, check, timeoutMs, 20);
}

export function waitForStatus(client: SyncClient, status: SyncSnapshot['status']['status'], timeoutMs?: number): Promise<void> {
  return waitFor(`status ${status} (now ${client.getSnapshot().status.status})`, () => client.getSnapshot().status.status === status, timeoutMs);
}

/** Records every distinct status a client passes through. */
export function recordStatuses(client: SyncClient): string[] {
  const seen: string[] = [];
  const record = (): void => {
    const status = client.getSnapshot().status.status;
    if (seen[seen.length - 1] !== status) seen.push(status);
  };
  record();
  client.subscribe(record);
  return seen;
}

export async function execOnServer(server: RunningSyncServer, sql: string, params: readonly SqlValue[] = []): Promise<unknown[][]> {
  const response = await fetch(`${server.httpUrl}/${TEST_DATABASE}/exec`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sql, params }),
  });
  if (!response.ok) throw new Error(`exec failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { rows: unknown[][] };
  return body.rows;
}

export function tableContents(connection: SqliteConnection): SqlValue[][] {
  return [
    ...connection.all('SELECT id, title, qty FROM items ORDER BY id'),
    ...connection.all('SELECT key, body FROM notes ORDER BY key'),
  ];
}

export async function serverContents(server: RunningSyncServer): Promise<unknown[][]> {
  return [
    ...(await execOnServer(server, 'SELECT id, title, qty FROM items ORDER BY id')),
    ...(await execOnServer(server, 'SELECT key, body FROM notes ORDER BY key')),
  ];
}
