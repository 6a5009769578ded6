import { Server, WebSocket as MockWebSocket, type Client } from 'mock-socket';
import type { CreateWebSocket, WebSocketLike } from '../engine/client/websocket-like.ts';
import type { GreenlightError } from '../engine/errors.ts';
import { parseDatabaseName } from '../engine/protocol/ids.ts';
import { CLOSE_CODES, type SqlValue } from '../engine/protocol/messages.ts';
import type { ExecResult, ServerDatabaseMeta } from '../engine/server/server-database.ts';
import type { ServerSchema } from '../engine/server/server-schema.ts';
import { SyncServerCore } from '../engine/server/sync-server-core.ts';
import { noFaults, type FaultCounters } from './fault-settings.ts';
import { ListedMemoryStore } from './listed-memory-store.ts';
import { ABNORMAL_CLOSE_CODE, MockSocketConnection } from './mock-socket-connection.ts';
import { MockSyncFaults } from './mock-sync-faults.ts';

export const DEFAULT_MOCK_SYNC_URL = 'ws://greenlight.mock/sync';

export interface MockSyncBackendOptions {
  /** The schema every database is created from. */
  readonly schema: ServerSchema;
  /** Where the mock server listens; one backend per URL at a time. Default `ws://greenlight.mock/sync`. */
  readonly url?: string;
  /** Databases to create before any client connects (others are created on first use). */
  readonly databases?: readonly string[];
  readonly heartbeatIntervalMs?: number;
  readonly idleTimeoutMs?: number;
  readonly maxFrameBytes?: number;
  readonly allowCreate?: boolean;
  /**
   * Also replace the page's global `WebSocket` with mock-socket's until `stop`.
   * Off by default: Vite's HMR socket and the test runner's own channel use the
   * global too, and would be pointed at the mock. Pass `backend.createWebSocket`
   * to the client instead.
   */
  readonly patchGlobalWebSocket?: boolean;
  readonly onError?: (error: GreenlightError) => void;
}

export interface BacklogOptions {
  /** How many rows to insert, all in one transaction (one server db_version). */
  readonly rows: number;
  /**
   * An INSERT ... SELECT reading `i` (1 to rows) from the table `backlog`, e.g.
   * `INSERT INTO items (id, title) SELECT 'book-' || i, 'Book ' || i FROM backlog`.
   */
  readonly insert: string;
  /** Bound after the row count, to the insert's own `?`s. */
  readonly params?: readonly SqlValue[];
}

export interface SchemaChange {
  readonly version: number;
  /** A new schema name; default the current one. */
  readonly name?: string;
  /** The SQL new databases are created from; default the current SQL. */
  readonly sql?: string;
  /** Run on every existing database before it reports the new version. */
  readonly migration?: string;
}

/**
 * The real sync server core on in-memory cr-sqlite databases, reachable at a
 * ws:// URL through mock-socket, with faults and server-side events that a
 * story or test scripts while a client is connected.
 */
export interface MockSyncBackend {
  readonly url: string;
  /** The same host over http, where `mockSyncHttpHandlers` serves the HTTP routes by default. */
  readonly httpUrl: string;
  /** The schema the server holds now (it changes with `changeSchema`). */
  readonly schema: ServerSchema;
  /** The running core; a schema change replaces it. */
  readonly core: SyncServerCore;
  readonly faults: MockSyncFaults;
  /** Sockets that are open right now. */
  readonly openConnections: number;
  /** Resolves once `stop` has finished, so scripts can stop waiting. */
  readonly stopped: Promise<void>;
  /** Opens a mock-socket WebSocket; hand it to the sync client as `createWebSocket`. */
  readonly createWebSocket: CreateWebSocket;
  /** A server-side change (the `/exec` route): one statement, one transaction, fanned out to clients. */
  exec(database: string, sql: string, params?: readonly SqlValue[]): Promise<ExecResult>;
  /** The database's identity and version, or null when it does not exist. */
  meta(database: string): Promise<ServerDatabaseMeta | null>;
  /** Inserts `rows` rows in one transaction, through the server database, fanned out like any commit. */
  loadBacklog(database: string, backlog: BacklogOptions): Promise<ExecResult>;
  /** Deletes and re-creates the database with a new identity (the `/reset` route); its clients are closed. */
  rebuild(database: string): Promise<ServerDatabaseMeta>;
  /**
   * The server is redeployed expecting another schema: every connection closes
   * (1001), existing databases are migrated to report the new version, and
   * clients still on the old one are rejected with `schema-mismatch`.
   */
  changeSchema(change: SchemaChange): Promise<void>;
  /** Closes every connection, stops the mock server (restoring the global WebSocket) and drops the databases. */
  stop(): Promise<void>;
}

export async function createMockSyncBackend(options: MockSyncBackendOptions): Promise<MockSyncBackend> {
  const backend = new MockSyncBackendImpl(options);
  try {
    for (const database of options.databases ?? []) await backend.exec(database, 'SELECT 1');
  } catch (error) {
    // Free the URL, or every later backend on it would fail as well.
    await backend.stop();
    throw error;
  }
  return backend;
}

class MockSyncBackendImpl implements MockSyncBackend {
  readonly url: string;
  readonly httpUrl: string;
  readonly faults: MockSyncFaults;
  readonly stopped: Promise<void>;
  readonly #options: MockSyncBackendOptions;
  readonly #store = new ListedMemoryStore();
  readonly #settings = noFaults();
  readonly #counters: FaultCounters = { framesLost: 0 };
  readonly #connections = new Set<MockSocketConnection>();
  readonly #server: Server;
  readonly #resolveStopped: () => void;
  #schema: ServerSchema;
  #core: SyncServerCore;
  #stopping: Promise<void> | null = null;

  constructor(options: MockSyncBackendOptions) {
    this.#options = options;
    this.url = options.url ?? DEFAULT_MOCK_SYNC_URL;
    const http = new URL(this.url);
    http.protocol = http.protocol === 'wss:' ? 'https:' : 'http:';
    this.httpUrl = http.origin;
    this.#schema = options.schema;
    this.#core = this.#createCore();
    this.faults = new MockSyncFaults({ settings: this.#settings, counters: this.#counters }, () => this.#connections);
    let resolveStopped = (): void => {};
    this.stopped = new Promise((resolve) => {
      resolveStopped = resolve;
    });
    this.#resolveStopped = resolveStopped;
    this.#server = new Server(this.url, {
      mock: options.patchGlobalWebSocket ?? false,
      // mock-socket then fails the client's socket before it opens (an error, then a close).
      verifyClient: () => !this.#settings.down,
    });
    this.#server.on('connection', (socket) => this.#accept(socket));
  }

  get schema(): ServerSchema {
    return this.#schema;
  }

  get core(): SyncServerCore {
    return this.#core;
  }

  get openConnections(): number {
    let open = 0;
    for (const connection of this.#connections) if (connection.isOpen) open += 1;
    return open;
  }

  // mock-socket's WebSocket has the browser API; its declared handler types are
  // just narrower than WebSocketLike's `{ data: unknown }` events.
  readonly createWebSocket: CreateWebSocket = (url) => new MockWebSocket(url) as unknown as WebSocketLike;

  exec(database: string, sql: string, params: readonly SqlValue[] = []): Promise<ExecResult> {
    return this.#core.exec(parseDatabaseName(database), sql, params);
  }

  meta(database: string): Promise<ServerDatabaseMeta | null> {
    return this.#core.meta(parseDatabaseName(database));
  }

  loadBacklog(database: string, backlog: BacklogOptions): Promise<ExecResult> {
    if (!Number.isSafeInteger(backlog.rows) || backlog.rows < 1) throw new RangeError(`rows must be a positive integer, got ${backlog.rows}`);
    const sql = `WITH RECURSIVE backlog(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM backlog WHERE i < ?) ${backlog.insert}`;
    return this.exec(database, sql, [backlog.rows, ...(backlog.params ?? [])]);
  }

  rebuild(database: string): Promise<ServerDatabaseMeta> {
    return this.#core.reset(parseDatabaseName(database));
  }

  async changeSchema(change: SchemaChange): Promise<void> {
    await this.#core.close();
    const next: ServerSchema = { name: change.name ?? this.#schema.name, version: change.version, sql: change.sql ?? this.#schema.sql };
    for (const name of this.#store.names()) {
      const connection = await this.#store.open(name);
      connection.transaction(() => {
        if (change.migration !== undefined) connection.exec(change.migration);
        // The core has no migration step yet: it reads the schema a database
        // reports from this table of server-database.ts when it opens it.
        connection.exec('UPDATE greenlight_server_meta SET schema_name = ?, schema_version = ?', [next.name, next.version]);
      });
    }
    this.#schema = next;
    this.#core = this.#createCore();
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#settings.down = true;
      await this.#core.close();
      // Closes the core queued behind latency, or lost on a half-open link, happen now.
      for (const connection of [...this.#connections]) connection.sever(CLOSE_CODES.goingAway, 'mock server stopped');
      this.#server.stop();
      this.#store.close();
      this.#resolveStopped();
    })();
    return this.#stopping;
  }

  #createCore(): SyncServerCore {
    const options = this.#options;
    return new SyncServerCore({
      store: this.#store,
      schema: this.#schema,
      ...(options.allowCreate === undefined ? {} : { allowCreate: options.allowCreate }),
      ...(options.heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs: options.heartbeatIntervalMs }),
      ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
      ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }),
      ...(options.onError === undefined ? {} : { onError: options.onError }),
    });
  }

  #accept(socket: Client): void {
    if (this.#settings.flapping === 'open') {
      socket.close({ code: ABNORMAL_CLOSE_CODE, reason: 'flapping', wasClean: false });
      return;
    }
    const faults = { settings: this.#settings, counters: this.#counters };
    const connection = new MockSocketConnection(socket, this.#core, faults, (finished) => this.#connections.delete(finished));
    this.#connections.add(connection);
  }
}
