import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SiteId } from '../protocol/ids.ts';
import type { RunningSyncServer, SyncServerOptions } from './node-sync-server.ts';
import { databaseFiles, floodNewDatabases, openFileDescriptors, openFilesUnder } from '../test-support/database-flood.ts';
import { connectRawClient } from '../test-support/node-websocket.ts';
import { helloMessage, type RawProtocolClient } from '../test-support/raw-protocol-client.ts';
import { makeDataDir, removeDataDir } from '../test-support/temp-folder.ts';
import { TEST_SCHEMA } from '../test-support/test-client-database.ts';
import { execSql, requestJson, startTestServer } from '../test-support/test-server-node.ts';
import { waitUntil } from '../test-support/wait-until.ts';

const NAMES = 2000;
const CLIENT = 'c1'.repeat(16) as SiteId;
// Descriptors this test process may open or close meanwhile for its own reasons
// (vitest's workers, a socket still closing); far below one per database.
const FD_SLACK = 8;

describe('database limits', () => {
  let dataDir: string;
  let server: RunningSyncServer | undefined;
  const sockets: RawProtocolClient[] = [];

  async function start(options: Partial<SyncServerOptions>): Promise<RunningSyncServer> {
    server = await startTestServer(dataDir, options);
    return server;
  }

  async function hello(running: RunningSyncServer, database: string): Promise<RawProtocolClient> {
    const socket = await connectRawClient(running.wsUrl);
    sockets.push(socket);
    socket.send(helloMessage(database, CLIENT, TEST_SCHEMA));
    return socket;
  }

  beforeEach(() => {
    dataDir = makeDataDir();
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    await server?.close();
    server = undefined;
    removeDataDir(dataDir);
  });

  it('creates at most maxDatabases databases however many new names a client says hello to', { timeout: 120_000 }, async () => {
    // One database before the flood: the cap counts what the folder already holds.
    const earlier = await start({ allowExec: true });
    await execSql(earlier, 'existing', 'SELECT 1');
    await earlier.close();
    const capped = await start({ maxDatabases: 100, idleDatabaseCloseMs: 200 });
    const fdsBefore = openFileDescriptors();

    const result = await floodNewDatabases(capped.wsUrl, { count: NAMES });

    expect(result.answers).toEqual({ accept: 99, 'unknown-database': NAMES - 99 });
    expect(databaseFiles(dataDir)).toBe(100);
    expect(openFilesUnder(dataDir)).toBeLessThanOrEqual(100);
    const refused = await hello(capped, 'one-more');
    expect(await refused.next()).toMatchObject({ type: 'reject', reason: 'unknown-database', message: expect.stringMatching(/maximum of 100 databases/) });
    // Idle databases are closed: what the flood opened is given back.
    await waitUntil(() => `database files closed (${openFilesUnder(dataDir)} open)`, () => openFilesUnder(dataDir) === 0, 10_000, 50);
    await waitUntil(() => `descriptors back near ${fdsBefore}, now ${openFileDescriptors()}`, () => openFileDescriptors() <= fdsBefore + FD_SLACK, 10_000, 50);
  });

  it('creates nothing and opens no file for new names when creation is off', { timeout: 60_000 }, async () => {
    const running = await start({ allowCreate: false });
    const fdsBefore = openFileDescriptors();

    const result = await floodNewDatabases(running.wsUrl, { count: NAMES });

    expect(result.answers).toEqual({ 'unknown-database': NAMES });
    expect(databaseFiles(dataDir)).toBe(0);
    expect(openFilesUnder(dataDir)).toBe(0);
    await waitUntil(() => `descriptors back near ${fdsBefore}, now ${openFileDescriptors()}`, () => openFileDescriptors() <= fdsBefore + FD_SLACK, 10_000, 50);
  });

  it('counts /exec and /reset creations against maxDatabases too', async () => {
    const running = await start({ allowExec: true, maxDatabases: 1 });
    await execSql(running, 'first', 'SELECT 1');
    const exec = await requestJson(running, 'POST', '/second/exec', { body: { sql: 'SELECT 1' } });
    expect(exec.status).toBe(404);
    expect(exec.body).toMatchObject({ error: { kind: 'unknown-database', message: expect.stringMatching(/maximum of 1 databases/) } });
    expect((await requestJson(running, 'POST', '/second/reset')).status).toBe(404);
    // Re-creating a database that exists is not a new one.
    expect((await requestJson(running, 'POST', '/first/reset')).status).toBe(200);
    expect(databaseFiles(dataDir)).toBe(1);
  });

  it('closes a database nobody uses, giving back its descriptor, and reopens it with its data on the next hello', { timeout: 30_000 }, async () => {
    const running = await start({ allowExec: true, idleDatabaseCloseMs: 300 });
    await execSql(running, 'shop', "INSERT INTO items (id, title, qty) VALUES ('a', 'Kept', 1)");
    const { siteId } = (await requestJson(running, 'GET', '/shop/meta')).body as { siteId: SiteId };
    expect(openFilesUnder(dataDir)).toBe(1);
    await waitUntil(() => `the idle database closed (${openFilesUnder(dataDir)} files open)`, () => openFilesUnder(dataDir) === 0, 5_000, 20);

    const socket = await hello(running, 'shop');
    expect(await socket.next()).toMatchObject({ type: 'accept', serverSiteId: siteId, backlogChanges: 2 });
    const changes = await socket.expect('changes');
    expect(changes.changes.map((change) => change.val)).toContain('Kept');
    await socket.expect('caught-up');
    expect(openFilesUnder(dataDir)).toBe(1);

    // A connected database stays open however long it is quiet, and still fans out.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(openFilesUnder(dataDir)).toBe(1);
    await execSql(running, 'shop', "INSERT INTO items (id, title, qty) VALUES ('b', 'Later', 2)");
    const later = await socket.expect('changes');
    expect(later.changes.map((change) => change.val)).toContain('Later');
    socket.close();
    await waitUntil('the database closed after its last client left', () => openFilesUnder(dataDir) === 0, 5_000, 20);
  });
});
