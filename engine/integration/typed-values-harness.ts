import { fromSqliteConnection } from '../client/adapters/from-sqlite-connection.ts';
import { attachSyncClient, type SyncClient } from '../client/sync-client.ts';
import type { SqlValue } from '../protocol/messages.ts';
import { sqlValueToJson, type JsonSqlValue } from '../server/http-sql-values.ts';
import { startSyncServer, type RunningSyncServer } from '../server/node-sync-server.ts';
import { openMemoryDatabase } from '../sqlite/open-memory-database.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import { createNodeWebSocket } from '../test-support/node-websocket.ts';
import { FAST_TIMING } from './integration-harness.ts';

/**
 * A schema for values of every storage class: `prices.price` is REAL (its
 * affinity turns an integer into a REAL, as in a bookshop), `cells.v` is
 * declared without a type, so SQLite stores each value with the class it was
 * bound with and nothing but the sync path can change it.
 */
export const VALUES_SCHEMA = {
  name: 'typed-values',
  version: 1,
  sql: `CREATE TABLE IF NOT EXISTS prices (k TEXT PRIMARY KEY NOT NULL, price REAL);
SELECT crsql_as_crr('prices');
CREATE TABLE IF NOT EXISTS cells (id INTEGER PRIMARY KEY NOT NULL, v);
SELECT crsql_as_crr('cells');`,
} as const;

export const VALUES_DATABASE = 'typed';

export function startValuesServer(dataDir: string): Promise<RunningSyncServer> {
  return startSyncServer({ dataDir, schema: VALUES_SCHEMA, port: 0, allowExec: true, heartbeatIntervalMs: 200 });
}

export interface ValuesDevice {
  readonly connection: SqliteConnection;
  readonly client: SyncClient;
}

/** A client on a fresh in-memory database with the values schema, attached but not started. */
export async function attachValuesDevice(server: RunningSyncServer): Promise<ValuesDevice> {
  const connection = await openMemoryDatabase();
  connection.exec(VALUES_SCHEMA.sql);
  const client = await attachSyncClient({
    db: fromSqliteConnection(connection),
    url: server.wsUrl,
    database: VALUES_DATABASE,
    schema: { name: VALUES_SCHEMA.name, version: VALUES_SCHEMA.version },
    createWebSocket: createNodeWebSocket,
    timing: FAST_TIMING,
  });
  return { connection, client };
}

export interface ServerExecResult {
  readonly status: number;
  readonly body: { readonly rows?: JsonSqlValue[][]; readonly dbVersion?: number; readonly error?: { kind: string; message: string } };
}

/** `/exec` with parameters already in their JSON form (see `http-sql-values.ts`). */
export async function execJson(server: RunningSyncServer, sql: string, params: readonly unknown[] = []): Promise<ServerExecResult> {
  const response = await fetch(`${server.httpUrl}/${VALUES_DATABASE}/exec`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sql, params }),
  });
  return { status: response.status, body: (await response.json()) as ServerExecResult['body'] };
}

/** `/exec` that must succeed; values bound in their JS form. */
export async function execValues(server: RunningSyncServer, sql: string, params: readonly SqlValue[] = []): Promise<{ rows: JsonSqlValue[][]; dbVersion: number }> {
  const result = await execJson(server, sql, params.map(sqlValueToJson));
  if (result.status !== 200 || result.body.rows === undefined || result.body.dbVersion === undefined) {
    throw new Error(`exec failed: ${result.status} ${JSON.stringify(result.body)}`);
  }
  return { rows: result.body.rows, dbVersion: result.body.dbVersion };
}

/**
 * Every cell of both tables with its `typeof()`, in the JSON form `/exec` uses, so
 * a local copy and the server's compare exactly (a REAL 1.0 is `{ real: 1 }`,
 * -0.0 is `{ real: "-0" }`, an INTEGER 1 is `1`).
 */
export const TYPED_CONTENTS_SQL = [
  'SELECT k, price, typeof(price) FROM prices ORDER BY k',
  'SELECT id, v, typeof(v) FROM cells ORDER BY id',
] as const;

export function localContents(connection: SqliteConnection): JsonSqlValue[][] {
  return TYPED_CONTENTS_SQL.flatMap((sql) => connection.all(sql).map((row) => row.map(sqlValueToJson)));
}

export async function serverContents(server: RunningSyncServer): Promise<JsonSqlValue[][]> {
  const parts = await Promise.all(TYPED_CONTENTS_SQL.map((sql) => execValues(server, sql)));
  return parts.flatMap((part) => part.rows);
}

export async function serverVersion(server: RunningSyncServer): Promise<number> {
  return (await execValues(server, 'SELECT 1')).dbVersion;
}

/** Green, nothing pending, and everything the server has committed applied here. */
export function settledAt(device: ValuesDevice, version: number): boolean {
  const { status, diagnostics } = device.client.getSnapshot();
  return status.status === 'synced' && status.pending.changes === 0 && diagnostics.appliedServerVersion >= version;
}
