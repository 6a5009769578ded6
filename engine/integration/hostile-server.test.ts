import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncClient } from '../client/sync-client.ts';
import type { SyncStatus } from '../client/sync-status.ts';
import { parseSiteId } from '../protocol/ids.ts';
import type { AcceptMessage, Change, ServerMessage } from '../protocol/messages.ts';
import { DEFAULT_MAX_FRAME_BYTES } from '../protocol/messages.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import { ScriptedFakeServer, type FakeServerConnection } from '../test-support/scripted-fake-server.ts';
import { waitUntil } from '../test-support/wait-until.ts';
import { attachTestClient, openClientConnection, TEST_SCHEMA, waitFor } from './integration-harness.ts';

/**
 * A client facing a server that says what cannot be true (issue 10, point 4):
 * a bare `ws` server on loopback writes every frame, and the client, on real
 * cr-sqlite, must refuse it with a typed status and believe nothing of it.
 */

const SERVER = parseSiteId('5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e');
const WAIT_MS = 5_000;

let fake: ScriptedFakeServer;
let client: SyncClient;
let connection: SqliteConnection;
const extra: SqliteConnection[] = [];

beforeEach(async () => {
  fake = await ScriptedFakeServer.start();
  connection = await openClientConnection();
  client = await attachTestClient(connection, { wsUrl: fake.url });
});

afterEach(async () => {
  await client.stop();
  connection.close();
  for (const other of extra.splice(0)) other.close();
  await fake.close();
});

function accept(overrides: Partial<AcceptMessage> = {}): AcceptMessage {
  return {
    type: 'accept',
    serverSiteId: SERVER,
    schemaName: TEST_SCHEMA.name,
    schemaVersion: TEST_SCHEMA.version,
    serverVersion: 0,
    committedClientVersion: 0,
    backlogChanges: 0,
    backlogBytes: 0,
    backlogRows: 0,
    maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
    ...overrides,
  };
}

/** Answers the hello of connection `index` with an accept and the backlog, and waits for green. */
async function acceptedAt(serverVersion: number, index = 0): Promise<FakeServerConnection> {
  const link = await fake.connection(index);
  await link.waitFor('hello');
  link.pongVersion = serverVersion;
  link.send(accept({ serverVersion }));
  link.send({ type: 'changes', changes: [], throughVersion: serverVersion });
  link.send({ type: 'caught-up', serverVersion });
  await waitForStatus('synced');
  return link;
}

function waitForStatus(status: SyncStatus['status'], reason?: string): Promise<void> {
  return waitUntil(
    () => `status ${status} ${reason ?? ''} (now ${JSON.stringify(client.getSnapshot().status)}, last error ${client.getSnapshot().diagnostics.lastError?.message})`,
    () => {
      const now = client.getSnapshot().status;
      return now.status === status && (reason === undefined || ('reason' in now && now.reason === reason));
    },
    WAIT_MS,
  );
}

function syncMeta(): { serverCursor: unknown; ackedLocalVersion: unknown } {
  const [row] = connection.all('SELECT server_cursor, acked_local_version FROM greenlight_sync_meta');
  return { serverCursor: row?.[0], ackedLocalVersion: row?.[1] };
}

/** Changes another device really made to `items`, to ride along with a forged one. */
async function foreignItemChanges(): Promise<Change[]> {
  const other = await openClientConnection();
  extra.push(other);
  other.exec("INSERT INTO items VALUES (7, 'from elsewhere', 1)");
  return other
    .all('SELECT "table", pk, cid, val, col_version, db_version, site_id, cl, seq FROM crsql_changes ORDER BY db_version, seq')
    .map(([table, pk, cid, val, colVersion, dbVersion, siteId, cl, seq]) => ({
      table: String(table),
      pk: pk as Uint8Array,
      cid: String(cid),
      val: val ?? null,
      colVersion: Number(colVersion),
      dbVersion: Number(dbVersion),
      siteId: siteId as Uint8Array,
      cl: Number(cl),
      seq: Number(seq),
    }));
}

describe('a client facing a server that acknowledges what was never written', () => {
  it('refuses a live ack above its written version: stuck, server-misbehaved, nothing cleared', async () => {
    client.start();
    const link = await acceptedAt(0);
    connection.exec("INSERT INTO items VALUES (1, 'one', 1), (2, 'two', 2)");
    await link.waitFor('changes');
    await waitFor('4 pending', () => client.getSnapshot().status.pending.changes === 4, WAIT_MS);

    link.send({ type: 'ack', committedClientVersion: Number.MAX_SAFE_INTEGER });
    await waitForStatus('stuck', 'server-misbehaved');
    const { status, diagnostics } = client.getSnapshot();
    expect(status.pending).toEqual({ changes: 4, rows: 2 });
    expect(diagnostics.lastError).toMatchObject({ kind: 'server-misbehaved', origin: 'client' });
    expect(syncMeta().ackedLocalVersion).toBe(0);
    await waitFor('the client to close the connection', () => link.closed, WAIT_MS);
  });

  it('refuses an accept whose committed version is above its written version: incompatible, nothing cleared', async () => {
    connection.exec("INSERT INTO items VALUES (1, 'one', 1), (2, 'two', 2)");
    client.notifyLocalCommit();
    await waitFor('4 pending', () => client.getSnapshot().status.pending.changes === 4, WAIT_MS);
    client.start();
    const link = await fake.connection(0);
    await link.waitFor('hello');
    link.send(accept({ committedClientVersion: 1_000 }));
    await waitForStatus('incompatible', 'acknowledged-unwritten');
    expect(client.getSnapshot().status.pending).toEqual({ changes: 4, rows: 2 });
    expect(syncMeta()).toEqual({ serverCursor: 0, ackedLocalVersion: 0 });
  });
});

describe('a client facing a server whose version goes backwards', () => {
  const backwards: readonly (readonly [string, ServerMessage])[] = [
    ['a ping below the version it announced', { type: 'ping', sentAt: 1, serverVersion: 3 }],
    ['changes through a version below its cursor', { type: 'changes', changes: [], throughVersion: 2 }],
  ];

  it.each(backwards)('refuses %s: stuck, server-misbehaved, the cursor kept', async (_, frame) => {
    client.start();
    const link = await acceptedAt(5);
    expect(syncMeta().serverCursor).toBe(5);
    link.send(frame);
    await waitForStatus('stuck', 'server-misbehaved');
    expect(client.getSnapshot().diagnostics.lastError).toMatchObject({ kind: 'server-misbehaved' });
    expect(syncMeta().serverCursor).toBe(5);
  });

  it('refuses an accept below the cursor it stored under the same identity: incompatible, server-rebuilt', async () => {
    client.start();
    const first = await acceptedAt(5);
    first.close();
    const second = await fake.connection(1);
    const hello = await second.waitFor('hello');
    expect(hello).toMatchObject({ lastServerSiteId: SERVER, serverCursor: 5 });
    second.send(accept({ serverVersion: 2 }));
    await waitForStatus('incompatible', 'server-rebuilt');
    expect(syncMeta().serverCursor).toBe(5);
  });
});

describe('a client facing a server that sends changes for a table it does not have', () => {
  it.each(['no_such_table', 'greenlight_sync_meta'])(
    'refuses the whole message (%s): stuck, apply-failed, nothing applied',
    async (table) => {
      client.start();
      const link = await acceptedAt(0);
      const [real] = await foreignItemChanges();
      if (real === undefined) throw new Error('no foreign change');
      link.send({ type: 'changes', changes: [real, { ...real, table, seq: 1 }], throughVersion: 1 });
      await waitForStatus('stuck', 'apply-failed');
      expect(client.getSnapshot().diagnostics.lastError?.message).toContain(table);
      expect(connection.all('SELECT COUNT(*) FROM items')).toEqual([[0]]);
      expect(syncMeta().serverCursor).toBe(0);
    },
  );
});
