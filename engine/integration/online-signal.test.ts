import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncClient } from '../client/sync-client.ts';
import { isGreen } from '../client/sync-status.ts';
import type { RunningSyncServer } from '../server/node-sync-server.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import { SwitchableNetwork } from '../test-support/switchable-network.ts';
import { makeDataDir, removeDataDir } from '../test-support/temp-folder.ts';
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts';
import {
  attachTestClient,
  FAST_TIMING,
  openClientConnection,
  startTestServer,
  waitFor,
  waitForStatus,
} from './integration-harness.ts';

/**
 * The network and the server's liveness against the real server on loopback:
 * offline vs server-unreachable, reconnecting the moment the network returns,
 * and a server that stops answering on an open socket.
 */

let dataDir: string;
let server: RunningSyncServer | null;
let proxy: FaultProxy | null = null;
let client: SyncClient | null = null;
let connection: SqliteConnection | null = null;

beforeEach(async () => {
  dataDir = makeDataDir();
  server = await startTestServer(dataDir);
});

afterEach(async () => {
  await client?.stop();
  client = null;
  connection?.close();
  connection = null;
  await proxy?.close();
  proxy = null;
  await server?.close();
  removeDataDir(dataDir);
});

function running(): RunningSyncServer {
  if (server === null) throw new Error('the server is not running');
  return server;
}

describe('the online signal', () => {
  it('offline closes the connection and stops retrying; the server down says server-unreachable; online reconnects without waiting out the backoff', async () => {
    const signal = new SwitchableNetwork();
    proxy = await startFaultProxy({ target: running().wsUrl });
    connection = await openClientConnection();
    // A backoff of a minute: reconnecting within the test means the network event did it.
    const started = await attachTestClient(connection, proxy, {
      onlineSignal: signal,
      timing: { ...FAST_TIMING, backoffInitialMs: 60_000, backoffMaxMs: 60_000 },
    });
    client = started;
    started.start();
    await waitForStatus(started, 'synced');
    const joined = proxy.stats().connections;

    signal.set(false);
    expect(started.getSnapshot().status).toMatchObject({ status: 'disconnected', reason: 'offline', nextRetryAt: null });
    const open = proxy;
    await waitFor('the proxy to see the connection closed', () => open.openConnections() === 0);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(proxy.stats().connections).toBe(joined);

    // Back online, but the server is down: that is a different red.
    const { port } = running();
    await running().close();
    server = null;
    signal.set(true);
    await waitFor('server-unreachable', () => {
      const { status } = started.getSnapshot();
      return status.status === 'disconnected' && status.reason === 'server-unreachable' && status.nextRetryAt !== null;
    });

    // The server returns while the next attempt is a minute away; a network change brings the client back now.
    server = await startTestServer(dataDir, port);
    signal.set(false);
    signal.set(true);
    await waitForStatus(started, 'synced');
  });
});

describe('a server that stops answering on an open socket', () => {
  it('ends green, is closed by the client and reconnected, and is not green again until the server answers', async () => {
    proxy = await startFaultProxy({ target: running().wsUrl });
    connection = await openClientConnection();
    const timing = { ...FAST_TIMING, heartbeatIntervalMs: 200, heartbeatTimeoutMs: 1_000 };
    const started = await attachTestClient(connection, proxy, { timing });
    client = started;
    started.start();
    await waitForStatus(started, 'synced');
    // Green may last up to heartbeatTimeoutMs into the silence (G2's window); once it
    // ends, nothing through the silent proxy may bring it back.
    let noticed = false;
    let greenAgain = 0;
    started.subscribe(() => {
      const green = isGreen(started.getSnapshot().status);
      if (noticed && green) greenAgain += 1;
      if (!green) noticed = true;
    });
    const joined = proxy.stats().connections;

    proxy.setMode('blackhole');
    const blackhole = proxy;
    await waitFor('the light to leave green', () => noticed);
    expect(started.getSnapshot().diagnostics.lastError).toMatchObject({ kind: 'timeout' });
    // The client itself gave up on the half-open socket and dialled again.
    await waitFor('a new connection through the proxy', () => blackhole.stats().connections > joined);
    expect(greenAgain).toBe(0);

    proxy.setMode('pass');
    await waitForStatus(started, 'synced', 30_000);
  });
});
