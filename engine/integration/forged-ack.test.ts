import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncClient } from '../client/sync-client.ts';
import { parseSiteId } from '../protocol/ids.ts';
import { CLOSE_CODES, SITE_SECRET_BYTES } from '../protocol/messages.ts';
import type { RunningSyncServer } from '../server/node-sync-server.ts';
import { openFileDatabase } from '../sqlite/open-file-database.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import { connectRawClient } from '../test-support/node-websocket.ts';
import { helloMessage } from '../test-support/raw-protocol-client.ts';
import { makeDataDir, removeDataDir } from '../test-support/temp-folder.ts';
import {
  attachTestClient,
  openClientConnection,
  serverContents,
  startTestServer,
  tableContents,
  TEST_DATABASE,
  TEST_SCHEMA,
  waitFor,
  waitForStatus,
} from './integration-harness.ts';

/**
 * Issue 10, measurement 4: a client that says hello under another's site id and
 * sends an empty `changes` through 2^53 - 1 used to get that acknowledged; the
 * victim, offline with pending changes, then reconnected green with nothing
 * pending while its rows never reached the server. A site id now needs its
 * secret.
 */

let serverDir: string;
let clientDir: string;
let server: RunningSyncServer;
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
  await server.close();
  removeDataDir(serverDir);
  removeDataDir(clientDir);
});

function siteIdOf(connection: SqliteConnection): ReturnType<typeof parseSiteId> {
  return parseSiteId(String(connection.all('SELECT lower(hex(crsql_site_id()))')[0]?.[0]));
}

function writtenVersion(connection: SqliteConnection): number {
  return Number(connection.all('SELECT MAX(db_version) FROM crsql_changes WHERE site_id = crsql_site_id()')[0]?.[0] ?? 0);
}

/** A client that has synced once (so the server knows its site id and secret), then stopped. */
async function victimSyncedThenStopped(): Promise<{ connection: SqliteConnection; victim: SyncClient }> {
  const connection = await openClientConnection();
  connections.push(connection);
  const victim = await attachTestClient(connection, server);
  clients.push(victim);
  victim.start();
  await waitForStatus(victim, 'synced');
  await victim.stop();
  return { connection, victim };
}

/** Says hello under `victim` with another secret and, without waiting, forges an ack of everything. */
async function attack(victim: ReturnType<typeof parseSiteId>): Promise<{ types: string[]; reason: unknown; close: number }> {
  const attacker = await connectRawClient(server.wsUrl);
  attacker.send(helloMessage(TEST_DATABASE, victim, TEST_SCHEMA, { siteSecret: new Uint8Array(SITE_SECRET_BYTES).fill(0xee) }));
  attacker.send({ type: 'changes', changes: [], throughVersion: Number.MAX_SAFE_INTEGER });
  const close = await attacker.closed.then((event) => event.code, () => -1);
  const received = attacker.received.filter((message) => message.type !== 'ping');
  const reject = received.find((message) => message.type === 'reject');
  return { types: received.map((message) => message.type), reason: reject?.type === 'reject' ? reject.reason : null, close };
}

describe('a hello under another client’s site id', () => {
  it('is refused as site-secret-mismatch, and the victim’s offline rows all reach the server, acknowledged for real', async () => {
    const { connection, victim } = await victimSyncedThenStopped();

    // Offline: four item rows (two columns each) and four notes, 12 changes.
    for (let id = 1; id <= 4; id++) connection.exec('INSERT INTO items VALUES (?, ?, ?)', [id, `offline ${id}`, id]);
    for (let id = 1; id <= 4; id++) connection.exec('INSERT INTO notes VALUES (?, ?)', [`n${id}`, `note ${id}`]);
    victim.notifyLocalCommit();
    await waitFor('12 pending', () => victim.getSnapshot().status.pending.changes === 12);

    const attacked = await attack(siteIdOf(connection));

    victim.start();
    await waitForStatus(victim, 'synced');
    expect(victim.getSnapshot().status.pending).toEqual({ changes: 0, rows: 0 });
    expect(await serverContents(server)).toEqual(tableContents(connection));
    expect(tableContents(connection)).toHaveLength(8);
    // Acknowledged through what it wrote, not through the forged 2^53 - 1.
    const [acked] = connection.all('SELECT acked_local_version FROM greenlight_sync_meta');
    expect(acked).toEqual([writtenVersion(connection)]);
    // The attacker heard only the reject, never an accept or an ack.
    expect(attacked).toEqual({ types: ['reject'], reason: 'site-secret-mismatch', close: CLOSE_CODES.rejected });
  });

  it('stays refused after the server restarts: the secret’s hash is stored in the database', async () => {
    const { connection, victim } = await victimSyncedThenStopped();

    const port = Number(new URL(server.wsUrl).port);
    await server.close();
    server = await startTestServer(serverDir, port);
    expect((await attack(siteIdOf(connection))).reason).toBe('site-secret-mismatch');
    victim.start();
    await waitForStatus(victim, 'synced');
  });

  it('from a copy of the database with another secret shows incompatible: site-secret-mismatch', async () => {
    const path = join(clientDir, 'original.sqlite3');
    const original = await openClientConnection(() => openFileDatabase(path));
    const client = await attachTestClient(original, server);
    client.start();
    await waitForStatus(client, 'synced');
    await client.stop();
    original.close();

    const copyPath = join(clientDir, 'copy.sqlite3');
    copyFileSync(path, copyPath);
    const copy = await openFileDatabase(copyPath);
    connections.push(copy);
    copy.exec('UPDATE greenlight_sync_meta SET site_secret = randomblob(32)');
    const impostor = await attachTestClient(copy, server);
    clients.push(impostor);
    impostor.start();
    await waitForStatus(impostor, 'incompatible');
    expect(impostor.getSnapshot().status).toMatchObject({ status: 'incompatible', reason: 'site-secret-mismatch' });
  });
});
