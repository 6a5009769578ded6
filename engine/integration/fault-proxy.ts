import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { decodeClientMessage, decodeServerMessage } from '../protocol/codec.ts';
import type { ClientMessage, ServerMessage } from '../protocol/messages.ts';
import { PacedLink } from './paced-link.ts';

/**
 * A WebSocket proxy on loopback that sits between a sync client and the real
 * server and misbehaves on command, so integration tests can produce the faults
 * DESIGN.md says must never show green:
 *
 * - `pass`: forwards every frame both ways, closes mirrored.
 * - `blackhole`: both sockets stay open but nothing crosses in either direction,
 *   not even a close from the server: a half-open link or a paused server.
 * - `drop-acks`: forwards everything except the server's `ack` messages: a server
 *   that takes changes but never says it committed them.
 * - `close-after-accept`: closes the client's socket right after forwarding the
 *   server's `accept`: a server that flaps on every connection.
 * - `refuse`: new connections are turned away at the upgrade (HTTP 503), so the
 *   client's socket never opens; open connections are left alone.
 *
 * The mode applies to frames as they arrive, so switching it affects connections
 * already open (a synced client can be blackholed mid-session).
 *
 * Independently of the mode, `bytesPerSecond` limits the server-to-client
 * bandwidth: a slow link, where a fresh client's download takes seconds and its
 * progress matters. Server frames (and the server's close) reach the client in
 * order, each after its bytes have crossed at that rate; heartbeats queue behind
 * the backlog as on a real link. Frames already on the way when the mode changes
 * are still delivered, as bytes already on the wire would be. The upstream
 * socket is opened before the client's upgrade completes: when the real server
 * is down, the client's socket never opens either, as without the proxy.
 */
export const FAULT_MODES = ['pass', 'blackhole', 'drop-acks', 'close-after-accept', 'refuse'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

/** What crossed (or was stopped at) the proxy, for tests to assert the fault really happened. */
export interface FaultProxyStats {
  /** Client connections joined to the server. */
  readonly connections: number;
  /** Upgrades turned away: mode `refuse`, or the server could not be reached. */
  readonly refused: number;
  /** Server messages delivered to clients, by type. */
  readonly serverMessages: Readonly<Partial<Record<ServerMessage['type'], number>>>;
  /** Client messages forwarded to the server, by type. */
  readonly clientMessages: Readonly<Partial<Record<ClientMessage['type'], number>>>;
  /** Frames swallowed by `blackhole`, in both directions. */
  readonly blackholed: number;
  /** `ack` messages swallowed by `drop-acks`. */
  readonly droppedAcks: number;
  /** Client sockets closed by `close-after-accept`. */
  readonly closedAfterAccept: number;
}

export interface FaultProxy {
  /** Point the client here instead of at the server. */
  readonly wsUrl: string;
  readonly port: number;
  mode(): FaultMode;
  setMode(mode: FaultMode): void;
  /** Limits the server-to-client bandwidth from now on; null lifts the limit. */
  setBytesPerSecond(bytesPerSecond: number | null): void;
  /** Client connections currently joined to the server through the proxy. */
  openConnections(): number;
  /** Of those, how many still have their server side open (fewer under a half-open `blackhole`). */
  openUpstreams(): number;
  stats(): FaultProxyStats;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** The real server's WebSocket URL, e.g. `RunningSyncServer.wsUrl`. */
  readonly target: string;
  readonly mode?: FaultMode;
  /** Server-to-client bandwidth; default unlimited. */
  readonly bytesPerSecond?: number;
}

// A flapping server restarting, as a client would see it.
const CLOSE_AFTER_ACCEPT_CODE = 1012;
// Close codes a peer may put on the wire; others (1005, 1006, 1015) only describe a close.
function isSendableCloseCode(code: number): boolean {
  return code === 1000 || code === 1001 || code === 1003 || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

interface Pair {
  readonly client: WebSocket;
  readonly upstream: WebSocket;
  /** Server to client. */
  readonly downlink: PacedLink;
}

interface MutableStats {
  connections: number;
  refused: number;
  serverMessages: Partial<Record<ServerMessage['type'], number>>;
  clientMessages: Partial<Record<ClientMessage['type'], number>>;
  blackholed: number;
  droppedAcks: number;
  closedAfterAccept: number;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  let mode: FaultMode = options.mode ?? 'pass';
  let bytesPerSecond = checkedRate(options.bytesPerSecond ?? null);
  const pairs = new Set<Pair>();
  const pendingUpstreams = new Set<WebSocket>();
  const stats: MutableStats = {
    connections: 0,
    refused: 0,
    serverMessages: {},
    clientMessages: {},
    blackholed: 0,
    droppedAcks: 0,
    closedAfterAccept: 0,
  };
  const httpServer = createServer((_request, response) => {
    response.writeHead(404).end();
  });
  const sockets = new WebSocketServer({ noServer: true });

  function refuseUpgrade(socket: Duplex): void {
    stats.refused += 1;
    socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  }

  httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (mode === 'refuse') {
      refuseUpgrade(socket);
      return;
    }
    const upstream = new WebSocket(options.target);
    pendingUpstreams.add(upstream);
    upstream.binaryType = 'nodebuffer';
    upstream.once('error', () => {
      if (!pendingUpstreams.delete(upstream)) return;
      refuseUpgrade(socket);
    });
    upstream.once('open', () => {
      pendingUpstreams.delete(upstream);
      if (socket.destroyed) {
        upstream.terminate();
        return;
      }
      sockets.handleUpgrade(request, socket, head, (client) => join({ client, upstream, downlink: new PacedLink() }));
    });
  });

  function join(pair: Pair): void {
    const { client, upstream, downlink } = pair;
    pairs.add(pair);
    stats.connections += 1;
    upstream.on('error', () => {});
    client.on('error', () => {});

    client.on('message', (data: RawData, isBinary: boolean) => {
      if (mode === 'blackhole') {
        stats.blackholed += 1;
        return;
      }
      const type = messageType(data, isBinary, decodeClientMessage);
      if (type !== null) stats.clientMessages[type] = (stats.clientMessages[type] ?? 0) + 1;
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary });
    });

    upstream.on('message', (data: RawData, isBinary: boolean) => {
      if (mode === 'blackhole') {
        stats.blackholed += 1;
        return;
      }
      const type = messageType(data, isBinary, decodeServerMessage);
      if (mode === 'drop-acks' && type === 'ack') {
        stats.droppedAcks += 1;
        return;
      }
      const closeAfter = mode === 'close-after-accept' && type === 'accept';
      downlink.send(frameLength(data), bytesPerSecond, () => {
        if (client.readyState !== WebSocket.OPEN) return;
        if (type !== null) stats.serverMessages[type] = (stats.serverMessages[type] ?? 0) + 1;
        client.send(data, { binary: isBinary });
        if (closeAfter) {
          stats.closedAfterAccept += 1;
          client.close(CLOSE_AFTER_ACCEPT_CODE, 'fault proxy: close after accept');
        }
      });
    });

    client.on('close', (code: number, reason: Buffer) => {
      pairs.delete(pair);
      downlink.stop();
      closeWith(upstream, code, reason);
    });
    upstream.on('close', (code: number, reason: Buffer) => {
      // A half-open link hides the server's close from the client too.
      if (mode === 'blackhole') return;
      // After the frames still on the way, as the close itself travels behind them.
      downlink.send(0, bytesPerSecond, () => {
        pairs.delete(pair);
        closeWith(client, code, reason);
      });
    });
  }

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(0, '127.0.0.1', () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const { port } = httpServer.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    wsUrl: `ws://127.0.0.1:${port}/sync`,
    port,
    mode: () => mode,
    setMode: (next) => {
      mode = next;
    },
    setBytesPerSecond: (next) => {
      bytesPerSecond = checkedRate(next);
    },
    openConnections: () => [...pairs].filter((pair) => pair.client.readyState === WebSocket.OPEN).length,
    openUpstreams: () => [...pairs].filter((pair) => pair.upstream.readyState === WebSocket.OPEN).length,
    stats: () => ({
      ...stats,
      serverMessages: { ...stats.serverMessages },
      clientMessages: { ...stats.clientMessages },
    }),
    close: () => {
      closing ??= (async () => {
        for (const upstream of pendingUpstreams) upstream.terminate();
        pendingUpstreams.clear();
        for (const { client, upstream, downlink } of pairs) {
          downlink.stop();
          client.terminate();
          upstream.terminate();
        }
        pairs.clear();
        await new Promise<void>((resolve) => sockets.close(() => resolve()));
        await new Promise<void>((resolve) => {
          httpServer.close(() => resolve());
          httpServer.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}

/** Mirrors a close onto the other side; an abnormal close (e.g. a killed server) becomes an abrupt one. */
function closeWith(socket: WebSocket, code: number, reason: Buffer): void {
  if (socket.readyState === WebSocket.CLOSED || socket.readyState === WebSocket.CLOSING) return;
  if (socket.readyState === WebSocket.OPEN && isSendableCloseCode(code)) socket.close(code, reason);
  else socket.terminate();
}

function checkedRate(bytesPerSecond: number | null): number | null {
  if (bytesPerSecond !== null && !(bytesPerSecond > 0 && Number.isFinite(bytesPerSecond))) {
    throw new RangeError(`bytesPerSecond must be a positive number, got ${bytesPerSecond}`);
  }
  return bytesPerSecond;
}

function frameLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((sum, part) => sum + part.byteLength, 0);
  return data.byteLength;
}

/** The message's type, or null for a frame the codec refuses: the proxy forwards it all the same. */
function messageType<M extends { readonly type: string }>(
  data: RawData,
  isBinary: boolean,
  decode: (frame: Uint8Array) => M,
): M['type'] | null {
  if (!isBinary) return null;
  const bytes = Array.isArray(data) ? new Uint8Array(Buffer.concat(data)) : data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  try {
    return decode(bytes).type;
  } catch {
    return null;
  }
}
