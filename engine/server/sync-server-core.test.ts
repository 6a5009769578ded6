import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ByteWriter } from '../protocol/byte-writer.ts';
import { siteIdFromBytes, siteIdToBytes } from '../protocol/ids.ts';
import { CLOSE_CODES, MESSAGE_TAGS, PROTOCOL_VERSION, type Change } from '../protocol/messages.ts';
import { MemoryDatabaseStore } from './memory-database-store.ts';
import { SyncServerCore } from './sync-server-core.ts';
import { InProcessConnection } from './test-helpers/in-process-connection.ts';
import { ManualTimers } from './test-helpers/manual-timers.ts';
import { helloMessage } from '../test-support/raw-protocol-client.ts';
import { TEST_SCHEMA, TestClientDatabase } from '../test-support/test-client-database.ts';

const HEARTBEAT_MS = 1000;
const IDLE_MS = 3500;

describe('SyncServerCore', () => {
  let store: MemoryDatabaseStore;
  let timers: ManualTimers;
  let core: SyncServerCore;
  const clients: TestClientDatabase[] = [];

  function startCore(): SyncServerCore {
    return new SyncServerCore({ store, schema: TEST_SCHEMA, timers, heartbeatIntervalMs: HEARTBEAT_MS, idleTimeoutMs: IDLE_MS });
  }

  async function openClient(): Promise<TestClientDatabase> {
    const client = await TestClientDatabase.open();
    clients.push(client);
    return client;
  }

  async function connectAccepted(client: TestClientDatabase): Promise<InProcessConnection> {
    const connection = new InProcessConnection(core);
    connection.send(helloMessage('shop', client.siteId, TEST_SCHEMA));
    await connection.settle();
    expect(connection.received.at(-1)?.type).toBe('caught-up');
    return connection;
  }

  beforeEach(() => {
    store = new MemoryDatabaseStore();
    timers = new ManualTimers();
    core = startCore();
  });

  afterEach(async () => {
    await core.close();
    for (const client of clients.splice(0)) client.close();
    store.close();
  });

  it('acks a merge, fans it out with the original site id under new server versions, and moves the sender cursor with an empty batch', async () => {
    const a = await openClient();
    const b = await openClient();
    const connectionA = await connectAccepted(a);
    const connectionB = await connectAccepted(b);
    // Put the server ahead of the client, so that versions it assigns cannot be
    // confused with the client's own.
    for (const id of ['s1', 's2', 's3']) await core.exec('shop' as never, 'INSERT INTO items (id, title, qty) VALUES (?, ?, 1)', [id, id]);
    const serverVersionBefore = (await core.meta('shop' as never))?.dbVersion ?? -1;
    expect(serverVersionBefore).toBe(3);

    a.writeItems([{ id: 'i1', title: 'Dune', qty: 2 }]);
    a.writeItems([{ id: 'i2', title: 'Emma', qty: 1 }]);
    const changes = a.localChanges();
    connectionA.received.length = 0;
    connectionB.received.length = 0;
    connectionA.send({ type: 'changes', changes, throughVersion: a.dbVersion() });
    await connectionA.settle();

    const serverVersion = (await core.meta('shop' as never))?.dbVersion ?? -1;
    expect(connectionA.received).toEqual([
      { type: 'ack', committedClientVersion: 2 },
      { type: 'changes', changes: [], throughVersion: serverVersion },
    ]);
    expect(connectionB.received).toHaveLength(1);
    const fannedOut = connectionB.received[0];
    if (fannedOut?.type !== 'changes') throw new Error(`expected changes, got ${fannedOut?.type}`);
    expect(fannedOut.changes).toHaveLength(changes.length);
    expect(fannedOut.throughVersion).toBe(serverVersion);
    // cr-sqlite records merged changes under server db_versions above every
    // version committed before the merge, which is what fan-out by version needs.
    expect(fannedOut.changes.every((change: Change) => change.dbVersion > serverVersionBefore && change.dbVersion <= serverVersion)).toBe(true);
    expect(fannedOut.changes.every((change) => siteIdFromBytes(change.siteId) === a.siteId)).toBe(true);
  });

  it('rolls back a batch that fails to apply, sends no ack and closes that connection as internal', async () => {
    const a = await openClient();
    const connection = await connectAccepted(a);
    // A valid change the database itself refuses to store.
    await core.exec('shop' as never, "CREATE TRIGGER refuse_boom BEFORE INSERT ON items WHEN NEW.title = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END");
    a.writeItems([{ id: 'i1', title: 'Dune', qty: 2 }]);
    a.writeItems([{ id: 'i2', title: 'boom', qty: 1 }]);
    const changes = a.localChanges();
    connection.received.length = 0;
    connection.send({ type: 'changes', changes, throughVersion: 2 });
    await connection.settle();

    expect(connection.received.map((message) => message.type)).toEqual(['error']);
    expect(connection.received[0]).toMatchObject({ type: 'error', code: 'internal' });
    expect(connection.closedWith?.code).toBe(CLOSE_CODES.internal);
    const check = await core.exec('shop' as never, 'SELECT count(*) FROM items');
    expect(check.rows).toEqual([[0]]);
  });

  it('refuses a frame breaking a change rule whole: invalid-change to the sender, nothing merged, nothing to anyone else', async () => {
    const a = await openClient();
    const b = await openClient();
    const connectionA = await connectAccepted(a);
    const connectionB = await connectAccepted(b);
    a.writeItems([{ id: 'i1', title: 'Dune', qty: 2 }]);
    const [good] = a.localChanges();
    if (good === undefined) throw new Error('no change');
    const deletedRowValue: Change = { ...good, val: 'EVIL', colVersion: 5, cl: 4 };
    connectionA.received.length = 0;
    connectionB.received.length = 0;
    connectionA.send({ type: 'changes', changes: [good, deletedRowValue], throughVersion: 1 });
    await connectionA.settle();

    expect(connectionA.received).toEqual([{ type: 'error', code: 'invalid-change', message: expect.stringMatching(/^rule causal-length: change 1 /) }]);
    expect(connectionA.closedWith?.code).toBe(CLOSE_CODES.protocolError);
    expect((await core.exec('shop' as never, 'SELECT count(*) FROM items')).rows).toEqual([[0]]);
    expect((await core.exec('shop' as never, 'SELECT count(*) FROM greenlight_peers')).rows).toEqual([[0]]);
    expect(connectionB.received).toEqual([]);
    expect(connectionB.closedWith).toBeNull();
  });

  it('refuses changes before an accepted hello as unexpected', async () => {
    const a = await openClient();
    const connection = new InProcessConnection(core);
    connection.send({ type: 'changes', changes: [], throughVersion: 0 });
    await connection.settle();
    expect(connection.received).toMatchObject([{ type: 'error', code: 'unexpected-message' }]);
    expect(connection.closedWith?.code).toBe(CLOSE_CODES.protocolError);
    expect(a.siteId).toBeTruthy();
  });

  it('rejects a hello from another protocol version even when the rest of it is laid out differently', async () => {
    const connection = new InProcessConnection(core);
    // Tag of hello, then a future protocol version as a varint, then bytes this version's hello cannot read.
    connection.handlers.receive(new Uint8Array([MESSAGE_TAGS.hello, PROTOCOL_VERSION + 1, 0xff, 0xff, 0xff]));
    await connection.settle();
    expect(connection.received).toMatchObject([{ type: 'reject', reason: 'protocol-version' }]);
    expect(connection.closedWith?.code).toBe(CLOSE_CODES.rejected);
  });

  it('rejects a protocol 1 hello (no site secret, no frame limit) as protocol-version', async () => {
    const a = await openClient();
    const connection = new InProcessConnection(core);
    const writer = new ByteWriter();
    writer.u8(MESSAGE_TAGS.hello);
    writer.varUint(1);
    writer.text('shop');
    writer.raw(siteIdToBytes(a.siteId));
    writer.text(TEST_SCHEMA.name);
    writer.varUint(TEST_SCHEMA.version);
    writer.u8(0);
    writer.varUint(0);
    connection.handlers.receive(writer.finish());
    await connection.settle();
    expect(connection.received).toMatchObject([{ type: 'reject', reason: 'protocol-version', serverProtocolVersion: PROTOCOL_VERSION }]);
    expect(connection.closedWith?.code).toBe(CLOSE_CODES.rejected);
  });

  it('refuses a second hello', async () => {
    const a = await openClient();
    const connection = await connectAccepted(a);
    connection.send(helloMessage('shop', a.siteId, TEST_SCHEMA));
    await connection.settle();
    expect(connection.received.at(-1)).toMatchObject({ type: 'error', code: 'unexpected-message' });
    expect(connection.closedWith?.code).toBe(CLOSE_CODES.protocolError);
  });

  it('closes a connection that reports an error', async () => {
    const connection = await connectAccepted(await openClient());
    connection.send({ type: 'error', code: 'internal', message: 'client gave up' });
    await connection.settle();
    expect(connection.closedWith?.code).toBe(CLOSE_CODES.protocolError);
  });

  it('pings accepted connections with the server version and answers pings with pongs', async () => {
    const a = await openClient();
    const connection = await connectAccepted(a);
    await core.exec('shop' as never, "INSERT INTO items (id, title, qty) VALUES ('x', 'X', 1)");
    connection.received.length = 0;

    timers.advance(HEARTBEAT_MS);
    const version = (await core.meta('shop' as never))?.dbVersion;
    expect(connection.received).toEqual([{ type: 'ping', sentAt: HEARTBEAT_MS, serverVersion: version }]);

    connection.send({ type: 'ping', sentAt: 42, serverVersion: 0 });
    await connection.settle();
    expect(connection.received.at(-1)).toEqual({ type: 'pong', sentAt: 42, serverVersion: version });
  });

  it('closes a connection that stays silent past the idle timeout, but not one that keeps talking', async () => {
    const silent = await connectAccepted(await openClient());
    const talking = await connectAccepted(await openClient());
    for (let elapsed = 0; elapsed < IDLE_MS + HEARTBEAT_MS; elapsed += HEARTBEAT_MS) {
      timers.advance(HEARTBEAT_MS);
      talking.send({ type: 'pong', sentAt: timers.now(), serverVersion: 0 });
    }
    await talking.settle();
    expect(silent.closedWith?.code).toBe(CLOSE_CODES.heartbeatLost);
    expect(talking.closedWith).toBeNull();
  });

  it('runs no heartbeat timer while it has no connections', async () => {
    expect(timers.activeIntervals).toBe(0);
    const connection = await connectAccepted(await openClient());
    expect(timers.activeIntervals).toBe(1);
    connection.handlers.closed();
    expect(timers.activeIntervals).toBe(0);
  });

  it('keeps data and identity when a new core starts on the same store', async () => {
    await core.exec('shop' as never, "INSERT INTO items (id, title, qty) VALUES ('x', 'X', 1)");
    const before = await core.meta('shop' as never);
    await core.close();
    core = startCore();
    expect(await core.meta('shop' as never)).toEqual(before);
    expect((await core.exec('shop' as never, 'SELECT id FROM items')).rows).toEqual([['x']]);
  });
});
