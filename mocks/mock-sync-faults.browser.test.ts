import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGlobalWebSocket } from '../engine/client/websocket-like.ts';
import type { SiteId } from '../engine/protocol/ids.ts';
import { CLOSE_CODES, type HelloMessage } from '../engine/protocol/messages.ts';
import { TEST_SCHEMA, TestClientDatabase } from '../engine/test-support/test-client-database.ts';
import { helloMessage, RawProtocolClient } from '../engine/test-support/raw-protocol-client.ts';
import { waitUntil } from '../engine/test-support/wait-until.ts';
import { createMockSyncBackend, type MockSyncBackend } from './mock-sync-backend.ts';
import { ABNORMAL_CLOSE_CODE } from './mock-socket-connection.ts';

const DATABASE = 'faults';
const HEARTBEAT_INTERVAL_MS = 50;
const WAIT_MS = 10_000;

describe('mock sync backend faults', () => {
  let backend: MockSyncBackend;
  const sockets: RawProtocolClient[] = [];
  const databases: TestClientDatabase[] = [];

  beforeEach(async () => {
    backend = await createMockSyncBackend({ schema: TEST_SCHEMA, heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS, databases: [DATABASE] });
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    await backend.stop();
    for (const database of databases.splice(0)) database.close();
  });

  async function openSocket(): Promise<RawProtocolClient> {
    const socket = await RawProtocolClient.open(backend.createWebSocket, backend.url);
    sockets.push(socket);
    return socket;
  }

  async function openClientDatabase(): Promise<TestClientDatabase> {
    const database = await TestClientDatabase.open(TEST_SCHEMA);
    databases.push(database);
    return database;
  }

  async function openAccepted(client?: TestClientDatabase): Promise<RawProtocolClient> {
    const socket = await openSocket();
    socket.send(hello((client ?? (await openClientDatabase())).siteId));
    await socket.expect('accept');
    await socket.waitFor('caught-up');
    return socket;
  }

  it('delays frames by the latency in each direction', async () => {
    const socket = await openAccepted();
    backend.faults.latency(150);
    const sentAt = performance.now();
    socket.send({ type: 'ping', sentAt: 1, serverVersion: 0 });
    await socket.waitFor('pong');
    // A lower bound only: the ping waits 150 ms each way, however fast the machine.
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(300);
  });

  it('keeps frames in order when the latency drops while they are in flight', async () => {
    const socket = await openAccepted();
    backend.faults.latency(200);
    socket.send({ type: 'ping', sentAt: 1, serverVersion: 0 });
    backend.faults.latency(0);
    socket.send({ type: 'ping', sentAt: 2, serverVersion: 0 });
    await socket.waitFor('pong', (pong) => pong.sentAt === 2);
    expect(socket.received.filter((message) => message.type === 'pong').map((pong) => pong.sentAt)).toEqual([1, 2]);
  });

  it('drops every open connection abnormally and accepts new ones', async () => {
    const first = await openAccepted();
    const second = await openAccepted();
    expect(backend.openConnections).toBe(2);
    backend.faults.dropConnections();
    expect((await first.closed).code).toBe(ABNORMAL_CLOSE_CODE);
    expect((await second.closed).code).toBe(ABNORMAL_CLOSE_CODE);
    expect(backend.openConnections).toBe(0);
    await openAccepted();
  });

  it('refuses connections while the server is down, and accepts them again once it is up', async () => {
    const connected = await openAccepted();
    backend.faults.serverDown();
    expect((await connected.closed).code).toBe(ABNORMAL_CLOSE_CODE);
    await expect(RawProtocolClient.open(backend.createWebSocket, backend.url)).rejects.toThrow(/closed .* before it opened/);
    backend.faults.serverUp();
    await openAccepted();
  });

  it('on a half-open link keeps the socket open but delivers nothing either way, until it ends', async () => {
    const client = await openClientDatabase();
    const socket = await openAccepted(client);
    await socket.waitFor('ping');
    const versionBefore = (await backend.meta(DATABASE))?.dbVersion;

    backend.faults.halfOpen();
    const receivedBefore = socket.received.length;
    client.writeItems([{ id: 'lost', title: 'Lost', qty: 1 }]);
    socket.send({ type: 'changes', changes: client.localChanges(), throughVersion: client.dbVersion() });
    // The changes frame and at least two heartbeats were swallowed, and the client heard none of it.
    await waitUntil('frames to be lost', () => backend.faults.framesLost >= 3, WAIT_MS);
    expect(socket.received.length).toBe(receivedBefore);
    expect(socket.isOpen).toBe(true);
    expect((await backend.meta(DATABASE))?.dbVersion).toBe(versionBefore);

    backend.faults.endHalfOpen();
    await socket.waitFor('ping');
    expect(socket.isOpen).toBe(true);
  });

  it('commits changes while acks are stalled, and delivers the acks on release', async () => {
    const client = await openClientDatabase();
    const socket = await openAccepted(client);
    backend.faults.stallAcks();
    const versionBefore = (await backend.meta(DATABASE))?.dbVersion ?? 0;
    client.writeItems([{ id: 'stalled', title: 'Stalled', qty: 1 }]);
    socket.send({ type: 'changes', changes: client.localChanges(), throughVersion: client.dbVersion() });

    await waitUntil('the commit', async () => ((await backend.meta(DATABASE))?.dbVersion ?? 0) > versionBefore, WAIT_MS);
    const committed = (await backend.meta(DATABASE))?.dbVersion ?? 0;
    // Frames leave in order: an ack that was not held would arrive before this heartbeat.
    await socket.waitFor('ping', (ping) => ping.serverVersion >= committed);
    expect(socket.received.some((message) => message.type === 'ack')).toBe(false);

    backend.faults.releaseAcks();
    expect(await socket.waitFor('ack')).toEqual({ type: 'ack', committedClientVersion: client.dbVersion() });
  });

  it('flapping closes each connection as soon as it opens', async () => {
    backend.faults.flap();
    const socket = await openSocket();
    expect((await socket.closed).code).toBe(ABNORMAL_CLOSE_CODE);
    expect(socket.received).toEqual([]);
    backend.faults.stopFlapping();
    await openAccepted();
  });

  it('flapping after accept lets the handshake through, then closes', async () => {
    backend.faults.flap('accept');
    const socket = await openSocket();
    socket.send(hello((await openClientDatabase()).siteId));
    await socket.expect('accept');
    expect((await socket.closed).code).toBe(ABNORMAL_CLOSE_CODE);
  });

  it('a schema change closes connections, keeps the data and rejects clients of the old version', async () => {
    await backend.exec(DATABASE, "INSERT INTO items (id, title, qty) VALUES ('kept', 'Kept', 1)");
    const before = await backend.meta(DATABASE);
    const client = await openClientDatabase();
    const socket = await openAccepted(client);
    const version = TEST_SCHEMA.version + 1;
    await backend.changeSchema({ version, migration: "CREATE TABLE notes (id TEXT PRIMARY KEY NOT NULL, body TEXT); SELECT crsql_as_crr('notes');" });
    expect((await socket.closed).code).toBe(CLOSE_CODES.goingAway);

    const old = await openSocket();
    old.send(hello(client.siteId));
    expect(await old.expect('reject')).toMatchObject({ reason: 'schema-mismatch', serverSchemaVersion: version });

    const current = await openSocket();
    current.send(hello(client.siteId, { schemaVersion: version }));
    expect(await current.expect('accept')).toMatchObject({ schemaVersion: version, serverSiteId: before?.siteId, serverVersion: before?.dbVersion });
    await backend.exec(DATABASE, "INSERT INTO notes (id, body) VALUES ('n', 'migrated')");
    expect((await backend.exec(DATABASE, 'SELECT id FROM items')).rows).toEqual([['kept']]);
  });

  it('rebuilds a database with a new identity, closing its connections', async () => {
    const socket = await openAccepted();
    const before = await backend.meta(DATABASE);
    const after = await backend.rebuild(DATABASE);
    expect(after.siteId).not.toBe(before?.siteId);
    expect(after.dbVersion).toBe(0);
    expect((await socket.closed).code).toBe(CLOSE_CODES.normal);
  });

  it('loads a backlog in one transaction and sends it to a new client', async () => {
    const before = (await backend.meta(DATABASE))?.dbVersion ?? 0;
    const result = await backend.loadBacklog(DATABASE, {
      rows: 2000,
      insert: "INSERT INTO items (id, title, qty) SELECT 'book-' || i, ? || i, i FROM backlog",
      params: ['Book '],
    });
    expect(result.dbVersion).toBe(before + 1);
    expect((await backend.exec(DATABASE, "SELECT count(*), max(title) FROM items WHERE title LIKE 'Book %'")).rows).toEqual([[2000, 'Book 999']]);

    const socket = await openSocket();
    socket.send(hello((await openClientDatabase()).siteId));
    const accept = await socket.expect('accept');
    let received = 0;
    for (let message = await socket.next(); message.type === 'changes'; message = await socket.next()) received += message.changes.length;
    expect(received).toBe(accept.backlogChanges);
    expect(received).toBeGreaterThanOrEqual(2000);
  });

  it('stop closes open sockets, restores nothing it did not patch and frees the URL', async () => {
    const socket = await openAccepted();
    const globalSocket = globalThis.WebSocket;
    await backend.stop();
    expect((await socket.closed).code).toBe(CLOSE_CODES.goingAway);
    expect(globalThis.WebSocket).toBe(globalSocket);
    backend = await createMockSyncBackend({ schema: TEST_SCHEMA });
    await openAccepted();
  });

  it('patches the global WebSocket only on request, and restores it on stop', async () => {
    await backend.stop();
    const original = globalThis.WebSocket;
    backend = await createMockSyncBackend({ schema: TEST_SCHEMA, patchGlobalWebSocket: true });
    expect(globalThis.WebSocket).not.toBe(original);
    // The sync client's default factory: whatever WebSocket the page has.
    const socket = await RawProtocolClient.open(createGlobalWebSocket, backend.url);
    sockets.push(socket);
    socket.send(hello((await openClientDatabase()).siteId));
    await socket.expect('accept');
    await backend.stop();
    expect(globalThis.WebSocket).toBe(original);
  });
});

function hello(clientSiteId: SiteId, overrides: Partial<Omit<HelloMessage, 'type'>> = {}): HelloMessage {
  return helloMessage(DATABASE, clientSiteId, TEST_SCHEMA, overrides);
}
