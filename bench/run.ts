/**
 * Greenlight's sync benchmark: `npm run bench`.
 *
 * (a) a fresh client's catch-up of 100k changes over loopback (real server, real
 *     client, synchronous cr-sqlite build), against (b) a bare batched apply of the
 *     same changes in this runtime: the ratio shows what the protocol, the cursor
 *     bookkeeping and the pending tracker cost on top of cr-sqlite's own merge.
 * (c) the time to update the pending count after one small local commit, with 10k
 *     and with 1M changes already in the database: it must not grow with the database.
 * (d) one local transaction too large for a frame (200k changes, about 9 MB), from
 *     its commit until the server has acknowledged all of it, sent in parts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { fromSqliteConnection } from '../engine/client/adapters/from-sqlite-connection.ts';
import { insertChanges } from '../engine/client/apply-server-changes.ts';
import { CHANGE_COLUMNS, changeFromRow } from '../engine/client/change-rows.ts';
import { countLocalCommits } from '../engine/client/pending-tracker.ts';
import { attachSyncClient, type SyncClient } from '../engine/client/sync-client.ts';
import { ensureSyncMetadata } from '../engine/client/sync-metadata.ts';
import type { WebSocketLike } from '../engine/client/websocket-like.ts';
import { startSyncServer, type RunningSyncServer } from '../engine/server/node-sync-server.ts';
import { openMemoryDatabase } from '../engine/sqlite/open-memory-database.ts';
import type { SqliteConnection } from '../engine/sqlite/sqlite-connection.ts';
import { readWrittenDbVersion } from '../engine/sqlite/written-db-version.ts';

const CATCH_UP_ROWS = 50_000; // two columns each: 100k changes
const UPLOAD_ROWS = 100_000; // two columns each: 200k changes in one transaction
const PENDING_SIZES = [10_000, 1_000_000] as const;
const PENDING_COMMITS = 21;
const PENDING_COLUMNS = 4;

const SCHEMA = {
  name: 'bench',
  version: 1,
  sql: `CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY NOT NULL, title TEXT, qty INTEGER);
SELECT crsql_as_crr('items');
CREATE TABLE IF NOT EXISTS wide (id INTEGER PRIMARY KEY NOT NULL, a, b, c, d);
SELECT crsql_as_crr('wide');`,
};

interface Row {
  readonly measure: string;
  readonly value: string;
  readonly note: string;
}

async function openWithSchema(): Promise<SqliteConnection> {
  const connection = await openMemoryDatabase();
  connection.exec(SCHEMA.sql);
  return connection;
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`bench step timed out after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Runs `body` against a sync server on a temporary folder, removed afterwards. */
async function withServer<T>(body: (server: RunningSyncServer) => Promise<T>): Promise<T> {
  const dataDir = await mkdtemp(join(tmpdir(), 'greenlight-bench-'));
  const server = await startSyncServer({ dataDir, schema: SCHEMA, port: 0, allowExec: true });
  try {
    return await body(server);
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function attachBenchClient(connection: SqliteConnection, server: RunningSyncServer): Promise<SyncClient> {
  return attachSyncClient({
    db: fromSqliteConnection(connection),
    url: server.wsUrl,
    database: 'bench',
    schema: { name: SCHEMA.name, version: SCHEMA.version },
    createWebSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
  });
}

async function catchUp(): Promise<{ rate: number; seconds: number; connection: SqliteConnection; changes: number }> {
  return withServer(async (server) => {
    const response = await fetch(`${server.httpUrl}/bench/exec`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        sql: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${CATCH_UP_ROWS})
              INSERT INTO items SELECT i, 'title number ' || i, i * 7 FROM n`,
      }),
    });
    if (!response.ok) throw new Error(`could not seed the server: ${response.status} ${await response.text()}`);
    const connection = await openWithSchema();
    const client = await attachBenchClient(connection, server);
    const started = performance.now();
    client.start();
    await waitUntil(() => client.getSnapshot().status.status === 'synced', 120_000);
    const seconds = (performance.now() - started) / 1000;
    await client.stop();
    const changes = Number(connection.all('SELECT COUNT(*) FROM crsql_changes')[0]?.[0]);
    return { rate: changes / seconds, seconds, connection, changes };
  });
}

async function largeUpload(): Promise<{ rate: number; seconds: number; changes: number }> {
  return withServer(async (server) => {
    const connection = await openWithSchema();
    try {
      const client = await attachBenchClient(connection, server);
      client.start();
      await waitUntil(() => client.getSnapshot().status.status === 'synced', 60_000);
      const started = performance.now();
      connection.exec(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${UPLOAD_ROWS})
         INSERT INTO items SELECT i, 'title number ' || i, i * 7 FROM n`,
      );
      // Acknowledged means the client stored the server's ack of the commit's version.
      const committed = readWrittenDbVersion(connection);
      const acked = (): number => Number(connection.all('SELECT acked_local_version FROM greenlight_sync_meta')[0]?.[0]);
      await waitUntil(() => acked() >= committed, 300_000);
      const seconds = (performance.now() - started) / 1000;
      await client.stop();
      const changes = UPLOAD_ROWS * 2;
      return { rate: changes / seconds, seconds, changes };
    } finally {
      connection.close();
    }
  });
}

async function bareApply(source: SqliteConnection): Promise<{ rate: number; seconds: number }> {
  const changes = source.all(`SELECT ${CHANGE_COLUMNS} FROM crsql_changes ORDER BY db_version, seq`).map(changeFromRow);
  const target = await openWithSchema();
  const db = fromSqliteConnection(target);
  const started = performance.now();
  await db.transaction((tx) => insertChanges(tx, changes));
  const seconds = (performance.now() - started) / 1000;
  target.close();
  return { rate: changes.length / seconds, seconds };
}

/** Median time to count one 3-row local commit with `existing` changes already in the database. */
async function pendingUpdate(existing: number): Promise<number> {
  const connection = await openWithSchema();
  const rows = existing / PENDING_COLUMNS;
  const perTransaction = 50_000;
  for (let from = 0; from < rows; from += perTransaction) {
    const to = Math.min(rows, from + perTransaction);
    connection.exec(
      `WITH RECURSIVE n(i) AS (SELECT ${from + 1} UNION ALL SELECT i + 1 FROM n WHERE i < ${to})
       INSERT INTO wide SELECT i, i, 'b' || i, i * 2, 'd' FROM n`,
    );
  }
  const db = fromSqliteConnection(connection);
  await ensureSyncMetadata(db);
  // The existing changes were synced long ago: the tracker starts from there.
  const baseline = readWrittenDbVersion(connection);
  connection.exec('UPDATE greenlight_sync_meta SET acked_local_version = ?, counted_local_version = ? WHERE id = 1', [baseline, baseline]);
  const timings: number[] = [];
  for (let commit = 0; commit < PENDING_COMMITS; commit++) {
    const id = rows + commit * 3;
    connection.exec('INSERT INTO wide VALUES (?, 1, 2, 3, 4), (?, 1, 2, 3, 4), (?, 1, 2, 3, 4)', [id + 1, id + 2, id + 3]);
    const started = performance.now();
    await db.transaction((tx) => countLocalCommits(tx));
    timings.push(performance.now() - started);
  }
  const pending = connection.all('SELECT pending_changes FROM greenlight_sync_meta')[0]?.[0];
  if (Number(pending) !== PENDING_COMMITS * 3 * PENDING_COLUMNS) throw new Error(`pending count is ${String(pending)}, expected ${PENDING_COMMITS * 3 * PENDING_COLUMNS}`);
  connection.close();
  timings.sort((x, y) => x - y);
  return timings[Math.floor(timings.length / 2)] ?? Number.NaN;
}

function format(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function printTable(rows: readonly Row[]): void {
  const widths = [
    Math.max(7, ...rows.map((row) => row.measure.length)),
    Math.max(5, ...rows.map((row) => row.value.length)),
    Math.max(4, ...rows.map((row) => row.note.length)),
  ] as const;
  const line = (cells: readonly [string, string, string]): string =>
    `| ${cells[0].padEnd(widths[0])} | ${cells[1].padStart(widths[1])} | ${cells[2].padEnd(widths[2])} |`;
  console.log(line(['measure', 'value', 'note']));
  console.log(`|${'-'.repeat(widths[0] + 2)}|${'-'.repeat(widths[1] + 2)}|${'-'.repeat(widths[2] + 2)}|`);
  for (const row of rows) console.log(line([row.measure, row.value, row.note]));
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(`Greenlight bench (Node ${process.version}, synchronous cr-sqlite build)\n`);
  const a = await catchUp();
  const b = await bareApply(a.connection);
  a.connection.close();
  const small = await pendingUpdate(PENDING_SIZES[0]);
  const large = await pendingUpdate(PENDING_SIZES[1]);
  const d = await largeUpload();
  const ratio = a.rate / b.rate;
  const growth = large / small;
  printTable([
    { measure: '(a) catch-up over loopback', value: `${format(a.rate)} changes/s`, note: `${format(a.changes)} changes in ${format(a.seconds, 2)} s` },
    { measure: '(b) bare batched apply', value: `${format(b.rate)} changes/s`, note: `same changes in ${format(b.seconds, 2)} s` },
    { measure: 'a / b', value: format(ratio, 2), note: `target >= 0.5: ${ratio >= 0.5 ? 'met' : 'MISSED'}` },
    { measure: '(c) pending update, 10k changes', value: `${format(small, 3)} ms`, note: `median of ${PENDING_COMMITS} commits of 3 rows` },
    { measure: '(c) pending update, 1M changes', value: `${format(large, 3)} ms`, note: `median of ${PENDING_COMMITS} commits of 3 rows` },
    { measure: '1M / 10k', value: format(growth, 2), note: `target <= 2: ${growth <= 2 ? 'met' : 'MISSED'}` },
    { measure: '(d) one large local transaction', value: `${format(d.rate)} changes/s`, note: `${format(d.changes)} changes, commit to acknowledged in ${format(d.seconds, 2)} s` },
  ]);
  console.log(`\ntotal ${format((performance.now() - started) / 1000, 1)} s`);
}

await main();
