import { afterEach, describe, expect, it } from 'vitest';
import type { SyncClient } from '../client/sync-client.ts';
import { isGreen } from '../client/sync-status.ts';
import { encodeMessage } from '../protocol/codec.ts';
import { REENCODE_GROWTH_BYTES } from '../protocol/frame-limits.ts';
import { parseSiteId } from '../protocol/ids.ts';
import { CLOSE_CODES, type Change } from '../protocol/messages.ts';
import { startSyncServer, type RunningSyncServer } from '../server/node-sync-server.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import { connectRawClient } from '../test-support/node-websocket.ts';
import type { RawProtocolClient } from '../test-support/raw-protocol-client.ts';
import { helloMessage } from '../test-support/raw-protocol-client.ts';
import { makeDataDir, removeDataDir } from '../test-support/temp-folder.ts';
import {
  openClientConnection,
  serverContents,
  StartedClients,
  tableContents,
  TEST_DATABASE,
  TEST_SCHEMA,
  waitFor,
} from './integration-harness.ts';

/**
 * Issue 10, measurement 5: a changes frame of exactly `maxFrameBytes` was
 * acknowledged, and the server's own copy of it for the other clients came out
 * two bytes larger (its version numbers take more bytes), so every client
 * refused it, forever. Limits are now told in the handshake, and neither side
 * makes a frame over the limit it was told.
 */

const LIMIT = 64 * 1024;

let dataDir: string | null = null;
let server: RunningSyncServer;
const clients = new StartedClients();
const extra: SqliteConnection[] = [];
const sockets: RawProtocolClient[] = [];

async function startServer(maxFrameBytes: number): Promise<void> {
  dataDir = makeDataDir();
  server = await startSyncServer({ dataDir, schema: TEST_SCHEMA, allowExec: true, heartbeatIntervalMs: 200, maxFrameBytes });
}

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await clients.stopAll();
  for (const connection of extra.splice(0)) connection.close();
  await server.close();
  if (dataDir !== null) removeDataDir(dataDir);
  dataDir = null;
});

function synced(client: SyncClient): boolean {
  const { status } = client.getSnapshot();
  return status.status === 'synced' && status.pending.changes === 0;
}

/** Every status a client publishes from now on. */
function watch(client: SyncClient): string[] {
  const seen: string[] = [];
  client.subscribe(() => {
    const { status } = client.getSnapshot();
    seen.push(isGreen(status) ? 'green' : status.status);
  });
  return seen;
}

/**
 * A raw client with a database of its own (so the change carries the sender's
 * own site id), accepted, and one note change whose body makes a changes frame
 * of exactly `frameBytes`.
 */
async function rawWriterWithNote(frameBytes: number, maxFrameBytes: number): Promise<{ socket: RawProtocolClient; frame: Uint8Array }> {
  const own = await openClientConnection();
  extra.push(own);
  own.exec("INSERT INTO notes VALUES ('big', '')");
  const [row] = own.all('SELECT "table", pk, cid, val, col_version, db_version, site_id, cl, seq FROM crsql_changes');
  if (row === undefined) throw new Error('no change');
  const [table, pk, cid, , colVersion, dbVersion, siteId, cl, seq] = row;
  const change = (body: string): Change => ({
    table: String(table),
    pk: pk as Uint8Array,
    cid: String(cid),
    val: body,
    colVersion: Number(colVersion),
    dbVersion: Number(dbVersion),
    siteId: siteId as Uint8Array,
    cl: Number(cl),
    seq: Number(seq),
  });
  const frameOf = (body: string): Uint8Array => encodeMessage({ type: 'changes', changes: [change(body)], throughVersion: Number(dbVersion) });
  let length = frameBytes - frameOf('').byteLength;
  // The body's length prefix grows with it; take back what it added.
  while (frameOf('x'.repeat(length)).byteLength > frameBytes) length -= 1;
  const frame = frameOf('x'.repeat(length));
  expect(frame.byteLength).toBe(frameBytes);

  const socket = await connectRawClient(server.wsUrl);
  sockets.push(socket);
  const site = parseSiteId(String(own.all('SELECT lower(hex(crsql_site_id()))')[0]?.[0]));
  socket.send(helloMessage(TEST_DATABASE, site, TEST_SCHEMA, { maxFrameBytes }));
  await socket.expect('accept');
  await socket.waitFor('caught-up');
  return { socket, frame };
}

async function twoGreenClients(maxFrameBytes: number): Promise<readonly [SyncClient, SqliteConnection, SyncClient, SqliteConnection]> {
  const a = await clients.start(server, { maxFrameBytes });
  const b = await clients.start(server, { maxFrameBytes });
  a.connection.exec("INSERT INTO items VALUES (1, 'before', 1)");
  await waitFor('both synced with the first row', () => synced(a.client) && synced(b.client) && tableContents(b.connection).length === 1);
  return [a.client, a.connection, b.client, b.connection];
}

async function allAgree(connections: readonly SqliteConnection[]): Promise<void> {
  await waitFor('every copy equal to the server', async () => {
    const truth = JSON.stringify(await serverContents(server));
    return connections.every((connection) => JSON.stringify(tableContents(connection)) === truth);
  }, 20_000);
}

describe('a client frame of exactly the server’s frame limit', () => {
  it('is refused whole as frame-too-large; two honest clients stay green and a fresh client catches up', async () => {
    await startServer(LIMIT);
    const [a, aDb, b, bDb] = await twoGreenClients(LIMIT);
    const seenA = watch(a);
    const seenB = watch(b);

    const { socket, frame } = await rawWriterWithNote(LIMIT, LIMIT);
    socket.sendBytes(frame);
    expect(await socket.expect('error')).toMatchObject({ code: 'frame-too-large' });
    expect((await socket.closed).code).toBe(CLOSE_CODES.frameTooLarge);

    // The honest clients keep syncing, green throughout.
    aDb.exec("INSERT INTO items VALUES (2, 'after', 2)");
    await waitFor('the row after, everywhere', () => synced(a) && synced(b) && tableContents(bDb).length === 2);
    expect(await serverContents(server)).toEqual(tableContents(aDb));
    expect(await serverContents(server)).toHaveLength(2);
    const fresh = await clients.start(server, { maxFrameBytes: LIMIT });
    await waitFor('the fresh client synced', () => synced(fresh.client));
    await allAgree([aDb, bDb, fresh.connection]);
    expect(seenA.filter((status) => status !== 'green')).toEqual([]);
    expect(seenB.filter((status) => status !== 'green')).toEqual([]);
  });

  it('minus the re-encoding growth is accepted, and the server delivers it to everyone within the limit', async () => {
    await startServer(LIMIT);
    const [a, aDb, b, bDb] = await twoGreenClients(LIMIT);
    const seenA = watch(a);
    const seenB = watch(b);

    const { socket, frame } = await rawWriterWithNote(LIMIT - REENCODE_GROWTH_BYTES, LIMIT);
    socket.sendBytes(frame);
    await socket.expect('ack');

    const fresh = await clients.start(server, { maxFrameBytes: LIMIT });
    await waitFor('the fresh client synced', () => synced(fresh.client));
    await allAgree([aDb, bDb, fresh.connection]);
    expect(tableContents(fresh.connection)).toHaveLength(2);
    expect(seenA.filter((status) => status !== 'green')).toEqual([]);
    expect(seenB.filter((status) => status !== 'green')).toEqual([]);
  });
});

describe('frame limits told in the handshake', () => {
  it('let a client with a larger and one with a smaller limit than the server sync a large transaction each way', async () => {
    await startServer(1024 * 1024);
    const large = await clients.start(server);
    const small = await clients.start(server, { maxFrameBytes: 32 * 1024 });
    await waitFor('both synced', () => synced(large.client) && synced(small.client));

    // About 500 KB in one transaction: one frame for a client that only knew its own 16 MiB.
    large.connection.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
      INSERT INTO items (id, title, qty) SELECT i, printf('%0200d', i), i FROM n`);
    small.connection.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
      INSERT INTO notes (key, body) SELECT 'k' || i, printf('%0200d', i) FROM n`);
    await waitFor('both synced with everything', () => synced(large.client) && synced(small.client) && tableContents(small.connection).length === 3000, 20_000);
    await allAgree([large.connection, small.connection]);
  });

  it('keep the server from sending a client a change larger than the client’s limit: it closes that connection instead', async () => {
    await startServer(LIMIT);
    const writer = await clients.start(server, { maxFrameBytes: LIMIT });
    const socket = await connectRawClient(server.wsUrl);
    sockets.push(socket);
    const own = await openClientConnection();
    extra.push(own);
    const site = parseSiteId(String(own.all('SELECT lower(hex(crsql_site_id()))')[0]?.[0]));
    socket.send(helloMessage(TEST_DATABASE, site, TEST_SCHEMA, { maxFrameBytes: 1024 }));
    await socket.expect('accept');
    await socket.waitFor('caught-up');

    writer.connection.exec("INSERT INTO notes VALUES ('long', ?)", ['y'.repeat(10_000)]);
    expect(await socket.expect('error')).toMatchObject({ code: 'internal', message: expect.stringMatching(/at most 1024/) });
    expect(socket.received.filter((message) => message.type === 'changes')).toEqual([]);
    await waitFor('the writer synced', () => synced(writer.client));
  });
});
