import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseName } from '../protocol/ids.ts';
import { CLOSE_CODES } from '../protocol/messages.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import type { DatabaseStore } from './database-store.ts';
import { MemoryDatabaseStore } from './memory-database-store.ts';
import { SyncServerCore } from './sync-server-core.ts';
import { InProcessConnection } from './test-helpers/in-process-connection.ts';
import { ManualTimers } from './test-helpers/manual-timers.ts';
import { helloMessage } from '../test-support/raw-protocol-client.ts';
import { TEST_SCHEMA, TestClientDatabase } from '../test-support/test-client-database.ts';

const IDLE_CLOSE_MS = 10_000;
const HANDSHAKE_MS = 3_000;
const DB = 'shop' as DatabaseName;

/** A memory store that counts the connections the core holds open. */
class CountingStore implements DatabaseStore {
  readonly #inner = new MemoryDatabaseStore();
  opens = 0;
  openNow = 0;

  exists(name: DatabaseName): Promise<boolean> {
    return this.#inner.exists(name);
  }

  count(): Promise<number> {
    return this.#inner.count();
  }

  async open(name: DatabaseName): Promise<SqliteConnection> {
    const connection = await this.#inner.open(name);
    this.opens += 1;
    this.openNow += 1;
    let closed = false;
    return {
      ...connection,
      close: () => {
        if (closed) return;
        closed = true;
        this.openNow -= 1;
      },
    };
  }

  delete(name: DatabaseName): Promise<void> {
    return this.#inner.delete(name);
  }

  close(): void {
    this.#inner.close();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('SyncServerCore idle databases and handshake deadline', () => {
  let store: CountingStore;
  let timers: ManualTimers;
  let core: SyncServerCore;
  let client: TestClientDatabase;

  beforeEach(async () => {
    store = new CountingStore();
    timers = new ManualTimers();
    core = new SyncServerCore({
      store,
      schema: TEST_SCHEMA,
      timers,
      heartbeatIntervalMs: 1000,
      idleTimeoutMs: 60_000,
      idleDatabaseCloseMs: IDLE_CLOSE_MS,
      handshakeTimeoutMs: HANDSHAKE_MS,
    });
    client = await TestClientDatabase.open();
  });

  afterEach(async () => {
    await core.close();
    client.close();
    store.close();
  });

  function hello(): InProcessConnection {
    const connection = new InProcessConnection(core);
    connection.send(helloMessage(DB, client.siteId, TEST_SCHEMA));
    return connection;
  }

  it('closes a database once nothing has used it for idleDatabaseCloseMs, counting HTTP use', async () => {
    await core.exec(DB, "INSERT INTO items (id, title, qty) VALUES ('a', 'A', 1)");
    expect(store.openNow).toBe(1);
    timers.advance(IDLE_CLOSE_MS - 1);
    await core.meta(DB);
    // The meta request started the idle clock again.
    timers.advance(IDLE_CLOSE_MS - 1);
    await settle();
    expect(store.openNow).toBe(1);
    timers.advance(1);
    await settle();
    expect(store.openNow).toBe(0);
    expect(store.opens).toBe(1);
  });

  it('keeps a database with a connection open however quiet, and starts the clock when the last one leaves', async () => {
    const connection = hello();
    await connection.settle();
    expect(connection.received.at(-1)?.type).toBe('caught-up');
    for (let elapsed = 0; elapsed < 3 * IDLE_CLOSE_MS; elapsed += 1000) {
      timers.advance(1000);
      connection.send({ type: 'pong', sentAt: timers.now(), serverVersion: 0 });
    }
    await connection.settle();
    expect(connection.closedWith).toBeNull();
    expect(store.openNow).toBe(1);
    connection.handlers.closed();
    timers.advance(IDLE_CLOSE_MS);
    await settle();
    expect(store.openNow).toBe(0);
  });

  it('serves a hello that arrives while the idle close is under way by opening the database again', async () => {
    await core.exec(DB, "INSERT INTO items (id, title, qty) VALUES ('a', 'Kept', 1)");
    const before = await core.meta(DB);
    timers.advance(IDLE_CLOSE_MS);
    // The close is queued behind the name's lock; the hello queues after it.
    const connection = hello();
    await connection.settle();
    expect(connection.types()).toEqual(['accept', 'changes', 'caught-up']);
    expect(connection.received[0]).toMatchObject({ serverSiteId: before?.siteId, serverVersion: before?.dbVersion });
    expect(store.opens).toBe(2);
    expect(store.openNow).toBe(1);
  });

  it('closes a connection that sends no hello in time, even while it keeps pinging', async () => {
    const silent = new InProcessConnection(core);
    const pinging = new InProcessConnection(core);
    for (let elapsed = 0; elapsed < HANDSHAKE_MS; elapsed += 500) {
      timers.advance(500);
      pinging.send({ type: 'ping', sentAt: timers.now(), serverVersion: 0 });
      await pinging.settle();
    }
    const deadline = { code: CLOSE_CODES.handshakeTimeout, reason: `no hello within ${HANDSHAKE_MS} ms` };
    expect(silent.closedWith).toEqual(deadline);
    expect(pinging.closedWith).toEqual(deadline);
    expect(pinging.types()).toContain('pong');
  });

  it('lets a connection that said hello in time live past the handshake deadline', async () => {
    const connection = hello();
    await connection.settle();
    timers.advance(2 * HANDSHAKE_MS);
    expect(connection.closedWith).toBeNull();
    expect(timers.activeTimeouts).toBe(0);
  });
});
