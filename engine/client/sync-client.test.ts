import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeClientMessage, encodeMessage } from '../protocol/codec.ts';
import type { SiteId } from '../protocol/ids.ts';
import type { ClientMessage, ServerMessage } from '../protocol/messages.ts';
import { CLOSE_CODES, DEFAULT_MAX_FRAME_BYTES, PROTOCOL_VERSION, SITE_SECRET_BYTES } from '../protocol/messages.ts';
import { openMemoryDatabase } from '../sqlite/open-memory-database.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import { SwitchableNetwork } from '../test-support/switchable-network.ts';
import { fromSqliteConnection } from './adapters/from-sqlite-connection.ts';
import { attachSyncClient, TICK_INTERVAL_MS, type SyncClient, type SyncClientOptions } from './sync-client.ts';
import { g1WindowMs } from './sync-state-freshness.ts';
import { isGreen } from './sync-status.ts';
import type { WebSocketLike } from './websocket-like.ts';

const SERVER_A = 'a'.repeat(32) as SiteId;
const SERVER_B = 'b'.repeat(32) as SiteId;
const SCHEMA = { name: 'unit', version: 3 };
const TIMING = { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 1_000, backoffInitialMs: 100, backoffMaxMs: 1_000 };

/** A socket the test plays the server for. */
class FakeSocket implements WebSocketLike {
  binaryType = 'blob';
  readyState = 0;
  readonly sent: ClientMessage[] = [];
  closedWith: number | null = null;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { readonly data: unknown }) => void) | null = null;
  onclose: ((event: { readonly code: number; readonly reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  send(data: Uint8Array): void {
    this.sent.push(decodeClientMessage(data));
  }

  close(code?: number): void {
    this.closedWith = code ?? CLOSE_CODES.normal;
    this.readyState = 3;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(message: ServerMessage): void {
    this.onmessage?.({ data: encodeMessage(message).slice().buffer });
  }

  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006, reason: '' });
  }
}

let connection: SqliteConnection;
let sockets: FakeSocket[];
let client: SyncClient;

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await vi.advanceTimersByTimeAsync(0);
}

function accept(serverSiteId: SiteId, committedClientVersion = 0): ServerMessage {
  return {
    type: 'accept',
    serverSiteId,
    schemaName: SCHEMA.name,
    schemaVersion: SCHEMA.version,
    serverVersion: 0,
    committedClientVersion,
    backlogChanges: 0,
    backlogBytes: 0,
    backlogRows: 0,
    maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  };
}

function latest(): FakeSocket {
  const socket = sockets[sockets.length - 1];
  if (socket === undefined) throw new Error('no socket was opened');
  return socket;
}

/** Opens the latest socket and plays a healthy handshake through caught-up. */
async function handshake(serverSiteId: SiteId = SERVER_A): Promise<FakeSocket> {
  const socket = latest();
  socket.open();
  await flush();
  socket.receive(accept(serverSiteId));
  socket.receive({ type: 'caught-up', serverVersion: 0 });
  await flush();
  return socket;
}

/** Replaces the test's client with one whose frames hold 4 KiB, connected and caught up. */
async function restartWithSmallFrames(): Promise<FakeSocket> {
  await client.stop();
  client = await attachSyncClient(clientOptions({ maxFrameBytes: 4096 }));
  client.start();
  await flush();
  return handshake();
}

function clientOptions(overrides: Partial<SyncClientOptions> = {}): SyncClientOptions {
  return {
    db: fromSqliteConnection(connection),
    url: 'ws://test.invalid/sync',
    database: 'unit',
    schema: SCHEMA,
    createWebSocket: () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket;
    },
    timing: TIMING,
    random: () => 0,
    ...overrides,
  };
}

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  connection = await openMemoryDatabase();
  connection.exec("CREATE TABLE items (id INTEGER PRIMARY KEY NOT NULL, title TEXT); SELECT crsql_as_crr('items');");
  sockets = [];
  client = await attachSyncClient(clientOptions());
});

afterEach(async () => {
  await client.stop();
  connection.close();
  vi.useRealTimers();
});

describe('SyncClient connection loop', () => {
  it('says hello with its identity and cursors, then is green once caught up', async () => {
    client.start();
    await flush();
    const socket = await handshake();
    const [hello] = socket.sent;
    expect(hello).toMatchObject({
      type: 'hello',
      protocolVersion: PROTOCOL_VERSION,
      database: 'unit',
      schemaName: 'unit',
      schemaVersion: 3,
      lastServerSiteId: null,
      serverCursor: 0,
    });
    expect(socket.binaryType).toBe('arraybuffer');
    expect(client.getSnapshot().status.status).toBe('synced');
  });

  it('retries after the backoff delay, one socket at a time', async () => {
    client.start();
    await flush();
    latest().drop();
    await flush();
    expect(sockets).toHaveLength(1);
    // random() = 0 gives the fixed half of the first step: 50 ms.
    await vi.advanceTimersByTimeAsync(49);
    expect(sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sockets).toHaveLength(2);
    client.notifyLocalCommit();
    await flush();
    expect(sockets).toHaveLength(2);
  });

  it('sends local commits in whole versions and clears them from pending on ack', async () => {
    client.start();
    await flush();
    const socket = await handshake();
    connection.exec("INSERT INTO items VALUES (1, 'one'), (2, 'two')");
    await flush();
    const sent = socket.sent.find((message) => message.type === 'changes');
    expect(sent).toMatchObject({ type: 'changes', throughVersion: 1 });
    expect(sent?.type === 'changes' ? sent.changes.length : 0).toBe(2);
    expect(client.getSnapshot().status).toMatchObject({ status: 'syncing', pending: { changes: 2, rows: 2 } });
    socket.receive({ type: 'ack', committedClientVersion: 1 });
    await flush();
    expect(client.getSnapshot().status).toMatchObject({ status: 'synced', pending: { changes: 0, rows: 0 } });
  });

  it('sends a transaction too large for a frame in parts, four unacknowledged at most, the last one completing it', async () => {
    // 4 KiB frames: versions are cut at 1 KiB, so 200 rows in one transaction go in several parts.
    const socket = await restartWithSmallFrames();
    connection.exec(
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) INSERT INTO items SELECT i, 'title ' || i FROM n",
    );
    await flush();
    const parts = (): Extract<ClientMessage, { type: 'changes' }>[] =>
      socket.sent.flatMap((message) => (message.type === 'changes' ? [message] : []));
    expect(parts()).toHaveLength(4);
    expect(parts().every((part) => part.throughVersion === 0 && encodeMessage(part).byteLength <= 2048)).toBe(true);

    for (let acked = 0; acked < 20 && parts().at(-1)?.throughVersion !== 1; acked++) {
      socket.receive({ type: 'ack', committedClientVersion: 0 });
      await flush();
    }
    expect(parts().at(-1)?.throughVersion).toBe(1);
    expect(parts().flatMap((part) => part.changes)).toHaveLength(200);
    expect(client.getSnapshot().status).toMatchObject({ pending: { changes: 200, rows: 200 } });
    for (const _part of parts().slice(-4)) socket.receive({ type: 'ack', committedClientVersion: 1 });
    await flush();
    expect(client.getSnapshot().status).toMatchObject({ status: 'synced', pending: { changes: 0, rows: 0 } });
  });

  it('names a local change too large for any frame instead of sending it', async () => {
    const socket = await restartWithSmallFrames();
    connection.exec('INSERT INTO items VALUES (1, ?)', ['x'.repeat(5000)]);
    await flush();
    expect(socket.sent.some((message) => message.type === 'changes')).toBe(false);
    expect(socket.closedWith).toBe(CLOSE_CODES.frameTooLarge);
    expect(client.getSnapshot().diagnostics.lastError).toMatchObject({ kind: 'frame-too-large', message: expect.stringContaining('items.title') });
  });

  it('refuses a server whose identity changed and stops retrying', async () => {
    client.start();
    await flush();
    await handshake(SERVER_A);
    latest().drop();
    await vi.advanceTimersByTimeAsync(TIMING.backoffMaxMs);
    expect(sockets).toHaveLength(2);
    const second = latest();
    second.open();
    await flush();
    expect(second.sent[0]).toMatchObject({ type: 'hello', lastServerSiteId: SERVER_A });
    second.receive(accept(SERVER_B));
    await flush();
    expect(client.getSnapshot().status).toMatchObject({ status: 'incompatible', reason: 'server-rebuilt' });
    expect(second.closedWith).toBe(CLOSE_CODES.rejected);
    await vi.advanceTimersByTimeAsync(TIMING.backoffMaxMs * 5);
    expect(sockets).toHaveLength(2);
  });

  it('closes a silent connection after the heartbeat timeout and reconnects', async () => {
    client.start();
    await flush();
    const socket = await handshake();
    await vi.advanceTimersByTimeAsync(TIMING.heartbeatTimeoutMs + 300);
    expect(socket.closedWith).toBe(CLOSE_CODES.heartbeatLost);
    expect(socket.sent.some((message) => message.type === 'ping')).toBe(true);
    expect(sockets.length).toBeGreaterThanOrEqual(2);
    expect(client.getSnapshot().diagnostics.lastError).toMatchObject({ kind: 'timeout' });
  });

  it('after its own thread was busy, lets the frames that waited arrive before judging the server silent', async () => {
    client.start();
    await flush();
    const socket = await handshake();
    // The thread is blocked for longer than the heartbeat timeout: no tick runs
    // and the server's pong waits in the socket until the block ends.
    vi.setSystemTime(Date.now() + TIMING.heartbeatTimeoutMs * 3);
    await vi.advanceTimersByTimeAsync(TICK_INTERVAL_MS);
    expect(socket.closedWith).toBeNull();
    socket.receive({ type: 'pong', sentAt: 0, serverVersion: 0 });
    await vi.advanceTimersByTimeAsync(TICK_INTERVAL_MS);
    expect(socket.closedWith).toBeNull();
    expect(isGreen(client.getSnapshot().status)).toBe(true);

    // A server that is really silent is still closed, one tick later.
    vi.setSystemTime(Date.now() + TIMING.heartbeatTimeoutMs * 3);
    await vi.advanceTimersByTimeAsync(2 * TICK_INTERVAL_MS);
    expect(socket.closedWith).toBe(CLOSE_CODES.heartbeatLost);
  });

  it('waits for an accept as long as the server keeps pinging, as it does while reading a long backlog', async () => {
    client.start();
    await flush();
    const socket = latest();
    socket.open();
    await flush();
    for (let waited = 0; waited < TIMING.heartbeatTimeoutMs * 3; waited += TIMING.heartbeatTimeoutMs / 2) {
      socket.receive({ type: 'ping', sentAt: waited, serverVersion: 7 });
      await vi.advanceTimersByTimeAsync(TIMING.heartbeatTimeoutMs / 2);
    }
    expect(socket.closedWith).toBeNull();
    expect(client.getSnapshot().status.status).toBe('connecting');
    expect(socket.sent.filter((message) => message.type === 'pong').length).toBeGreaterThan(1);
    socket.receive(accept(SERVER_A));
    socket.receive({ type: 'caught-up', serverVersion: 0 });
    await flush();
    expect(sockets).toHaveLength(1);
    expect(client.getSnapshot().status.status).not.toBe('stuck');
  });

  it('reports a failed apply, keeps nothing of it and closes the connection', async () => {
    client.start();
    await flush();
    const socket = await handshake();
    socket.receive({
      type: 'changes',
      throughVersion: 5,
      changes: [{ table: 'items', pk: new Uint8Array([1, 9, 1]), cid: 'no_such_column', val: 1, colVersion: 1, dbVersion: 5, siteId: new Uint8Array(16).fill(3), cl: 1, seq: 0 }],
    });
    await flush();
    expect(socket.closedWith).toBe(CLOSE_CODES.internal);
    expect(client.getSnapshot().diagnostics.lastError).toMatchObject({ kind: 'apply-failed' });
    expect(connection.all('SELECT server_cursor FROM greenlight_sync_meta')).toEqual([[0]]);
  });

  it('stop closes the socket and cancels every timer', async () => {
    client.start();
    await flush();
    latest().drop();
    await flush();
    await client.stop();
    await vi.advanceTimersByTimeAsync(TIMING.backoffMaxMs * 5);
    expect(sockets).toHaveLength(1);
    expect(client.getSnapshot().status.status).toBe('idle');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('nuke and resync starts over on the fresh database the host hands back', async () => {
    const fresh = await openMemoryDatabase();
    fresh.exec("CREATE TABLE items (id INTEGER PRIMARY KEY NOT NULL, title TEXT); SELECT crsql_as_crr('items');");
    const nuked = await attachSyncClient(clientOptions({ resetDatabase: async () => fromSqliteConnection(fresh) }));
    try {
      nuked.start();
      await flush();
      const before = (await handshake(SERVER_A)).sent[0];
      connection.exec("INSERT INTO items VALUES (1, 'lost')");
      await nuked.nukeAndResync();
      await flush();
      const socket = latest();
      socket.open();
      await flush();
      expect(socket.sent[0]).toMatchObject({ type: 'hello', lastServerSiteId: null, serverCursor: 0 });
      // A new identity: the fresh database's site id, and a new secret with it.
      const after = socket.sent[0];
      if (before?.type !== 'hello' || after?.type !== 'hello') throw new Error('expected two hellos');
      expect(after.clientSiteId).not.toBe(before.clientSiteId);
      expect(after.siteSecret).toHaveLength(SITE_SECRET_BYTES);
      expect(Buffer.from(after.siteSecret).equals(Buffer.from(before.siteSecret))).toBe(false);
      expect(nuked.getSnapshot().status).toMatchObject({ status: 'connecting', pending: { changes: 0, rows: 0 } });
      expect(fresh.all('SELECT server_site_id FROM greenlight_sync_meta')).toEqual([[null]]);
    } finally {
      await nuked.stop();
      fresh.close();
    }
  });

  it('exports unacknowledged changes as JSON-safe values', async () => {
    connection.exec("INSERT INTO items VALUES (9007199254740993, 'big')");
    const exported = await client.exportUnsyncedChanges();
    expect(exported).toMatchObject({ format: 'greenlight-unsynced-changes', formatVersion: 1, database: 'unit' });
    expect(exported.changes).toHaveLength(1);
    expect(exported.changes[0]).toMatchObject({ table: 'items', cid: 'title', val: { text: 'big' } });
    expect(JSON.parse(JSON.stringify(exported))).toEqual(exported);
  });
});

describe('liveness on the loop tick', () => {
  it('a silent socket stops being green within heartbeatTimeoutMs plus one tick, is closed and replaced', async () => {
    client.start();
    await flush();
    const socket = await handshake();
    const lastHeard = Date.now();
    expect(isGreen(client.getSnapshot().status)).toBe(true);
    // Nothing is answered from here on; the client's pings go unanswered.
    await vi.advanceTimersByTimeAsync(TIMING.heartbeatTimeoutMs - 1);
    expect(isGreen(client.getSnapshot().status)).toBe(true);
    expect(socket.closedWith).toBeNull();
    await vi.advanceTimersByTimeAsync(lastHeard + TIMING.heartbeatTimeoutMs + TICK_INTERVAL_MS - Date.now());
    expect(isGreen(client.getSnapshot().status)).toBe(false);
    expect(socket.closedWith).toBe(CLOSE_CODES.heartbeatLost);
    expect(socket.sent.filter((message) => message.type === 'ping').length).toBeGreaterThan(1);
    await vi.advanceTimersByTimeAsync(TIMING.backoffMaxMs);
    expect(sockets.length).toBeGreaterThanOrEqual(2);
  });

  it('shows stuck: heartbeat-lost from the tick that closes a silent socket until the next attempt, through the backoff', async () => {
    await client.stop();
    // random 0: the first retry waits exactly half of backoffInitialMs.
    const timing = { ...TIMING, backoffInitialMs: 1_000, backoffMaxMs: 2_000 };
    client = await attachSyncClient(clientOptions({ timing }));
    const seen: Array<{ at: number; status: string; reason: string | null; attempts: number }> = [];
    client.subscribe(() => {
      const { status, diagnostics } = client.getSnapshot();
      seen.push({ at: Date.now(), status: status.status, reason: 'reason' in status ? status.reason : null, attempts: diagnostics.connectAttempts });
    });
    client.start();
    await flush();
    const socket = await handshake();
    await vi.advanceTimersByTimeAsync(TIMING.heartbeatTimeoutMs + TICK_INTERVAL_MS);
    expect(socket.closedWith).toBe(CLOSE_CODES.heartbeatLost);
    await vi.advanceTimersByTimeAsync(timing.backoffInitialMs);
    expect(sockets).toHaveLength(2);
    const lostIndex = seen.findIndex((record) => record.reason === 'heartbeat-lost');
    expect(lostIndex).toBeGreaterThan(-1);
    const lost = seen[lostIndex]!;
    const nextAttempt = seen.findIndex((record) => record.attempts > lost.attempts);
    expect(nextAttempt).toBeGreaterThan(lostIndex);
    // Everything published from the loss until the next attempt says heartbeat-lost.
    expect(seen.slice(lostIndex, nextAttempt).map((record) => `${record.status}: ${record.reason}`)).toEqual(
      seen.slice(lostIndex, nextAttempt).map(() => 'stuck: heartbeat-lost'),
    );
    expect(seen[nextAttempt]!.at - lost.at).toBe(timing.backoffInitialMs / 2);
    expect(seen[nextAttempt]).toMatchObject({ status: 'disconnected', reason: 'closed' });
  });
});

describe('a stream that lost frames', () => {
  it('is closed when a heartbeat announces a version whose changes never arrived, and caught up again', async () => {
    client.start();
    await flush();
    const socket = await handshake();
    socket.receive({ type: 'changes', changes: [], throughVersion: 4 });
    socket.receive({ type: 'ping', sentAt: 0, serverVersion: 4 });
    await flush();
    expect(socket.closedWith).toBeNull();
    // Version 5's changes were lost on the way; its heartbeat arrives.
    socket.receive({ type: 'ping', sentAt: 0, serverVersion: 5 });
    await flush();
    expect(socket.closedWith).toBe(CLOSE_CODES.protocolError);
    expect(isGreen(client.getSnapshot().status)).toBe(false);
    expect(client.getSnapshot().diagnostics.lastError).toMatchObject({ kind: 'unexpected-message' });
    await vi.advanceTimersByTimeAsync(TIMING.backoffMaxMs);
    const next = latest();
    next.open();
    await flush();
    expect(next.sent[0]).toMatchObject({ type: 'hello', serverCursor: 4 });
  });
});

describe('green windows', () => {
  it('green ends at the instant a window runs out, between ticks, not at the next tick', async () => {
    // G1 needs the server's version heard within its window (freshnessMs less the
    // safety margin): 990 ms, between two ticks.
    const freshnessMs = 1_100;
    const windowMs = g1WindowMs(freshnessMs);
    expect(windowMs % TICK_INTERVAL_MS).not.toBe(0);
    const windowed = await attachSyncClient(clientOptions({ timing: { ...TIMING, heartbeatTimeoutMs: 5_000, freshnessMs } }));
    try {
      windowed.start();
      await flush();
      await handshake();
      const heardAt = Date.now();
      const published: string[] = [];
      windowed.subscribe(() => published.push(windowed.getSnapshot().status.status));
      await vi.advanceTimersByTimeAsync(windowMs);
      // Some publications (the finished progress leaving), all green.
      expect(published.filter((status) => status !== 'synced')).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(Date.now()).toBe(heardAt + windowMs + 1);
      // The deadline timer published it: a view that only listens hears of it too.
      expect(published.at(-1)).toBe('waiting');
      expect(windowed.getSnapshot().status.status).toBe('waiting');
    } finally {
      await windowed.stop();
    }
  });
});

describe('getSnapshot on a stalled clock', () => {
  /** A synced client whose G1 window (the shortest) runs out first. */
  async function syncedWithShortG1(): Promise<{ windowed: SyncClient; heardAt: number; windowMs: number }> {
    const freshnessMs = 1_000;
    const windowed = await attachSyncClient(clientOptions({ timing: { ...TIMING, heartbeatTimeoutMs: 5_000, freshnessMs } }));
    windowed.start();
    await flush();
    await handshake();
    return { windowed, heardAt: Date.now(), windowMs: g1WindowMs(freshnessMs) };
  }

  it('ends green as soon as the window has passed, though no timer has run', async () => {
    const { windowed, heardAt, windowMs } = await syncedWithShortG1();
    try {
      const green = windowed.getSnapshot();
      expect(green.status.status).toBe('synced');
      // The thread was busy: the clock moves on, but neither the tick nor the deadline timer runs.
      vi.setSystemTime(heardAt + windowMs);
      expect(windowed.getSnapshot()).toBe(green);
      vi.setSystemTime(heardAt + windowMs + 1);
      const late = windowed.getSnapshot();
      expect(isGreen(late.status)).toBe(false);
      expect(late.status).toMatchObject({ status: 'waiting', waitingFor: 'server-version' });
      expect(late.progress).toBeNull();
      // Kept: asking again, with or without time passing, gives the same object.
      expect(windowed.getSnapshot()).toBe(late);
      vi.setSystemTime(heardAt + windowMs + 50);
      expect(windowed.getSnapshot()).toBe(late);
    } finally {
      await windowed.stop();
    }
  });

  it('tells subscribers afterwards, from a microtask, never from inside getSnapshot', async () => {
    const { windowed, heardAt, windowMs } = await syncedWithShortG1();
    try {
      const heard: string[] = [];
      windowed.subscribe(() => heard.push(windowed.getSnapshot().status.status));
      vi.setSystemTime(heardAt + windowMs + 1);
      expect(windowed.getSnapshot().status.status).toBe('waiting');
      expect(heard).toEqual([]);
      await Promise.resolve();
      expect(heard).toEqual(['waiting']);
      // The deadline timer, when it finally runs, has nothing left to change or tell.
      await vi.advanceTimersByTimeAsync(0);
      expect(heard).toEqual(['waiting']);
    } finally {
      await windowed.stop();
    }
  });

  it('changes nothing while the windows still hold, and nothing once stopped', async () => {
    const { windowed, heardAt, windowMs } = await syncedWithShortG1();
    const green = windowed.getSnapshot();
    vi.setSystemTime(heardAt + windowMs - 1);
    expect(windowed.getSnapshot()).toBe(green);
    await windowed.stop();
    const stopped = windowed.getSnapshot();
    expect(stopped.status.status).toBe('idle');
    vi.setSystemTime(heardAt + 10 * windowMs);
    expect(windowed.getSnapshot()).toBe(stopped);
  });
});

describe('the online signal', () => {
  const SLOW_BACKOFF = { ...TIMING, backoffInitialMs: 60_000, backoffMaxMs: 60_000 };

  it('offline closes the socket and stops retrying; online reconnects at once, not after the backoff', async () => {
    const signal = new SwitchableNetwork();
    const online = await attachSyncClient(clientOptions({ onlineSignal: signal, timing: SLOW_BACKOFF }));
    try {
      online.start();
      await flush();
      const first = await handshake();
      expect(online.getSnapshot().status.status).toBe('synced');
      signal.set(false);
      await flush();
      expect(first.closedWith).toBe(CLOSE_CODES.normal);
      expect(online.getSnapshot().status).toMatchObject({ status: 'disconnected', reason: 'offline', nextRetryAt: null });
      await vi.advanceTimersByTimeAsync(5 * SLOW_BACKOFF.backoffMaxMs);
      expect(sockets).toHaveLength(1);
      signal.set(true);
      await flush();
      expect(sockets).toHaveLength(2);
      await handshake();
      expect(online.getSnapshot().status.status).toBe('synced');
    } finally {
      await online.stop();
    }
    expect(signal.subscribers).toBe(0);
  });

  it('comes back from a long backoff at once when the network returns', async () => {
    const signal = new SwitchableNetwork();
    const online = await attachSyncClient(clientOptions({ onlineSignal: signal, timing: SLOW_BACKOFF }));
    try {
      online.start();
      await flush();
      latest().drop();
      await flush();
      // The server was unreachable: the next attempt is a minute away.
      expect(online.getSnapshot().status).toMatchObject({ status: 'disconnected', reason: 'server-unreachable' });
      signal.set(false);
      await flush();
      expect(online.getSnapshot().status).toMatchObject({ status: 'disconnected', reason: 'offline', nextRetryAt: null });
      signal.set(true);
      await flush();
      expect(sockets).toHaveLength(2);
    } finally {
      await online.stop();
    }
  });

  it('started offline says offline and opens nothing; a bare isOnline is polled every tick', async () => {
    let isOnline = false;
    const polled = await attachSyncClient(clientOptions({ isOnline: () => isOnline }));
    try {
      polled.start();
      await flush();
      expect(polled.getSnapshot().status).toMatchObject({ status: 'disconnected', reason: 'offline' });
      await vi.advanceTimersByTimeAsync(10 * TIMING.backoffMaxMs);
      expect(sockets).toHaveLength(0);
      isOnline = true;
      await vi.advanceTimersByTimeAsync(TICK_INTERVAL_MS);
      expect(sockets).toHaveLength(1);
      await handshake();
      expect(polled.getSnapshot().status.status).toBe('synced');
    } finally {
      await polled.stop();
    }
  });
});

describe('a nuke that fails', () => {
  it('is stuck with the error, connects nothing until a second nuke succeeds, and rejects', async () => {
    const fresh = await openMemoryDatabase();
    fresh.exec("CREATE TABLE items (id INTEGER PRIMARY KEY NOT NULL, title TEXT); SELECT crsql_as_crr('items');");
    let failure: Error | null = new Error('the disk is full');
    const nuked = await attachSyncClient(
      clientOptions({
        resetDatabase: async () => {
          if (failure !== null) throw failure;
          return fromSqliteConnection(fresh);
        },
      }),
    );
    try {
      nuked.start();
      await flush();
      await handshake();
      await expect(nuked.nukeAndResync()).rejects.toMatchObject({ message: 'the disk is full' });
      expect(nuked.getSnapshot().status).toMatchObject({ status: 'stuck', reason: 'apply-failed' });
      expect(nuked.getSnapshot().diagnostics.lastError).toMatchObject({ message: 'the disk is full' });
      await vi.advanceTimersByTimeAsync(10 * TIMING.backoffMaxMs);
      expect(sockets).toHaveLength(1);
      // A restart cannot trust the database either.
      await nuked.stop();
      expect(nuked.getSnapshot().status.status).toBe('idle');
      nuked.start();
      await flush();
      expect(nuked.getSnapshot().status).toMatchObject({ status: 'stuck', reason: 'apply-failed' });
      expect(sockets).toHaveLength(1);

      failure = null;
      await nuked.nukeAndResync();
      await flush();
      expect(sockets).toHaveLength(2);
      await handshake();
      expect(nuked.getSnapshot().status.status).toBe('synced');
    } finally {
      await nuked.stop();
      fresh.close();
    }
  });
});
