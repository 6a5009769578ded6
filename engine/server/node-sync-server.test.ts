import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { changeWireSize, encodeMessage } from '../protocol/codec.ts';
import { siteIdFromBytes, type SiteId } from '../protocol/ids.ts';
import { CLOSE_CODES, DEFAULT_MAX_FRAME_BYTES, PROTOCOL_VERSION, type Change, type ServerMessage } from '../protocol/messages.ts';
import type { RunningSyncServer, SyncServerOptions } from './node-sync-server.ts';
import { helloMessage, RawProtocolClient } from '../test-support/raw-protocol-client.ts';
import { connectRawClient } from '../test-support/node-websocket.ts';
import { catchUpBatchLimits } from '../protocol/version-batches.ts';
import { TEST_SCHEMA, TestClientDatabase } from '../test-support/test-client-database.ts';
import { makeDataDir, removeDataDir } from '../test-support/temp-folder.ts';
import { execSql, requestJson, startTestServer } from '../test-support/test-server-node.ts';

const DB = 'shop';

interface Meta {
  readonly database: string;
  readonly siteId: SiteId;
  readonly schemaName: string;
  readonly schemaVersion: number;
  readonly dbVersion: number;
}

describe('startSyncServer', () => {
  let dataDir: string;
  let server: RunningSyncServer | undefined;
  const sockets: RawProtocolClient[] = [];
  const clients: TestClientDatabase[] = [];

  async function start(options: Partial<SyncServerOptions> = {}): Promise<RunningSyncServer> {
    await server?.close();
    server = await startTestServer(dataDir, { allowExec: true, ...options });
    return server;
  }

  async function openClient(): Promise<TestClientDatabase> {
    const client = await TestClientDatabase.open();
    clients.push(client);
    return client;
  }

  async function connect(): Promise<RawProtocolClient> {
    if (server === undefined) throw new Error('no server');
    const socket = await connectRawClient(server.wsUrl);
    sockets.push(socket);
    return socket;
  }

  /** Connects, says hello and reads through caught-up; returns the conversation. */
  async function sync(client: TestClientDatabase, overrides: Parameters<typeof helloMessage>[3] = {}): Promise<{ socket: RawProtocolClient; messages: ServerMessage[] }> {
    const socket = await connect();
    socket.send(helloMessage(DB, client.siteId, TEST_SCHEMA, overrides));
    const messages: ServerMessage[] = [];
    for (;;) {
      const message = await socket.next();
      messages.push(message);
      if (message.type === 'caught-up' || message.type === 'reject') return { socket, messages };
    }
  }

  async function meta(database = DB): Promise<Meta> {
    if (server === undefined) throw new Error('no server');
    const response = await requestJson(server, 'GET', `/${database}/meta`);
    expect(response.status).toBe(200);
    return response.body as Meta;
  }

  beforeEach(() => {
    dataDir = makeDataDir();
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    await server?.close();
    server = undefined;
    for (const client of clients.splice(0)) client.close();
    removeDataDir(dataDir);
  });

  describe('handshake', () => {
    it('accepts a new client of a new database and reports it caught up', async () => {
      await start();
      const client = await openClient();
      const { messages } = await sync(client);
      const { siteId } = await meta();
      expect(messages).toEqual([
        {
          type: 'accept',
          serverSiteId: siteId,
          schemaName: TEST_SCHEMA.name,
          schemaVersion: TEST_SCHEMA.version,
          serverVersion: 0,
          committedClientVersion: 0,
          backlogChanges: 0,
          backlogBytes: 0,
          backlogRows: 0,
          maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
        },
        { type: 'caught-up', serverVersion: 0 },
      ]);
    });

    async function expectRejected(socket: RawProtocolClient, messages: ServerMessage[], reason: string): Promise<void> {
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatchObject({
        type: 'reject',
        reason,
        serverProtocolVersion: PROTOCOL_VERSION,
        serverSchemaName: TEST_SCHEMA.name,
        serverSchemaVersion: TEST_SCHEMA.version,
      });
      expect((await socket.closed).code).toBe(CLOSE_CODES.rejected);
    }

    it('rejects another protocol version', async () => {
      await start();
      const { socket, messages } = await sync(await openClient(), { protocolVersion: PROTOCOL_VERSION + 1 });
      await expectRejected(socket, messages, 'protocol-version');
    });

    it('rejects another schema name or version', async () => {
      await start();
      const client = await openClient();
      const wrongName = await sync(client, { schemaName: 'other' });
      await expectRejected(wrongName.socket, wrongName.messages, 'schema-mismatch');
      const wrongVersion = await sync(client, { schemaVersion: TEST_SCHEMA.version + 1 });
      await expectRejected(wrongVersion.socket, wrongVersion.messages, 'schema-mismatch');
    });

    it('rejects a client that knows another server identity, or a cursor without one', async () => {
      await start();
      const client = await openClient();
      const otherServer = await sync(client, { lastServerSiteId: 'ab'.repeat(16) as SiteId });
      await expectRejected(otherServer.socket, otherServer.messages, 'server-rebuilt');
      const cursorWithoutIdentity = await sync(client, { serverCursor: 5 });
      await expectRejected(cursorWithoutIdentity.socket, cursorWithoutIdentity.messages, 'server-rebuilt');
    });

    it('rejects a client that has seen more of this server than the server has', async () => {
      const running = await start();
      await execSql(running, DB, 'SELECT 1');
      const { siteId } = await meta();
      const { socket, messages } = await sync(await openClient(), { lastServerSiteId: siteId, serverCursor: 10 });
      await expectRejected(socket, messages, 'server-rebuilt');
    });

    it('rejects an unknown database when creation is off, and creates nothing', async () => {
      await start({ allowCreate: false });
      const { socket, messages } = await sync(await openClient());
      await expectRejected(socket, messages, 'unknown-database');
      expect((await requestJson(server as RunningSyncServer, 'GET', `/${DB}/meta`)).status).toBe(404);
    });

    it('rejects a database the authorize hook refuses', async () => {
      await start({ authorize: (database) => database !== DB });
      const { socket, messages } = await sync(await openClient());
      await expectRejected(socket, messages, 'forbidden-database');
    });

    it('rejects invalid database names in the hello', async () => {
      await start();
      const client = await openClient();
      for (const name of ['../x', '', 'a'.repeat(65), 'a/b']) {
        const socket = await connect();
        socket.send(helloMessage(name, client.siteId, TEST_SCHEMA));
        await expectRejected(socket, [await socket.next()], 'invalid-database-name');
      }
    });
  });

  describe('catch-up', () => {
    it('streams the backlog in whole versions, sized in the accept, and ends with caught-up', async () => {
      const running = await start();
      // One version of 1,400 changes (700 rows, 2 columns each), then 300 changes
      // in 150 versions of about 8 KiB each: the big version travels whole, the
      // rest in batches sized for a catch-up of 1,700 (the 100-change floor).
      await execSql(
        running,
        DB,
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 700)
         INSERT INTO items (id, title, qty) SELECT 'big' || i, 'title ' || i, i FROM n`,
      );
      for (let i = 0; i < 150; i++) await execSql(running, DB, 'INSERT INTO items (id, title, qty) VALUES (?, ?, ?)', [`small${i}`, 'x'.repeat(8000), i]);
      const { dbVersion } = await meta();

      const { messages } = await sync(await openClient());
      const [accept, ...rest] = messages;
      const batches = rest.slice(0, -1);
      expect(rest.at(-1)).toEqual({ type: 'caught-up', serverVersion: dbVersion });
      const changes: Change[] = batches.flatMap((message) => (message.type === 'changes' ? [...message.changes] : []));
      expect(batches.every((message) => message.type === 'changes')).toBe(true);
      expect(batches.map((message) => (message.type === 'changes' ? message.changes.length : -1))).toEqual([1400, 100, 100, 100]);
      expect(catchUpBatchLimits(1700, DEFAULT_MAX_FRAME_BYTES).maxChanges).toBe(100);
      expect(accept).toMatchObject({ type: 'accept', serverVersion: dbVersion, backlogChanges: 1700, backlogRows: 850 });
      expect(changes).toHaveLength(1700);
      expect(accept?.type === 'accept' ? accept.backlogBytes : 0).toBe(changes.reduce((sum, change) => sum + changeWireSize(change), 0));

      let previousThrough = 0;
      for (const batch of batches) {
        if (batch.type !== 'changes') continue;
        const versions = batch.changes.map((change) => change.dbVersion);
        expect(Math.min(...versions)).toBeGreaterThan(previousThrough);
        expect(batch.throughVersion).toBe(Math.max(...versions));
        previousThrough = batch.throughVersion;
      }
      const versionsInOrder = changes.map((change) => change.dbVersion);
      expect(versionsInOrder).toEqual([...versionsInOrder].sort((x, y) => x - y));
    });

    it('splits a version too large for one frame, each part through the version before it', async () => {
      // Frames of 64 KiB: versions are cut at 16 KiB, so 1,400 changes of about 40 bytes go in parts.
      const running = await start({ maxFrameBytes: 64 * 1024 });
      await execSql(running, DB, "INSERT INTO items (id, title, qty) VALUES ('first', 'First', 1)");
      await execSql(
        running,
        DB,
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 700)
         INSERT INTO items (id, title, qty) SELECT 'big' || i, 'title ' || i, i FROM n`,
      );
      const { dbVersion } = await meta();

      const { messages } = await sync(await openClient());
      const parts = messages.flatMap((message) => (message.type === 'changes' ? [message] : []));
      expect(parts.length).toBeGreaterThan(2);
      for (const part of parts) expect(encodeMessage(part).byteLength).toBeLessThan(20 * 1024);
      // The first part completes version 1 only; later parts hold pieces of the big version.
      expect(parts.map((part) => part.throughVersion)).toEqual([...parts.slice(0, -1).map(() => 1), dbVersion]);
      expect(parts.flatMap((part) => part.changes)).toHaveLength(2 + 1400);
      expect(messages.at(-1)).toEqual({ type: 'caught-up', serverVersion: dbVersion });
    });

    it('keeps a client whose backlog takes a while to read hearing pings before its accept', async () => {
      const running = await start({ heartbeatIntervalMs: 20 });
      // 100,000 changes in 100 versions: a read of several pages.
      for (let version = 0; version < 100; version++) {
        await execSql(
          running,
          DB,
          `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 499)
           INSERT INTO items (id, title, qty) SELECT 'v${version}-' || i, 'title', i FROM n`,
        );
      }
      const client = await openClient();
      const socket = await connect();
      socket.send(helloMessage(DB, client.siteId, TEST_SCHEMA));
      // waitFor skips what comes before the ping: an accept skipped there would fail the expect after.
      await socket.waitFor('ping');
      expect(await socket.expect('accept')).toMatchObject({ backlogChanges: 100_000 });
    });

    it('sends only what is newer than the cursor, and never the client its own changes', async () => {
      const running = await start();
      const client = await openClient();
      const first = await sync(client);
      client.writeItems([{ id: 'mine', title: 'Mine', qty: 1 }]);
      first.socket.send({ type: 'changes', changes: client.localChanges(), throughVersion: client.dbVersion() });
      await first.socket.expect('ack');
      const { siteId, dbVersion: afterMine } = await meta();
      await execSql(running, DB, "INSERT INTO items (id, title, qty) VALUES ('theirs', 'Theirs', 2)");

      const again = await sync(client, { lastServerSiteId: siteId, serverCursor: 0 });
      const changes = again.messages.flatMap((message) => (message.type === 'changes' ? [...message.changes] : []));
      expect(changes.every((change) => siteIdFromBytes(change.siteId) === siteId)).toBe(true);
      expect(changes.length).toBeGreaterThan(0);
      expect(again.messages[0]).toMatchObject({ type: 'accept', committedClientVersion: client.dbVersion() });

      const fromCursor = await sync(client, { lastServerSiteId: siteId, serverCursor: afterMine });
      expect(fromCursor.messages[0]).toMatchObject({ type: 'accept', backlogChanges: changes.length });
    });
  });

  describe('live sync', () => {
    it('acks a client batch after commit and fans it out to the other client with the original site id', async () => {
      const running = await start();
      const a = await openClient();
      const b = await openClient();
      const syncA = await sync(a);
      const syncB = await sync(b);

      a.writeItems([
        { id: 'i1', title: 'Dune', qty: 2 },
        { id: 'i2', title: 'Emma', qty: 5 },
      ]);
      const sent = a.localChanges();
      syncA.socket.send({ type: 'changes', changes: sent, throughVersion: a.dbVersion() });
      expect(await syncA.socket.expect('ack')).toEqual({ type: 'ack', committedClientVersion: a.dbVersion() });
      // The acknowledged data is committed: a separate request sees it.
      expect((await execSql(running, DB, 'SELECT id, title, qty FROM items ORDER BY id')).rows).toEqual([
        ['i1', 'Dune', 2],
        ['i2', 'Emma', 5],
      ]);

      const received = await syncB.socket.expect('changes');
      expect(received.changes).toHaveLength(sent.length);
      expect(received.changes.every((change) => siteIdFromBytes(change.siteId) === a.siteId)).toBe(true);
      expect(received.throughVersion).toBe((await meta()).dbVersion);

      // A hears only that its cursor moved, never its own changes.
      const echo = await syncA.socket.expect('changes');
      expect(echo).toEqual({ type: 'changes', changes: [], throughVersion: received.throughVersion });
    });

    it('fans /exec commits out to connected clients', async () => {
      const running = await start();
      const { socket } = await sync(await openClient());
      const { dbVersion } = await execSql(running, DB, "INSERT INTO items (id, title, qty) VALUES ('x', 'From exec', 9)");
      const received = await socket.expect('changes');
      expect(received.throughVersion).toBe(dbVersion);
      expect(received.changes.map((change) => [change.cid, change.val])).toEqual(
        expect.arrayContaining([
          ['title', 'From exec'],
          ['qty', 9],
        ]),
      );
    });

    it('answers a ping with a pong carrying the server version', async () => {
      const running = await start();
      const { socket } = await sync(await openClient());
      const { dbVersion } = await execSql(running, DB, "INSERT INTO items (id, title, qty) VALUES ('x', 'X', 1)");
      await socket.expect('changes');
      socket.send({ type: 'ping', sentAt: 1234, serverVersion: 0 });
      expect(await socket.expect('pong')).toEqual({ type: 'pong', sentAt: 1234, serverVersion: dbVersion });
    });

    it('sends heartbeats carrying the server version', async () => {
      await start({ heartbeatIntervalMs: 50 });
      const { socket } = await sync(await openClient());
      expect(await socket.waitFor('ping')).toMatchObject({ type: 'ping', serverVersion: 0 });
    });
  });

  describe('reset', () => {
    it('gives the database a new identity, closes its clients, and rejects clients of the old one', async () => {
      const running = await start();
      const client = await openClient();
      const first = await sync(client);
      const before = await meta();
      await execSql(running, DB, "INSERT INTO items (id, title, qty) VALUES ('x', 'X', 1)");

      const reset = await requestJson(running, 'POST', `/${DB}/reset`);
      expect(reset.status).toBe(200);
      const after = reset.body as Meta;
      expect(after.siteId).not.toBe(before.siteId);
      expect(after).toMatchObject({ database: DB, schemaName: TEST_SCHEMA.name, dbVersion: 0 });
      expect(await first.socket.closed).toEqual({ code: CLOSE_CODES.normal, reason: 'reset' });
      expect((await execSql(running, DB, 'SELECT count(*) FROM items')).rows).toEqual([[0]]);

      const { socket, messages } = await sync(client, { lastServerSiteId: before.siteId, serverCursor: 1 });
      expect(messages).toMatchObject([{ type: 'reject', reason: 'server-rebuilt' }]);
      expect((await socket.closed).code).toBe(CLOSE_CODES.rejected);
    });
  });

  describe('HTTP routes', () => {
    it('reports health and 404s unknown databases with a typed error', async () => {
      const running = await start();
      expect(await requestJson(running, 'GET', '/health')).toMatchObject({ status: 200, body: { ok: true, protocolVersion: PROTOCOL_VERSION } });
      expect(await requestJson(running, 'GET', '/nothing/meta')).toMatchObject({ status: 404, body: { error: { kind: 'unknown-database' } } });
    });

    it('refuses exec and reset without --allow-exec or the admin token', async () => {
      const sesame = 'sesame-'.repeat(5);
      const running = await start({ allowExec: false, adminToken: sesame });
      const exec = { body: { sql: 'SELECT 1' } };
      expect(await requestJson(running, 'POST', `/${DB}/exec`, exec)).toMatchObject({ status: 403, body: { error: { kind: 'http' } } });
      expect(await requestJson(running, 'POST', `/${DB}/exec`, { ...exec, token: 'wrong' })).toMatchObject({ status: 403 });
      expect(await requestJson(running, 'POST', `/${DB}/reset`)).toMatchObject({ status: 403 });
      expect(await requestJson(running, 'POST', `/${DB}/exec`, { ...exec, token: sesame })).toMatchObject({ status: 200, body: { rows: [[1]] } });
      expect(await requestJson(running, 'POST', `/${DB}/reset`, { token: sesame })).toMatchObject({ status: 200 });
    });

    it('refuses exec and reset when no token is configured and exec is not allowed', async () => {
      const running = await start({ allowExec: false });
      expect(await requestJson(running, 'POST', `/${DB}/exec`, { body: { sql: 'SELECT 1' }, token: '' })).toMatchObject({ status: 403 });
    });

    it('refuses invalid names, bad JSON and bad SQL with typed errors', async () => {
      const running = await start();
      for (const name of ['..%2Fx', '', 'a'.repeat(65), 'a%2Fb', '%E0%A4%A']) {
        expect(await requestJson(running, 'GET', `/${name}/meta`)).toMatchObject({ status: 400, body: { error: { kind: 'invalid-database-name' } } });
        expect(await requestJson(running, 'POST', `/${name}/exec`, { body: { sql: 'SELECT 1' } })).toMatchObject({
          status: 400,
          body: { error: { kind: 'invalid-database-name' } },
        });
      }
      expect(await requestJson(running, 'POST', `/${DB}/exec`, { rawBody: '{not json' })).toMatchObject({ status: 400, body: { error: { kind: 'http' } } });
      expect(await requestJson(running, 'POST', `/${DB}/exec`, { body: { sql: 'SELEC nonsense' } })).toMatchObject({ status: 400, body: { error: { kind: 'storage' } } });
      expect(await requestJson(running, 'POST', `/${DB}/exec`, { body: { sql: 'SELECT ?', params: [{}] } })).toMatchObject({ status: 400 });
      expect(await requestJson(running, 'POST', `/${DB}/exec`, { rawBody: JSON.stringify({ sql: 'SELECT 1', pad: 'x'.repeat(2 * 1024 * 1024) }) })).toMatchObject({
        status: 413,
      });
    });

    it('round-trips blobs and answers CORS preflights from an allowed origin', async () => {
      const running = await start({ corsOrigins: ['http://localhost:6006'] });
      expect((await execSql(running, DB, 'SELECT ?, x\'0aff\'', [{ blob: '01ab' }])).rows).toEqual([[{ blob: '01ab' }, { blob: '0aff' }]]);
      const preflight = await fetch(`${running.httpUrl}/${DB}/exec`, { method: 'OPTIONS', headers: { origin: 'http://localhost:6006' } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:6006');
      expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    });
  });

  describe('bad frames', () => {
    async function expectOtherClientStillSyncs(other: RawProtocolClient, client: TestClientDatabase, id: string): Promise<void> {
      client.writeItems([{ id, title: id, qty: 1 }]);
      other.send({ type: 'changes', changes: client.localChanges(), throughVersion: client.dbVersion() });
      expect(await other.expect('ack')).toEqual({ type: 'ack', committedClientVersion: client.dbVersion() });
    }

    it('answers an oversized frame with a typed error and closes only that connection', async () => {
      await start({ maxFrameBytes: 64 * 1024 });
      const healthy = await openClient();
      const good = await sync(healthy);
      const bad = await sync(await openClient());
      const frame = new Uint8Array(64 * 1024 + 10);
      frame.set(encodeMessage({ type: 'ping', sentAt: 1, serverVersion: 0 }));
      bad.socket.sendBytes(frame);
      expect(await bad.socket.next()).toMatchObject({ type: 'error', code: 'frame-too-large' });
      expect((await bad.socket.closed).code).toBe(CLOSE_CODES.frameTooLarge);
      await expectOtherClientStillSyncs(good.socket, healthy, 'after-oversized');
    });

    it('answers a malformed frame and a text frame with typed errors and closes only those connections', async () => {
      await start();
      const healthy = await openClient();
      const good = await sync(healthy);
      const garbage = await sync(await openClient());
      garbage.socket.sendBytes(new Uint8Array([MESSAGE_TAG_CHANGES, 0xff, 0xff, 0xff]));
      expect(await garbage.socket.next()).toMatchObject({ type: 'error', code: 'malformed-frame' });
      expect((await garbage.socket.closed).code).toBe(CLOSE_CODES.protocolError);

      const text = await sync(await openClient());
      text.socket.sendText('{"type":"hello"}');
      expect(await text.socket.next()).toMatchObject({ type: 'error', code: 'malformed-frame' });
      expect((await text.socket.closed).code).toBe(CLOSE_CODES.protocolError);

      await expectOtherClientStillSyncs(good.socket, healthy, 'after-garbage');
      expect((await execSql(server as RunningSyncServer, DB, 'SELECT id FROM items')).rows).toEqual([['after-garbage']]);
    });

    it('answers an unknown message tag with unknown-message', async () => {
      await start();
      const socket = await connect();
      socket.sendBytes(new Uint8Array([200, 1, 2, 3]));
      expect(await socket.next()).toMatchObject({ type: 'error', code: 'unknown-message' });
      expect((await socket.closed).code).toBe(CLOSE_CODES.protocolError);
    });
  });

  describe('persistence', () => {
    it('keeps data and identity across a restart on the same folder', async () => {
      const running = await start();
      await execSql(running, DB, "INSERT INTO items (id, title, qty) VALUES ('kept', 'Kept', 1)");
      const before = await meta();
      await running.close();
      server = undefined;

      const restarted = await start();
      expect(await meta()).toEqual(before);
      expect((await execSql(restarted, DB, 'SELECT id FROM items')).rows).toEqual([['kept']]);
      const { messages } = await sync(await openClient(), { lastServerSiteId: before.siteId, serverCursor: before.dbVersion });
      expect(messages).toEqual([expect.objectContaining({ type: 'accept', backlogChanges: 0 }), { type: 'caught-up', serverVersion: before.dbVersion }]);
    });

    it('refuses a second server on a folder in use, and lets one start once the first has closed', async () => {
      const running = await start();
      await execSql(running, DB, "INSERT INTO items (id, title, qty) VALUES ('kept', 'Kept', 1)");
      await expect(startTestServer(dataDir)).rejects.toMatchObject({ kind: 'storage', message: expect.stringContaining('in use') });
      // The refused start changed nothing for the running one.
      expect((await execSql(running, DB, 'SELECT id FROM items')).rows).toEqual([['kept']]);

      await running.close();
      server = undefined;
      const second = await start();
      expect((await execSql(second, DB, 'SELECT id FROM items')).rows).toEqual([['kept']]);
    });
  });
});

const MESSAGE_TAG_CHANGES = 4;
