import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromSqliteConnection } from '../client/adapters/from-sqlite-connection.ts';
import { createSyncClient, type SyncClient } from '../client/sync-client.ts';
import type { SyncStatusName } from '../client/sync-status.ts';
import { siteIdFromBytes, type SiteId } from '../protocol/ids.ts';
import { CLOSE_CODES, PROTOCOL_VERSION, type Change, type HelloMessage } from '../protocol/messages.ts';
import { openMemoryDatabase } from '../sqlite/open-memory-database.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import { helloMessage, RawProtocolClient } from '../test-support/raw-protocol-client.ts';
import { waitUntil } from '../test-support/wait-until.ts';
import { TEST_SCHEMA, TestClientDatabase } from '../test-support/test-client-database.ts';
import type { MakeTransportEnvironment, TransportEnvironment } from './transport-environment.ts';

const DATABASE = 'contract';
// Short, so heartbeats show up within a test; the server default is a second.
const HEARTBEAT_INTERVAL_MS = 100;
const WAIT_MS = 15_000;
// Each poll of the server is an HTTP request.
const POLL_MS = 20;

/**
 * The behaviour every Greenlight transport must show, written once and run
 * against each pair of server and socket (the Node server with `ws` on
 * loopback, the in-browser mock behind mock-socket). Each test gets a fresh
 * server from `makeEnvironment`.
 */
export function runTransportContract(name: string, makeEnvironment: MakeTransportEnvironment): void {
  describe(`transport contract: ${name}`, () => {
    let env: TransportEnvironment;
    const sockets: RawProtocolClient[] = [];
    const clientDatabases: TestClientDatabase[] = [];
    const syncClients: SyncClient[] = [];
    const connections: SqliteConnection[] = [];

    beforeEach(async () => {
      env = await makeEnvironment({ schema: TEST_SCHEMA, heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS });
    });

    afterEach(async () => {
      for (const client of syncClients.splice(0)) await client.stop();
      for (const socket of sockets.splice(0)) socket.close();
      await env.close();
      for (const database of clientDatabases.splice(0)) database.close();
      for (const connection of connections.splice(0)) connection.close();
    });

    async function openSocket(): Promise<RawProtocolClient> {
      const socket = await RawProtocolClient.open(env.createWebSocket, env.url);
      sockets.push(socket);
      return socket;
    }

    async function openClientDatabase(): Promise<TestClientDatabase> {
      const database = await TestClientDatabase.open(TEST_SCHEMA);
      clientDatabases.push(database);
      return database;
    }

    /** A socket whose hello was accepted and whose backlog is through. */
    async function openAccepted(site: SiteId): Promise<RawProtocolClient> {
      const socket = await openSocket();
      socket.send(hello(site));
      await socket.expect('accept');
      await socket.waitFor('caught-up');
      return socket;
    }

    it('accepts a hello with the server identity, its schema and its version, then reports caught-up', async () => {
      await env.exec(DATABASE, "INSERT INTO items (id, title, qty) VALUES ('seed', 'Seed', 1)");
      const meta = await env.meta(DATABASE);
      const client = await openClientDatabase();
      const socket = await openSocket();
      socket.send(hello(client.siteId));
      const accept = await socket.expect('accept');
      expect(accept).toMatchObject({
        serverSiteId: meta.siteId,
        schemaName: TEST_SCHEMA.name,
        schemaVersion: TEST_SCHEMA.version,
        serverVersion: meta.dbVersion,
        committedClientVersion: 0,
      });
      expect(accept.backlogChanges).toBeGreaterThan(0);
      await socket.expect('changes');
      expect(await socket.expect('caught-up')).toEqual({ type: 'caught-up', serverVersion: meta.dbVersion });
    });

    it('rejects a schema mismatch with a typed reason and what the server holds, then closes as rejected', async () => {
      const client = await openClientDatabase();
      const socket = await openSocket();
      socket.send(hello(client.siteId, { schemaVersion: TEST_SCHEMA.version + 1 }));
      expect(await socket.expect('reject')).toMatchObject({
        reason: 'schema-mismatch',
        serverProtocolVersion: PROTOCOL_VERSION,
        serverSchemaName: TEST_SCHEMA.name,
        serverSchemaVersion: TEST_SCHEMA.version,
      });
      expect((await socket.closed).code).toBe(CLOSE_CODES.rejected);
    });

    it('closes the connections of a rebuilt database and rejects a client of its old identity as server-rebuilt', async () => {
      const client = await openClientDatabase();
      const first = await openSocket();
      first.send(hello(client.siteId));
      const accept = await first.expect('accept');
      await first.waitFor('caught-up');
      const rebuilt = await env.reset(DATABASE);
      expect(rebuilt.siteId).not.toBe(accept.serverSiteId);
      expect((await first.closed).code).toBe(CLOSE_CODES.normal);

      const second = await openSocket();
      second.send(hello(client.siteId, { lastServerSiteId: accept.serverSiteId, serverCursor: accept.serverVersion }));
      expect(await second.expect('reject')).toMatchObject({ reason: 'server-rebuilt' });
      expect((await second.closed).code).toBe(CLOSE_CODES.rejected);
    });

    it("acks a client's changes once committed and fans them out to another client with the original site id", async () => {
      const writer = await openClientDatabase();
      const reader = await openClientDatabase();
      const writerSocket = await openAccepted(writer.siteId);
      const readerSocket = await openAccepted(reader.siteId);
      writer.writeItems([
        { id: 'a', title: 'Alpha', qty: 1 },
        { id: 'b', title: 'Beta', qty: 2 },
      ]);
      const sent = writer.localChanges();
      writerSocket.send({ type: 'changes', changes: sent, throughVersion: writer.dbVersion() });

      expect(await writerSocket.expect('ack')).toEqual({ type: 'ack', committedClientVersion: writer.dbVersion() });
      const fanned = await readerSocket.expect('changes');
      expect(fanned.changes.map(changeKey).sort()).toEqual(sent.map(changeKey).sort());
      expect(new Set(fanned.changes.map((change) => siteIdFromBytes(change.siteId)))).toEqual(new Set([writer.siteId]));
      expect(fanned.throughVersion).toBe((await env.meta(DATABASE)).dbVersion);
      const rows = await env.exec(DATABASE, 'SELECT id, title, qty FROM items ORDER BY id');
      expect(rows.rows).toEqual([
        ['a', 'Alpha', 1],
        ['b', 'Beta', 2],
      ]);
    });

    it('sends a server-side change to a connected client under the server identity', async () => {
      const client = await openClientDatabase();
      const socket = await openSocket();
      socket.send(hello(client.siteId));
      const accept = await socket.expect('accept');
      await socket.waitFor('caught-up');
      const result = await env.exec(DATABASE, "INSERT INTO items (id, title, qty) VALUES ('s', 'Server', 7)");
      const changes = await socket.expect('changes');
      expect(changes.throughVersion).toBe(result.dbVersion);
      expect(changes.changes.length).toBeGreaterThan(0);
      for (const change of changes.changes) expect(siteIdFromBytes(change.siteId)).toBe(accept.serverSiteId);
    });

    it('answers a malformed frame with a typed error and closes only that connection', async () => {
      const bad = await openAccepted((await openClientDatabase()).siteId);
      const good = await openAccepted((await openClientDatabase()).siteId);
      bad.sendBytes(new Uint8Array([0xee, 1, 2, 3]));
      expect(await bad.expect('error')).toMatchObject({ code: 'unknown-message' });
      expect((await bad.closed).code).toBe(CLOSE_CODES.protocolError);

      good.send({ type: 'ping', sentAt: 42, serverVersion: 0 });
      expect(await good.waitFor('pong')).toMatchObject({ sentAt: 42 });
      expect(good.isOpen).toBe(true);
    });

    it('refuses a text frame as malformed', async () => {
      const socket = await openAccepted((await openClientDatabase()).siteId);
      socket.sendText('hello?');
      expect(await socket.expect('error')).toMatchObject({ code: 'malformed-frame' });
      expect((await socket.closed).code).toBe(CLOSE_CODES.protocolError);
    });

    it('sends heartbeats carrying the current server version', async () => {
      const socket = await openAccepted((await openClientDatabase()).siteId);
      const { dbVersion } = await env.exec(DATABASE, "INSERT INTO items (id, title, qty) VALUES ('h', 'Heartbeat', 1)");
      expect(dbVersion).toBeGreaterThan(0);
      expect(await socket.waitFor('ping', (ping) => ping.serverVersion === dbVersion)).toMatchObject({ serverVersion: dbVersion });
    });

    it('sends a backlog in whole versions, as announced, then caught-up at the accepted version', async () => {
      // Three versions of 400 rows (800 changes) each: more than one catch-up batch (at most 1000 changes, whole versions).
      for (let version = 1; version <= 3; version++) {
        await env.exec(
          DATABASE,
          `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
           INSERT INTO items (id, title, qty) SELECT ? || '-' || i, 'Book ' || i, i FROM n`,
          [`v${version}`],
        );
      }
      const meta = await env.meta(DATABASE);
      const socket = await openSocket();
      socket.send(hello((await openClientDatabase()).siteId));
      const accept = await socket.expect('accept');
      expect(accept.serverVersion).toBe(meta.dbVersion);

      const batches: { versions: Set<number>; throughVersion: number }[] = [];
      let received = 0;
      let message = await socket.next();
      for (; message.type !== 'caught-up'; message = await socket.next()) {
        if (message.type !== 'changes') throw new Error(`expected changes or caught-up, got ${message.type}`);
        received += message.changes.length;
        batches.push({ versions: new Set(message.changes.map((change) => change.dbVersion)), throughVersion: message.throughVersion });
      }
      expect(batches.length).toBeGreaterThan(1);
      expect(received).toBe(accept.backlogChanges);
      for (const [index, batch] of batches.entries()) {
        expect(batch.throughVersion).toBe(Math.max(...batch.versions));
        // A version never continues into the next batch.
        for (const later of batches.slice(index + 1)) for (const version of later.versions) expect(batch.versions.has(version)).toBe(false);
      }
      expect(batches.at(-1)?.throughVersion).toBe(meta.dbVersion);
      // The message that ended the backlog, not the latest received: once live, a ping may already have followed it.
      expect(message).toEqual({ type: 'caught-up', serverVersion: meta.dbVersion });
    });

    it('brings the real sync client to synced, and carries changes both ways', async () => {
      const connection = await openMemoryDatabase();
      connections.push(connection);
      connection.exec(TEST_SCHEMA.sql);
      await env.exec(DATABASE, "INSERT INTO items (id, title, qty) VALUES ('from-server', 'Server', 1)");
      const client = createSyncClient({
        db: fromSqliteConnection(connection),
        url: env.url,
        database: DATABASE,
        schema: { name: TEST_SCHEMA.name, version: TEST_SCHEMA.version },
        createWebSocket: env.createWebSocket,
        timing: { heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS, backoffInitialMs: 50, backoffMaxMs: 500 },
      });
      syncClients.push(client);
      client.start();
      await waitForStatus(client, 'synced');
      expect(connection.all('SELECT id FROM items')).toEqual([['from-server']]);

      connection.exec("INSERT INTO items (id, title, qty) VALUES ('from-client', 'Client', 2)");
      client.notifyLocalCommit();
      await waitUntil(
        'the server holds the client row',
        async () => {
          const { rows } = await env.exec(DATABASE, "SELECT title FROM items WHERE id = 'from-client'");
          return rows.length === 1;
        },
        WAIT_MS,
        POLL_MS,
      );
      await waitUntil(
        'the client has its ack',
        () => client.getSnapshot().status.status === 'synced' && client.getSnapshot().status.pending.changes === 0,
        WAIT_MS,
        POLL_MS,
      );
    });
  });
}

function hello(clientSiteId: SiteId, overrides: Partial<Omit<HelloMessage, 'type'>> = {}): HelloMessage {
  return helloMessage(DATABASE, clientSiteId, TEST_SCHEMA, overrides);
}

/** A change's identity on the wire, site id included. */
function changeKey(change: Change): string {
  return [change.table, Array.from(change.pk).join('.'), change.cid, String(change.val), change.colVersion, siteIdFromBytes(change.siteId)].join('|');
}

async function waitForStatus(client: SyncClient, status: SyncStatusName): Promise<void> {
  await waitUntil(() => `status ${status} ${JSON.stringify(client.getSnapshot().status)}`, () => client.getSnapshot().status.status === status, WAIT_MS, POLL_MS);
}
