import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { GreenlightError } from '../errors.ts';
import type { DatabaseName } from '../protocol/ids.ts';
import { DEFAULT_MAX_FRAME_BYTES } from '../protocol/messages.ts';
import { ConnectionBudget } from './connection-budget.ts';
import { lockDataFolder } from './data-folder-lock.ts';
import { HttpBodyBudget } from './http-body-budget.ts';
import { MAX_HTTP_BODY_BYTES } from './http-handler.ts';
import { createOriginPolicy } from './http-origin-policy.ts';
import { checkHttpAccessOptions, HTTP_BOUNDS_DEFAULTS, positiveLimit } from './http-security-options.ts';
import { createHttpListener } from './node-http-listener.ts';
import { FileDatabaseStore } from './node-file-database-store.ts';
import type { ServerSchema } from './server-schema.ts';
import { SyncServerCore, type SyncServerCoreOptions } from './sync-server-core.ts';

export type { ServerSchema } from './server-schema.ts';
export { loadSchemaFile } from './load-schema-file-node.ts';

export interface SyncServerOptions {
  /**
   * The folder holding one `<name>.sqlite3` file per database; created if missing.
   * One server at a time: a second one on the folder fails to start (`storage`).
   */
  readonly dataDir: string;
  readonly schema: ServerSchema;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Open `/exec` and `/reset` without a token; refused unless `host` is loopback. */
  readonly allowExec?: boolean;
  /** Open `/exec`, `/reset` and `/meta` to `Authorization: Bearer <adminToken>`; at least 32 bytes. */
  readonly adminToken?: string;
  /**
   * Web origins (`https://app.example.com`) whose pages may call the HTTP routes
   * (CORS, answered with that origin, never `*`) and open `/sync`. Default none:
   * only pages served from the same loopback host as the request. Requests
   * without `Origin` (programs, not pages) are not affected.
   */
  readonly corsOrigins?: readonly string[];
  /**
   * A request or WebSocket upgrade whose headers have not all arrived within this
   * long gets 408 and is closed (a half-finished upgrade included). Default
   * `HTTP_BOUNDS_DEFAULTS.httpHeadersTimeoutMs` (10000).
   */
  readonly httpHeadersTimeoutMs?: number;
  /** Default `HTTP_BOUNDS_DEFAULTS.httpBodyTimeoutMs`. */
  readonly httpBodyTimeoutMs?: number;
  /** Default `HTTP_BOUNDS_DEFAULTS.maxBufferedBodyBytes`. */
  readonly maxBufferedBodyBytes?: number;
  /** Create databases on first use; default true. */
  readonly allowCreate?: boolean;
  readonly maxFrameBytes?: number;
  readonly heartbeatIntervalMs?: number;
  readonly idleTimeoutMs?: number;
  /** See `SyncServerCoreOptions`; default 5000. */
  readonly handshakeTimeoutMs?: SyncServerCoreOptions['handshakeTimeoutMs'];
  /** See `SyncServerCoreOptions`; default 1000. */
  readonly maxDatabases?: SyncServerCoreOptions['maxDatabases'];
  /** See `SyncServerCoreOptions`; default 60000. */
  readonly idleDatabaseCloseMs?: SyncServerCoreOptions['idleDatabaseCloseMs'];
  /** Open WebSocket connections (and upgrades in progress) across all clients; beyond it an upgrade gets 503. Default 10000. */
  readonly maxConnections?: number;
  /** The same, per remote address; default 64. */
  readonly maxConnectionsPerAddress?: number;
  readonly authorize?: (database: DatabaseName) => boolean | Promise<boolean>;
  /** Failures that closed a connection or lost a request; default: ignored. */
  readonly onError?: (error: GreenlightError) => void;
}

export interface RunningSyncServer {
  readonly port: number;
  readonly httpUrl: string;
  /** `ws://host:port/sync` */
  readonly wsUrl: string;
  close(): Promise<void>;
}

export const SYNC_PATH = '/sync';

export const NODE_SERVER_DEFAULTS = {
  maxConnections: 10_000,
  maxConnectionsPerAddress: 64,
} as const;

// ws refuses frames above maxPayload by closing with 1009 before the core sees
// them; a margin above the core's own limit lets the core answer the first
// megabyte of excess with a typed 'frame-too-large' error instead.
const OVERSIZE_MARGIN_BYTES = 1024 * 1024;
// How long close() lets clients answer the close handshake before cutting them off.
const CLOSE_GRACE_MS = 500;
// How long a refused upgrade may linger for its answer to be read before it is cut off.
const REFUSED_UPGRADE_GRACE_MS = 1000;
// A WebSocket close reason is limited to 123 bytes.
const MAX_CLOSE_REASON_LENGTH = 100;

/**
 * Serves a folder of databases over WebSocket (`/sync`, binary frames only) and
 * HTTP (the routes of `handleHttpRequest`), on Node with `ws` and `node:http`.
 */
export async function startSyncServer(options: SyncServerOptions): Promise<RunningSyncServer> {
  const host = options.host ?? '127.0.0.1';
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  // Before the folder is taken: options that would open the server to strangers never start it.
  checkHttpAccessOptions({ ...options, host });
  const origins = createOriginPolicy(options.corsOrigins ?? []);
  const headersTimeoutMs = positiveLimit('httpHeadersTimeoutMs', options.httpHeadersTimeoutMs, HTTP_BOUNDS_DEFAULTS.httpHeadersTimeoutMs);
  const bodyLimits = {
    maxBytes: MAX_HTTP_BODY_BYTES,
    budget: new HttpBodyBudget(positiveLimit('maxBufferedBodyBytes', options.maxBufferedBodyBytes, HTTP_BOUNDS_DEFAULTS.maxBufferedBodyBytes)),
    timeoutMs: positiveLimit('httpBodyTimeoutMs', options.httpBodyTimeoutMs, HTTP_BOUNDS_DEFAULTS.httpBodyTimeoutMs),
  };
  const store = new FileDatabaseStore(options.dataDir);
  const core = new SyncServerCore({
    store,
    schema: options.schema,
    maxFrameBytes,
    ...(options.allowCreate === undefined ? {} : { allowCreate: options.allowCreate }),
    ...(options.authorize === undefined ? {} : { authorize: options.authorize }),
    ...(options.heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs: options.heartbeatIntervalMs }),
    ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
    ...(options.handshakeTimeoutMs === undefined ? {} : { handshakeTimeoutMs: options.handshakeTimeoutMs }),
    ...(options.maxDatabases === undefined ? {} : { maxDatabases: options.maxDatabases }),
    ...(options.idleDatabaseCloseMs === undefined ? {} : { idleDatabaseCloseMs: options.idleDatabaseCloseMs }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
  const connections = new ConnectionBudget({
    maxTotal: options.maxConnections ?? NODE_SERVER_DEFAULTS.maxConnections,
    maxPerKey: options.maxConnectionsPerAddress ?? NODE_SERVER_DEFAULTS.maxConnectionsPerAddress,
  });
  // After the options are checked (the core and the budget refuse bad limits),
  // before any database in the folder is opened: one server per folder.
  const lock = lockDataFolder(options.dataDir);
  const access = {
    ...(options.allowExec === undefined ? {} : { allowExec: options.allowExec }),
    ...(options.adminToken === undefined ? {} : { adminToken: options.adminToken }),
  };

  const httpServer = createServer(
    {
      headersTimeout: headersTimeoutMs,
      // A backstop only: the body timeout is enforced per request by the listener.
      requestTimeout: headersTimeoutMs + bodyLimits.timeoutMs + 1_000,
      // Node checks both timeouts on this interval (30 s by default, which would stretch them).
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeoutMs / 4))),
    },
    createHttpListener(core, { access, origins, body: bodyLimits }),
  );
  const sockets = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes + OVERSIZE_MARGIN_BYTES });

  httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '').split('?', 1)[0];
    if (path !== SYNC_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // A page from a foreign origin must not open a sync connection through a visitor's browser.
    if (origins.decide(request.headers.origin, request.headers.host).kind === 'foreign') {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const place = connections.take(request.socket.remoteAddress ?? 'unknown address');
    if ('refused' in place) {
      refuseUpgrade(socket, place.refused);
      return;
    }
    // The place is held until the TCP socket is gone, whatever ends it.
    socket.once('close', place.release);
    sockets.handleUpgrade(request, socket, head, (socket) => attach(core, socket));
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? 0, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    await core.close();
    lock.release();
    throw new GreenlightError('transport', 'server', `cannot listen on ${host}:${options.port ?? 0}`, { cause: error });
  });

  const { port } = httpServer.address() as AddressInfo;
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;

  return {
    port,
    httpUrl: `http://${authority}`,
    wsUrl: `ws://${authority}${SYNC_PATH}`,
    close: () => {
      closing ??= (async () => {
        await core.close();
        // Only once every database is closed may another server open the folder.
        // (If closing failed, the lock stays until this process exits.)
        lock.release();
        await closeSockets(sockets);
        await new Promise<void>((resolve) => {
          httpServer.close(() => resolve());
          httpServer.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}

function attach(core: SyncServerCore, socket: WebSocket): void {
  const handlers = core.connect({
    send: (frame) => socket.send(frame, { binary: true }),
    close: (code, reason) => socket.close(code, reason.slice(0, MAX_CLOSE_REASON_LENGTH)),
  });
  socket.on('message', (data: RawData, isBinary: boolean) => {
    if (isBinary) handlers.receive(toBytes(data));
    else handlers.receiveInvalid('text frames are not part of the Greenlight protocol');
  });
  socket.on('close', () => handlers.closed());
  // ws reports protocol violations (e.g. a frame above maxPayload) here and then
  // closes the socket itself; the close event tells the core.
  socket.on('error', () => {});
}

/** 503 with the reason as text; a client that keeps the socket open anyway is cut off. */
function refuseUpgrade(socket: Duplex, reason: string): void {
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  setTimeout(() => socket.destroy(), REFUSED_UPGRADE_GRACE_MS).unref();
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

async function closeSockets(sockets: WebSocketServer): Promise<void> {
  const open = [...sockets.clients];
  await Promise.race([
    Promise.all(open.map((socket) => new Promise<void>((resolve) => (socket.readyState === socket.CLOSED ? resolve() : socket.once('close', () => resolve()))))),
    new Promise<void>((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref()),
  ]);
  for (const socket of sockets.clients) socket.terminate();
  await new Promise<void>((resolve) => sockets.close(() => resolve()));
}
