import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { GreenlightError } from '../errors.ts';
import type { DatabaseName } from '../protocol/ids.ts';
import { DEFAULT_MAX_FRAME_BYTES } from '../protocol/messages.ts';
import { ConnectionBudget } from './connection-budget.ts';
import { lockDataFolder } from './data-folder-lock.ts';
import { handleHttpRequest, MAX_HTTP_BODY_BYTES, type HttpResponse } from './http-handler.ts';
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
  /** Open `/exec` and `/reset` without a token. */
  readonly allowExec?: boolean;
  /** Open `/exec` and `/reset` to `Authorization: Bearer <adminToken>`. */
  readonly adminToken?: string;
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
  /** A request or upgrade whose headers have not all arrived within this long gets 408 and is closed; default 10000. */
  readonly httpHeadersTimeoutMs?: number;
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
  httpHeadersTimeoutMs: 10_000,
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

  const httpHeadersTimeoutMs = options.httpHeadersTimeoutMs ?? NODE_SERVER_DEFAULTS.httpHeadersTimeoutMs;
  // The one headers deadline, for plain requests and WebSocket upgrades alike (the
  // HTTP bounds share it, under the same option name and default): a
  // socket that never finishes its request line and headers (a half-finished
  // upgrade included) gets 408 and is closed. Node checks it only every
  // `connectionsCheckingInterval` (30 s by default), hence the shorter interval.
  const httpServer = createServer(
    { headersTimeout: httpHeadersTimeoutMs, connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(httpHeadersTimeoutMs / 4))) },
    (request, response) => {
      void serveHttp(request, response);
    },
  );
  const sockets = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes + OVERSIZE_MARGIN_BYTES });

  async function serveHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const result =
      body === null
        ? tooLarge()
        : await handleHttpRequest(core, { method: request.method ?? 'GET', path: request.url ?? '/', headers: flatHeaders(request), body }, access);
    writeResponse(response, result);
  }

  httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '').split('?', 1)[0];
    if (path !== SYNC_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
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

/** The body as text, or null when it exceeds the limit (the rest is not read). */
function readBody(request: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    request.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > MAX_HTTP_BODY_BYTES) {
        done = true;
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', () => {
      if (!done) resolve(null);
      done = true;
    });
  });
}

function flatHeaders(request: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function tooLarge(): HttpResponse {
  return {
    status: 413,
    headers: { 'content-type': 'application/json', 'access-control-allow-origin': '*' },
    body: { error: { kind: 'http', message: `the body exceeds ${MAX_HTTP_BODY_BYTES} bytes` } },
  };
}

function writeResponse(response: ServerResponse, result: HttpResponse): void {
  const text = result.body === null ? '' : JSON.stringify(result.body);
  response.writeHead(result.status, { ...result.headers, 'content-length': Buffer.byteLength(text) });
  response.end(text);
  // An oversized body was left unread; closing stops the client from sending more.
  if (result.status === 413) response.once('finish', () => response.socket?.destroy());
}
