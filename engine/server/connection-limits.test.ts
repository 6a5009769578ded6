import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { WebSocketLike } from '../client/websocket-like.ts';
import type { SiteId } from '../protocol/ids.ts';
import { CLOSE_CODES } from '../protocol/messages.ts';
import type { RunningSyncServer, SyncServerOptions } from './node-sync-server.ts';
import { connectRawClient } from '../test-support/node-websocket.ts';
import { helloMessage, RawProtocolClient } from '../test-support/raw-protocol-client.ts';
import { makeDataDir, removeDataDir } from '../test-support/temp-folder.ts';
import { TEST_SCHEMA } from '../test-support/test-client-database.ts';
import { startTestServer } from '../test-support/test-server-node.ts';

const CLIENT = 'c2'.repeat(16) as SiteId;
const HANDSHAKE_MS = 1_000;
const HEADERS_MS = 1_000;
// Well above the deadlines, below the defaults (5 s, 10 s) and far below Node's own (60 s headers, checked every 30 s).
const CLOSED_WITHIN_MS = 4_000;

describe('connection limits', () => {
  let dataDir: string;
  let server: RunningSyncServer | undefined;
  const sockets: RawProtocolClient[] = [];
  const raw: Socket[] = [];

  async function start(options: Partial<SyncServerOptions>): Promise<RunningSyncServer> {
    server = await startTestServer(dataDir, options);
    return server;
  }

  async function open(url: string, localAddress?: string): Promise<RawProtocolClient> {
    const create = (target: string): WebSocketLike =>
      new WebSocket(target, localAddress === undefined ? {} : { localAddress }) as unknown as WebSocketLike;
    const socket = await RawProtocolClient.open(create, url, { waitMs: 5_000 });
    sockets.push(socket);
    return socket;
  }

  /** A TCP socket that sends `bytes` and nothing more; resolves with what it heard and how long it stayed open. */
  function halfRequest(running: RunningSyncServer, bytes: string): Promise<{ heard: string; openMs: number }> {
    return new Promise((resolve) => {
      const started = Date.now();
      const socket = connect(running.port, '127.0.0.1', () => {
        if (bytes !== '') socket.write(bytes);
      });
      raw.push(socket);
      let heard = '';
      socket.on('data', (chunk) => (heard += chunk.toString('latin1')));
      socket.on('error', () => {});
      socket.on('close', () => resolve({ heard, openMs: Date.now() - started }));
    });
  }

  beforeEach(() => {
    dataDir = makeDataDir();
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    for (const socket of raw.splice(0)) socket.destroy();
    await server?.close();
    server = undefined;
    removeDataDir(dataDir);
  });

  it('closes silent and ping-only sockets that never say hello within the handshake deadline', async () => {
    const running = await start({ handshakeTimeoutMs: HANDSHAKE_MS, heartbeatIntervalMs: 100 });
    const started = Date.now();
    const silent = await Promise.all(Array.from({ length: 5 }, () => connectRawClient(running.wsUrl)));
    const pinging = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const socket = await connectRawClient(running.wsUrl);
        socket.send({ type: 'ping', sentAt: Date.now(), serverVersion: 0 });
        return socket;
      }),
    );
    sockets.push(...silent, ...pinging);
    const pinger = setInterval(() => {
      for (const socket of pinging) if (socket.isOpen) socket.send({ type: 'ping', sentAt: Date.now(), serverVersion: 0 });
    }, 50);
    const polite = await connectRawClient(running.wsUrl);
    sockets.push(polite);
    polite.send(helloMessage('shop', CLIENT, TEST_SCHEMA));
    await polite.expect('accept');
    try {
      const closes = await Promise.all([...silent, ...pinging].map((socket) => socket.closed));
      expect(Date.now() - started).toBeLessThan(CLOSED_WITHIN_MS);
      expect(new Set(closes.map((close) => close.code))).toEqual(new Set([CLOSE_CODES.handshakeTimeout]));
      expect(pinging.every((socket) => socket.received.some((message) => message.type === 'pong'))).toBe(true);
    } finally {
      clearInterval(pinger);
    }
    // The client that said hello is past the deadline and still served.
    polite.send({ type: 'ping', sentAt: 1, serverVersion: 0 });
    expect(await polite.waitFor('pong')).toMatchObject({ sentAt: 1 });
    expect(polite.isOpen).toBe(true);
  });

  it('closes half-finished HTTP upgrade requests and silent TCP sockets within the headers deadline, while handshaking sockets are open', async () => {
    const running = await start({ httpHeadersTimeoutMs: HEADERS_MS, handshakeTimeoutMs: 60_000 });
    const waiting = await Promise.all(Array.from({ length: 5 }, () => connectRawClient(running.wsUrl)));
    sockets.push(...waiting);
    const half = `GET /sync HTTP/1.1\r\nHost: 127.0.0.1:${running.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`;
    const results = await Promise.all([halfRequest(running, half), halfRequest(running, 'GET /sy'), halfRequest(running, '')]);
    for (const result of results) {
      expect(result.openMs).toBeLessThan(CLOSED_WITHIN_MS);
      expect(result.heard).toMatch(/^HTTP\/1\.1 408/);
    }
    expect(waiting.every((socket) => socket.isOpen)).toBe(true);
  });

  it('refuses the connection beyond the per-address limit with 503 while that address keeps its others and other addresses connect', async () => {
    const running = await start({ maxConnectionsPerAddress: 3, maxConnections: 100 });
    const held = [await open(running.wsUrl), await open(running.wsUrl), await open(running.wsUrl)];
    await expect(open(running.wsUrl)).rejects.toThrow(/503/);
    // Another loopback address has its own budget.
    const other = await open(running.wsUrl, '127.0.0.2');
    other.send(helloMessage('shop', CLIENT, TEST_SCHEMA));
    await other.expect('accept');
    for (const socket of held) {
      socket.send({ type: 'ping', sentAt: 7, serverVersion: 0 });
      expect(await socket.waitFor('pong')).toMatchObject({ sentAt: 7 });
    }
    // A closed connection gives its place back.
    held[0]?.close();
    await held[0]?.closed;
    const again = await retryOpen(() => open(running.wsUrl));
    expect(again.isOpen).toBe(true);
  });

  it('refuses every address beyond the global limit', async () => {
    const running = await start({ maxConnectionsPerAddress: 10, maxConnections: 2 });
    await open(running.wsUrl);
    await open(running.wsUrl, '127.0.0.2');
    await expect(open(running.wsUrl, '127.0.0.3')).rejects.toThrow(/503/);
    await expect(open(running.wsUrl)).rejects.toThrow(/503/);
  });
});

/** The server learns of a close a moment after the client; a few tries bridge it. */
async function retryOpen(attempt: () => Promise<RawProtocolClient>): Promise<RawProtocolClient> {
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (tries >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
