import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromSqliteConnection } from '../client/adapters/from-sqlite-connection.ts';
import { applyUnsyncedChangesExport } from '../client/apply-unsynced-changes-export.ts';
import type { ClientDatabase } from '../client/client-database.ts';
import type { SyncClient } from '../client/sync-client.ts';
import type { UnsyncedChangesExport } from '../client/sync-client-api.ts';
import { isGreen, type SyncStatus } from '../client/sync-status.ts';
import type { RunningSyncServer } from '../server/node-sync-server.ts';
import { openMemoryDatabase } from '../sqlite/open-memory-database.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import { makeDataDir, removeDataDir } from '../test-support/temp-folder.ts';
import {
  attachTestClient,
  execOnServer,
  openClientConnection,
  serverContents,
  startTestServer,
  tableContents,
  TEST_DATABASE,
  waitFor,
  waitForStatus,
} from './integration-harness.ts';

/**
 * Nuke and Resync against the real server on loopback: the whole recovery a user
 * goes through (export, nuke, re-download with progress, re-apply the export),
 * and each way it can fail part-way, with the retry.
 */

/** Rows per server insert: 600 rows of two columns make a batch of their own (about 1000 changes per batch). */
const ROWS_PER_INSERT = 600;

let dataDir: string;
let server: RunningSyncServer;
const clients: SyncClient[] = [];
const connections = new Set<SqliteConnection>();

beforeEach(async () => {
  dataDir = makeDataDir();
  server = await startTestServer(dataDir);
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.stop();
  for (const connection of connections) connection.close();
  connections.clear();
  await server.close();
  removeDataDir(dataDir);
});

/** What a host does: it owns the database, and re-creates it (here in memory) when asked. */
class HostDatabase {
  connection: SqliteConnection;
  /** When set, the next reset throws this, after closing the old database (a half-done reset). */
  failNextReset: Error | null = null;
  /** When set, the next reset creates the database with this schema instead of the app's. */
  nextSchemaSql: string | null = null;

  private constructor(connection: SqliteConnection) {
    this.connection = connection;
  }

  static async open(): Promise<HostDatabase> {
    const host = new HostDatabase(await openClientConnection());
    connections.add(host.connection);
    return host;
  }

  get db(): ClientDatabase {
    return fromSqliteConnection(this.connection);
  }

  readonly reset = async (): Promise<ClientDatabase> => {
    connections.delete(this.connection);
    this.connection.close();
    const failure = this.failNextReset;
    this.failNextReset = null;
    if (failure !== null) throw failure;
    const schema = this.nextSchemaSql;
    this.nextSchemaSql = null;
    this.connection = schema === null ? await openClientConnection() : await openWithSchema(schema);
    connections.add(this.connection);
    return this.db;
  };
}

async function openWithSchema(sql: string): Promise<SqliteConnection> {
  const connection = await openMemoryDatabase();
  connection.exec(sql);
  return connection;
}

async function startedClient(host: HostDatabase): Promise<SyncClient> {
  const client = await attachTestClient(host.connection, server, { resetDatabase: host.reset });
  clients.push(client);
  client.start();
  return client;
}

async function serverRequest(action: 'reset' | 'meta'): Promise<{ siteId: string; dbVersion: number }> {
  const response = await fetch(`${server.httpUrl}/${TEST_DATABASE}/${action}`, { method: action === 'reset' ? 'POST' : 'GET' });
  if (!response.ok) throw new Error(`${action} failed: ${response.status}`);
  return (await response.json()) as { siteId: string; dbVersion: number };
}

async function insertServerItems(from: number, count: number): Promise<void> {
  await execOnServer(
    server,
    `WITH RECURSIVE n(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM n WHERE i < ${from + count - 1})
     INSERT INTO items SELECT i, 'server ' || i, i FROM n`,
  );
}

/** Every status published from now on. */
function record(client: SyncClient): SyncStatus[] {
  const seen: SyncStatus[] = [];
  client.subscribe(() => {
    const { status } = client.getSnapshot();
    if (seen[seen.length - 1] !== status) seen.push(status);
  });
  return seen;
}

function syncMeta(connection: SqliteConnection): { serverSiteId: unknown; serverCursor: unknown } {
  const [row] = connection.all('SELECT server_site_id, server_cursor FROM greenlight_sync_meta');
  return { serverSiteId: row?.[0], serverCursor: row?.[1] };
}

describe('Nuke and Resync', () => {
  it('recovers a client of a rebuilt server: export, nuke, full download with progress, then the export re-applied reaches the server', async () => {
    await insertServerItems(1, 3);
    const host = await HostDatabase.open();
    const client = await startedClient(host);
    await waitForStatus(client, 'synced');

    await serverRequest('reset');
    await waitFor('incompatible: server-rebuilt', () => {
      const { status } = client.getSnapshot();
      return status.status === 'incompatible' && status.reason === 'server-rebuilt';
    });
    // Work done now can never reach the rebuilt server from this database.
    await host.db.exec("INSERT INTO items VALUES (10, 'mine', 1), (11, 'also mine', 2)");
    await waitFor('four pending changes', () => client.getSnapshot().status.pending.changes === 4);
    const exported = JSON.parse(JSON.stringify(await client.exportUnsyncedChanges())) as UnsyncedChangesExport;
    expect(exported.changes).toHaveLength(client.getSnapshot().status.pending.changes);

    for (let batch = 0; batch < 3; batch++) await insertServerItems(100 + batch * ROWS_PER_INSERT, ROWS_PER_INSERT);
    const serverChanges = 3 * ROWS_PER_INSERT * 2;
    const seen = record(client);
    let largestTotal = 0;
    client.subscribe(() => {
      largestTotal = Math.max(largestTotal, client.getSnapshot().progress?.changesTotal ?? 0);
    });
    await client.nukeAndResync();
    await waitForStatus(client, 'synced', 60_000);
    expect(seen.map((status) => status.status)).not.toContain('incompatible');
    const catchingUp = seen.filter((status) => status.status === 'catching-up');
    expect(catchingUp.length).toBeGreaterThan(0);
    expect(largestTotal).toBe(serverChanges);
    expect(tableContents(host.connection)).toEqual(await serverContents(server));
    expect(client.getSnapshot().status.pending).toEqual({ changes: 0, rows: 0 });
    const meta = await serverRequest('meta');
    expect(syncMeta(host.connection)).toEqual({ serverSiteId: meta.siteId, serverCursor: meta.dbVersion });

    // The developer's way back: the saved work written into the fresh database.
    expect(await applyUnsyncedChangesExport(host.db, exported)).toEqual({ changes: 4, rows: 2 });
    await waitFor('the restored rows on the server', async () => {
      const rows = await execOnServer(server, 'SELECT id, title, qty FROM items WHERE id IN (10, 11) ORDER BY id');
      return JSON.stringify(rows) === JSON.stringify([[10, 'mine', 1], [11, 'also mine', 2]]);
    });
    await waitFor('synced with nothing pending', () => {
      const { status } = client.getSnapshot();
      return status.status === 'synced' && status.pending.changes === 0;
    });
    expect(tableContents(host.connection)).toEqual(await serverContents(server));
  });

  it('whose reset fails is stuck with the error, connects nothing, and succeeds when called again', async () => {
    await insertServerItems(1, 3);
    const host = await HostDatabase.open();
    const client = await startedClient(host);
    await waitForStatus(client, 'synced');
    const seen = record(client);

    host.failNextReset = new Error('the database file is locked');
    await expect(client.nukeAndResync()).rejects.toMatchObject({ message: 'the database file is locked' });
    expect(client.getSnapshot().status).toMatchObject({ status: 'stuck', reason: 'apply-failed' });
    expect(client.getSnapshot().diagnostics.lastError).toMatchObject({ message: 'the database file is locked' });
    const attempts = client.getSnapshot().diagnostics.connectAttempts;
    // Several backoff periods: a loop still running would have tried again by now.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(client.getSnapshot().diagnostics.connectAttempts).toBe(attempts);
    expect(client.getSnapshot().status.status).toBe('stuck');

    await client.nukeAndResync();
    await waitForStatus(client, 'synced');
    expect(tableContents(host.connection)).toEqual(await serverContents(server));
    expect(seen.filter(isGreen).length).toBe(1);
    expect(seen[seen.length - 1]?.status).toBe('synced');
  });

  it('whose download fails after some batches is stuck, never green, with a cursor that covers exactly what was applied; a second nuke completes it', async () => {
    for (let batch = 0; batch < 3; batch++) await insertServerItems(1 + batch * ROWS_PER_INSERT, ROWS_PER_INSERT);
    const itemsOnly = await serverRequest('meta');
    await execOnServer(server, "INSERT INTO notes VALUES ('late', 'arrives in the last batch')");
    const host = await HostDatabase.open();
    const client = await startedClient(host);
    await waitForStatus(client, 'synced', 60_000);
    const seen = record(client);

    // A host whose schema creation went wrong: the re-created database has no notes table.
    host.nextSchemaSql = "CREATE TABLE items (id INTEGER PRIMARY KEY NOT NULL, title TEXT, qty INTEGER); SELECT crsql_as_crr('items');";
    await client.nukeAndResync();
    await waitFor('stuck: apply-failed', () => {
      const { status } = client.getSnapshot();
      return status.status === 'stuck' && status.reason === 'apply-failed';
    }, 60_000);
    expect(client.getSnapshot().diagnostics.lastError).toMatchObject({ kind: 'apply-failed' });
    // The item batches are in, each with its cursor; the batch holding the note is not.
    expect(host.connection.all('SELECT COUNT(*) FROM items')).toEqual([[3 * ROWS_PER_INSERT]]);
    expect(syncMeta(host.connection)).toEqual({ serverSiteId: itemsOnly.siteId, serverCursor: itemsOnly.dbVersion });
    // The loop retries the failing batch; it cannot turn green.
    const attempts = client.getSnapshot().diagnostics.connectAttempts;
    await waitFor('another attempt', () => client.getSnapshot().diagnostics.connectAttempts > attempts);
    expect(client.getSnapshot().status).toMatchObject({ status: 'stuck', reason: 'apply-failed' });
    expect(syncMeta(host.connection).serverCursor).toBe(itemsOnly.dbVersion);
    expect(seen.filter(isGreen)).toEqual([]);

    await client.nukeAndResync();
    await waitForStatus(client, 'synced', 60_000);
    expect(tableContents(host.connection)).toEqual(await serverContents(server));
  });
});

describe('remote changes that fail to apply', () => {
  it('leave the client stuck with diagnostics, nothing of the failing batch applied, the cursor unchanged', async () => {
    await execOnServer(server, "INSERT INTO items VALUES (1, 'first', 1)");
    const connection = await openWithSchema(
      "CREATE TABLE items (id INTEGER PRIMARY KEY NOT NULL, title TEXT, qty INTEGER); SELECT crsql_as_crr('items');",
    );
    connections.add(connection);
    const client = await attachTestClient(connection, server);
    clients.push(client);
    client.start();
    await waitForStatus(client, 'synced');
    const before = syncMeta(connection);

    // Live: a change for a table this client does not have.
    await execOnServer(server, "INSERT INTO notes VALUES ('n', 'a note')");
    await waitFor('stuck: apply-failed', () => {
      const { status } = client.getSnapshot();
      return status.status === 'stuck' && status.reason === 'apply-failed';
    });
    const { status, diagnostics } = client.getSnapshot();
    expect(status.status === 'stuck' ? status.diagnostics.lastError : null).toMatchObject({ kind: 'apply-failed', origin: 'client' });
    expect(diagnostics.lastError?.message).toMatch(/notes/);
    expect(syncMeta(connection)).toEqual(before);

    // Caught up again after a restart, the backlog's one batch holds an item and the
    // note: neither is applied, and the item waits with the note.
    await client.stop();
    await execOnServer(server, "INSERT INTO items VALUES (2, 'second', 2)");
    client.start();
    await waitFor('stuck again', () => {
      const { status } = client.getSnapshot();
      return status.status === 'stuck' && status.reason === 'apply-failed';
    });
    expect(connection.all('SELECT id FROM items ORDER BY id')).toEqual([[1]]);
    expect(syncMeta(connection)).toEqual(before);
  });
});
