import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeMessage } from '../protocol/codec.ts';
import type { ServerMessage } from '../protocol/messages.ts';
import type { RunningSyncServer } from '../server/node-sync-server.ts';
import { connectRawClient } from '../test-support/node-websocket.ts';
import { helloMessage, RawProtocolClient } from '../test-support/raw-protocol-client.ts';
import { makeDataDir, removeDataDir } from '../test-support/temp-folder.ts';
import { TEST_SCHEMA, TestClientDatabase } from '../test-support/test-client-database.ts';
import { execSql, startTestServer } from '../test-support/test-server-node.ts';
import { waitUntil } from '../test-support/wait-until.ts';
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts';

/**
 * The proxy is itself test equipment: if a mode silently did nothing, every
 * scenario built on it would pass for the wrong reason. These tests speak the
 * protocol through it frame by frame and check each fault really happens.
 */

const DB = 'proxied';

let dataDir: string;
let server: RunningSyncServer | null;
let proxy: FaultProxy;
const sockets: RawProtocolClient[] = [];
const databases: TestClientDatabase[] = [];

beforeEach(async () => {
  dataDir = makeDataDir();
  // Fast server heartbeats, so "nothing crossed" is observed over many would-be frames.
  server = await startTestServer(dataDir, { allowExec: true, heartbeatIntervalMs: 50 });
  proxy = await startFaultProxy({ target: server.wsUrl });
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await proxy.close();
  await server?.close();
  for (const database of databases.splice(0)) database.close();
  removeDataDir(dataDir);
});

async function connect(): Promise<RawProtocolClient> {
  const socket = await connectRawClient(proxy.wsUrl);
  sockets.push(socket);
  return socket;
}

async function openDatabase(): Promise<TestClientDatabase> {
  const database = await TestClientDatabase.open();
  databases.push(database);
  return database;
}

/** Hello through the proxy, read through caught-up. */
async function handshake(socket: RawProtocolClient, database: TestClientDatabase): Promise<void> {
  socket.send(helloMessage(DB, database.siteId, TEST_SCHEMA));
  await socket.expect('accept');
  await socket.expect('caught-up');
}

function sendItem(socket: RawProtocolClient, database: TestClientDatabase, id: string): number {
  const before = database.dbVersion();
  database.writeItems([{ id, title: `title ${id}`, qty: 1 }]);
  const throughVersion = database.dbVersion();
  socket.send({ type: 'changes', changes: database.localChanges(before), throughVersion });
  return throughVersion;
}

async function serverItemIds(): Promise<unknown[]> {
  if (server === null) throw new Error('no server');
  const { rows } = await execSql(server, DB, 'SELECT id FROM items ORDER BY id');
  return rows.map((row) => row[0]);
}

describe('fault proxy', () => {
  it("'pass' forwards the whole conversation both ways and counts it", async () => {
    const socket = await connect();
    const database = await openDatabase();
    await handshake(socket, database);
    const through = sendItem(socket, database, 'a');
    expect(await socket.expect('ack')).toEqual({ type: 'ack', committedClientVersion: through });
    socket.send({ type: 'ping', sentAt: 7, serverVersion: 0 });
    expect((await socket.waitFor('pong')).sentAt).toBe(7);
    expect(await serverItemIds()).toEqual(['a']);
    const stats = proxy.stats();
    expect(stats.connections).toBe(1);
    expect(stats.clientMessages).toMatchObject({ hello: 1, changes: 1, ping: 1 });
    expect(stats.serverMessages).toMatchObject({ accept: 1, 'caught-up': 1, ack: 1, pong: 1 });
  });

  it("'pass' mirrors a server-side close to the client", async () => {
    const socket = await connect();
    await handshake(socket, await openDatabase());
    await server?.close();
    server = null;
    // 1001: the server went away; the client sees the server's own code.
    expect((await socket.closed).code).toBe(1001);
  });

  it("'blackhole' keeps both sockets open and lets nothing through, in either direction", async () => {
    const socket = await connect();
    const database = await openDatabase();
    await handshake(socket, database);
    await socket.waitFor('ping');
    proxy.setMode('blackhole');
    const seen = socket.received.length;
    sendItem(socket, database, 'lost');
    socket.send({ type: 'ping', sentAt: 1, serverVersion: 0 });
    // The server pings every 50 ms: twenty swallowed frames prove frames were on their way.
    await waitUntil('twenty frames swallowed', () => proxy.stats().blackholed >= 20);
    expect(socket.received.length).toBe(seen);
    expect(socket.isOpen).toBe(true);
    expect(proxy.openConnections()).toBe(1);
    expect(await serverItemIds()).toEqual([]);
  });

  it("'blackhole' hides even the server's close: the link is half-open", async () => {
    const socket = await connect();
    await handshake(socket, await openDatabase());
    proxy.setMode('blackhole');
    await server?.close();
    server = null;
    // The proxy's server side is gone; the client cannot know.
    await waitUntil('the server side to close', () => proxy.openUpstreams() === 0);
    expect(socket.isOpen).toBe(true);
    expect(proxy.openConnections()).toBe(1);
  });

  it("'drop-acks' lets the server commit but swallows its acks, and switching back restores them", async () => {
    const socket = await connect();
    const database = await openDatabase();
    await handshake(socket, database);
    proxy.setMode('drop-acks');
    sendItem(socket, database, 'a');
    await waitUntil('the ack to be swallowed', () => proxy.stats().droppedAcks === 1);
    expect(await serverItemIds()).toEqual(['a']);
    // Heartbeats still cross: the link looks alive, only the acks are missing.
    const pingsBefore = proxy.stats().serverMessages.ping ?? 0;
    await waitUntil('heartbeats still forwarded', () => (proxy.stats().serverMessages.ping ?? 0) > pingsBefore);
    expect(socket.received.some((message) => message.type === 'ack')).toBe(false);

    proxy.setMode('pass');
    const through = sendItem(socket, database, 'b');
    expect((await socket.waitFor('ack')).committedClientVersion).toBe(through);
    expect(await serverItemIds()).toEqual(['a', 'b']);
  });

  it("'close-after-accept' delivers the accept, then closes the client's socket", async () => {
    proxy.setMode('close-after-accept');
    const socket = await connect();
    socket.send(helloMessage(DB, (await openDatabase()).siteId, TEST_SCHEMA));
    expect((await socket.next()).type).toBe('accept');
    expect((await socket.closed).code).toBe(1012);
    expect(proxy.stats().closedAfterAccept).toBe(1);
    await waitUntil('the pair to be gone', () => proxy.openConnections() === 0);
  });

  it("'refuse' turns new connections away before the socket opens, and leaves open ones alone", async () => {
    const open = await connect();
    await handshake(open, await openDatabase());
    proxy.setMode('refuse');
    await expect(connectRawClient(proxy.wsUrl)).rejects.toThrow(/503/);
    expect(proxy.stats().refused).toBe(1);
    open.send({ type: 'ping', sentAt: 3, serverVersion: 0 });
    expect((await open.waitFor('pong')).sentAt).toBe(3);

    proxy.setMode('pass');
    const later = await connect();
    await handshake(later, await openDatabase());
  });

  it('bytesPerSecond delivers server frames in order, none before its bytes could have crossed', async () => {
    if (server === null) throw new Error('no server');
    // Ten versions of 30 rows (60 changes each), so the backlog travels in several batches.
    for (let exec = 0; exec < 10; exec++) {
      await execSql(
        server,
        DB,
        `WITH RECURSIVE n(i) AS (SELECT ${exec * 30 + 1} UNION ALL SELECT i + 1 FROM n WHERE i < ${(exec + 1) * 30})
         INSERT INTO items (id, title, qty) SELECT 'row' || i, 'title ' || i, i FROM n`,
      );
    }
    const bytesPerSecond = 50_000;
    proxy.setBytesPerSecond(bytesPerSecond);
    const socket = await connect();
    const sentAt = Date.now();
    socket.send(helloMessage(DB, (await openDatabase()).siteId, TEST_SCHEMA));
    const accept = await socket.expect('accept');
    const conversation: ServerMessage[] = [accept];
    for (;;) {
      const message = await socket.next();
      conversation.push(message);
      if (message.type === 'caught-up') break;
    }
    const elapsed = Date.now() - sentAt;

    const batches = conversation.flatMap((message) => (message.type === 'changes' ? [message] : []));
    expect(conversation.map((message) => message.type)).toEqual(['accept', ...batches.map(() => 'changes'), 'caught-up']);
    expect(batches.length).toBeGreaterThan(2);
    expect(batches.map((batch) => batch.throughVersion)).toEqual([...batches.map((batch) => batch.throughVersion)].sort((x, y) => x - y));
    expect(batches.reduce((sum, batch) => sum + batch.changes.length, 0)).toBe(accept.backlogChanges);
    // The proxy may only be slower than the link (a late timer), never faster.
    const bytes = conversation.reduce((sum, message) => sum + encodeMessage(message).byteLength, 0);
    expect(elapsed).toBeGreaterThanOrEqual(Math.floor((bytes * 1_000) / bytesPerSecond));

    proxy.setBytesPerSecond(null);
    socket.send({ type: 'ping', sentAt: 9, serverVersion: 0 });
    expect((await socket.waitFor('pong')).sentAt).toBe(9);
  });

  it('does not open the client socket when the server is down', async () => {
    await server?.close();
    server = null;
    await expect(connectRawClient(proxy.wsUrl)).rejects.toThrow(/503/);
    expect(proxy.stats()).toMatchObject({ connections: 0, refused: 1 });
  });
});
