import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fromSqliteConnection } from '../client/adapters/from-sqlite-connection.ts';
import type { ClientDatabase } from '../client/client-database.ts';
import { attachSyncClient, type SyncClient, type SyncClientOptions } from '../client/sync-client.ts';
import type { OnlineSignal } from '../client/online-signal.ts';
import type { SyncSnapshot } from '../client/sync-client-api.ts';
import type { SyncTimingOptions } from '../client/sync-events.ts';
import {
  createInvariantMonitor,
  type InvariantMonitor,
  type InvariantViolation,
  type StatusObservation,
} from '../client/sync-invariant-monitor.ts';
import { isGreen, type SyncStatus, type SyncStatusName } from '../client/sync-status.ts';
import type { CreateWebSocket } from '../client/websocket-like.ts';
import type { SqlValue } from '../protocol/messages.ts';
import { startSyncServer, type RunningSyncServer } from '../server/node-sync-server.ts';
import { openFileDatabase } from '../sqlite/open-file-database.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import { createNodeWebSocket } from '../test-support/node-websocket.ts';
import { makeDataDir, removeDataDir } from '../test-support/temp-folder.ts';
import { waitUntil } from '../test-support/wait-until.ts';
import { startFaultProxy, type FaultMode, type FaultProxy } from './fault-proxy.ts';

/**
 * The rig behind the truthful-light scenarios (issue 3): a real server on a
 * fresh data folder, real cr-sqlite clients on files, the fault proxy, and an
 * invariant monitor that watches every test from outside the client.
 *
 * The monitor needs the server's ground truth, which the client cannot vouch
 * for: the rig polls `GET /:db/meta` every POLL_MS and also records each `/exec`
 * it runs with the version it returned, stamping commits with the time the rig
 * learned of them (never earlier than the commit, so the check is never stricter
 * than G1). Every client snapshot is recorded, and the current one is sampled
 * every POLL_MS as well: a green status is published once and then stays the
 * same object, so without sampling a commit going stale under a steady green
 * light would never be judged.
 *
 * Judged with freshnessMs + TIMER_SLACK_MS.
 *
 * Server versions only compare within one server identity: a reset starts a new
 * epoch with its own monitor, and observations go to the epoch current when made.
 */

export const TRUTHFUL_SCHEMA = {
  name: 'truthful',
  version: 1,
  sql: `CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY NOT NULL, title TEXT);
SELECT crsql_as_crr('items');`,
} as const;

export const TRUTHFUL_DATABASE = 'truthful';

/** Short windows (issue 3's suggestion) so every fault shows within a couple of seconds. */
export const TRUTHFUL_TIMING: SyncTimingOptions = {
  freshnessMs: 1_000,
  heartbeatIntervalMs: 200,
  heartbeatTimeoutMs: 1_000,
  ackTimeoutMs: 1_500,
  rapidFailureCount: 3,
  rapidFailureWindowMs: 10_000,
  backoffInitialMs: 50,
  backoffMaxMs: 400,
};

/**
 * How late a timer may fire on a loaded, shared 2-core machine (seen: up to ~130 ms).
 * The client's own truth does not depend on it (getSnapshot ends green the
 * moment a window has passed, and G1 ends its safety margin early), but this
 * rig learns of commits and records snapshots from its own timers and
 * callbacks: the monitor and the deadline assertions allow this much lateness
 * past a window, and no more.
 */
export const TIMER_SLACK_MS = 100;

const SERVER_HEARTBEAT_MS = 200;
const POLL_MS = 50;
const REQUEST_TIMEOUT_MS = 5_000;

/** One server identity: its versions, and the monitor judging observations made while it was current. */
interface Epoch {
  siteId: string | null;
  readonly monitor: InvariantMonitor;
  lastVersion: number;
}

/**
 * Lets time pass for an absence check ("still not green", "no retry"): there is no
 * state to wait on when the point is that nothing happens. Never used to wait for
 * something to happen; size the window from the timing table.
 */
export async function observeFor(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

export interface ServerMeta {
  readonly database: string;
  readonly siteId: string;
  readonly schemaName: string;
  readonly schemaVersion: number;
  readonly dbVersion: number;
}

/** One published snapshot and when the test saw it. */
export interface SnapshotRecord {
  readonly at: number;
  readonly snapshot: SyncSnapshot;
}

export interface WatchedClientOptions {
  /** Default: the rig's server (or pass a proxy's wsUrl). */
  readonly url?: string;
  readonly schemaVersion?: number;
  readonly timing?: Partial<SyncTimingOptions>;
  readonly onlineSignal?: OnlineSignal;
  readonly createWebSocket?: CreateWebSocket;
}

/** A real client on a real file database, with every snapshot it publishes recorded. */
export class WatchedClient {
  readonly client: SyncClient;
  readonly history: SnapshotRecord[] = [];
  readonly #handle: { connection: SqliteConnection; db: ClientDatabase };

  constructor(client: SyncClient, handle: { connection: SqliteConnection; db: ClientDatabase }) {
    this.client = client;
    this.#handle = handle;
  }

  /** The current database (Nuke and Resync replaces it). */
  get connection(): SqliteConnection {
    return this.#handle.connection;
  }

  status(): SyncStatus {
    return this.client.getSnapshot().status;
  }

  /** Status names in publication order, consecutive repeats merged. */
  statusNames(from = 0): SyncStatusName[] {
    const names: SyncStatusName[] = [];
    for (const record of this.history.slice(from)) {
      const name = record.snapshot.status.status;
      if (names[names.length - 1] !== name) names.push(name);
    }
    return names;
  }

  /** Records published after index `from` whose status was green. */
  greenSince(from: number): SnapshotRecord[] {
    return this.history.slice(from).filter((record) => isGreen(record.snapshot.status));
  }

  async waitForStatus(name: SyncStatusName, timeoutMs = 10_000, also: (status: SyncStatus) => boolean = () => true): Promise<SyncStatus> {
    await waitUntil(
      `status ${name} (history: ${this.statusNames().join(' > ')})`,
      () => this.status().status === name && also(this.status()),
      timeoutMs,
    );
    return this.status();
  }

  /** Writes through the client database adapter, as a host app would, so it never lands inside the client's transaction. */
  async insertItems(ids: readonly number[]): Promise<void> {
    for (const id of ids) await this.exec('INSERT INTO items (id, title) VALUES (?, ?)', [id, `local ${id}`]);
  }

  async exec(sql: string, params: readonly SqlValue[] = []): Promise<void> {
    await this.#handle.db.exec(sql, params);
  }

  async items(): Promise<SqlValue[][]> {
    return this.#handle.db.all('SELECT id, title FROM items ORDER BY id');
  }
}

export class TruthfulRig {
  readonly serverDir: string;
  readonly clientDir: string;
  #server: RunningSyncServer | null = null;
  #port = 0;
  readonly #clients: WatchedClient[] = [];
  readonly #connections = new Set<SqliteConnection>();
  readonly #proxies: FaultProxy[] = [];
  readonly #epochs: Epoch[] = [];
  /** Identities replaced by a reset: a meta poll that was in flight during the reset must not revive one. */
  readonly #retired = new Set<string>();
  #greenObservations = 0;
  #poller: ReturnType<typeof setInterval> | null = null;
  #polling = false;
  #closed = false;
  readonly #maxFrameBytes: number | undefined;

  private constructor(maxFrameBytes: number | undefined) {
    this.#maxFrameBytes = maxFrameBytes;
    this.serverDir = makeDataDir();
    this.clientDir = makeDataDir();
    this.#newEpoch(null);
  }

  /** A rig with its server started; close it in afterEach. `maxFrameBytes` is the server's frame limit. */
  static async create(options: { readonly maxFrameBytes?: number } = {}): Promise<TruthfulRig> {
    const rig = new TruthfulRig(options.maxFrameBytes);
    await rig.startServer();
    rig.#poller = setInterval(() => void rig.#poll(), POLL_MS);
    return rig;
  }

  get server(): RunningSyncServer {
    if (this.#server === null) throw new Error('the server is not running');
    return this.#server;
  }

  /** Starts the server on the rig's folder; after the first start, on the same port. */
  async startServer(): Promise<RunningSyncServer> {
    if (this.#server !== null) throw new Error('the server is already running');
    this.#server = await startSyncServer({
      dataDir: this.serverDir,
      schema: TRUTHFUL_SCHEMA,
      port: this.#port,
      allowExec: true,
      heartbeatIntervalMs: SERVER_HEARTBEAT_MS,
      ...(this.#maxFrameBytes === undefined ? {} : { maxFrameBytes: this.#maxFrameBytes }),
    });
    this.#port = this.#server.port;
    return this.#server;
  }

  async stopServer(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    await server?.close();
  }

  async startProxy(mode: FaultMode = 'pass', link: { readonly bytesPerSecond?: number } = {}): Promise<FaultProxy> {
    const proxy = await startFaultProxy({ target: this.server.wsUrl, mode, ...link });
    this.#proxies.push(proxy);
    return proxy;
  }

  /** A client on a new database file with the app schema, attached (pending known) but not started. */
  async openClient(name: string, options: WatchedClientOptions = {}): Promise<WatchedClient> {
    const path = join(this.clientDir, `${name}.sqlite3`);
    const handle = await this.#openClientDatabase(path);
    const client = await attachSyncClient({
      db: handle.db,
      url: options.url ?? this.server.wsUrl,
      database: TRUTHFUL_DATABASE,
      schema: { name: TRUTHFUL_SCHEMA.name, version: options.schemaVersion ?? TRUTHFUL_SCHEMA.version },
      createWebSocket: options.createWebSocket ?? createNodeWebSocket,
      timing: { ...TRUTHFUL_TIMING, ...options.timing },
      resetDatabase: async () => {
        // What a host does for Nuke and Resync: close, delete, re-create with its schema.
        this.#connections.delete(handle.connection);
        handle.connection.close();
        rmSync(path, { force: true });
        rmSync(`${path}-journal`, { force: true });
        const fresh = await this.#openClientDatabase(path);
        handle.connection = fresh.connection;
        handle.db = fresh.db;
        return fresh.db;
      },
      ...(options.onlineSignal === undefined ? {} : { onlineSignal: options.onlineSignal }),
    } satisfies SyncClientOptions);
    const watched = new WatchedClient(client, handle);
    const record = (): void => {
      const snapshot = client.getSnapshot();
      const last = watched.history[watched.history.length - 1];
      if (last?.snapshot === snapshot) return;
      const at = Date.now();
      watched.history.push({ at, snapshot });
      this.#observe(at, snapshot);
    };
    record();
    client.subscribe(record);
    this.#clients.push(watched);
    return watched;
  }

  /** Runs SQL on the server and records the commit for the monitor. */
  async exec(sql: string, params: readonly SqlValue[] = []): Promise<{ rows: unknown[][]; dbVersion: number }> {
    const body = (await this.#request('POST', 'exec', { sql, params })) as { rows: unknown[][]; dbVersion: number };
    this.#recordCommit(this.#currentEpoch().siteId, body.dbVersion, Date.now());
    return body;
  }

  /** Rebuilds the server database (new identity): the monitor starts a new epoch. */
  async reset(): Promise<ServerMeta> {
    const meta = (await this.#request('POST', 'reset')) as ServerMeta;
    this.#recordCommit(meta.siteId, meta.dbVersion, Date.now());
    return meta;
  }

  async meta(): Promise<ServerMeta> {
    return (await this.#request('GET', 'meta')) as ServerMeta;
  }

  async serverItems(): Promise<unknown[][]> {
    return (await this.exec('SELECT id, title FROM items ORDER BY id')).rows;
  }

  /** Every moment any client was green while a server commit older than freshnessMs was missing. */
  violations(): InvariantViolation[] {
    return this.#epochs.flatMap((epoch) => [...epoch.monitor.violations()]);
  }

  /** Green observations judged: a monitor that judged none proves nothing. */
  greenObservations(): number {
    return this.#greenObservations;
  }

  /** For the test that shows the monitor is not vacuous: a commit or an observation the rig did not make. */
  injectServerCommit(version: number, committedAt: number): void {
    this.#currentEpoch().monitor.recordServerCommit(version, committedAt);
  }

  injectObservation(observation: StatusObservation): void {
    this.#currentEpoch().monitor.recordObservation(observation);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#poller !== null) clearInterval(this.#poller);
    await waitUntil('the last meta poll', () => !this.#polling, REQUEST_TIMEOUT_MS + 1_000);
    for (const watched of this.#clients.splice(0)) await watched.client.stop();
    for (const proxy of this.#proxies.splice(0)) await proxy.close();
    for (const connection of this.#connections) connection.close();
    this.#connections.clear();
    await this.stopServer();
    removeDataDir(this.serverDir);
    removeDataDir(this.clientDir);
  }

  async #openClientDatabase(path: string): Promise<{ connection: SqliteConnection; db: ClientDatabase }> {
    const connection = await openFileDatabase(path);
    connection.exec(TRUTHFUL_SCHEMA.sql);
    this.#connections.add(connection);
    return { connection, db: fromSqliteConnection(connection) };
  }

  async #request(method: 'GET' | 'POST', action: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.server.httpUrl}/${TRUTHFUL_DATABASE}/${action}`, {
      method,
      // A request caught by a server shutting down must not hang the rig.
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} /${action} failed: ${response.status} ${text}`);
    return JSON.parse(text) as unknown;
  }

  /** Ground truth from the server, and a sample of every client's current snapshot. */
  async #poll(): Promise<void> {
    const now = Date.now();
    for (const watched of this.#clients) this.#observe(now, watched.client.getSnapshot());
    if (this.#polling || this.#server === null) return;
    this.#polling = true;
    try {
      const meta = await this.meta();
      this.#recordCommit(meta.siteId, meta.dbVersion, Date.now());
    } catch {
      // The server is down, restarting, or the database does not exist yet: nothing committed.
    } finally {
      this.#polling = false;
    }
  }

  #observe(at: number, snapshot: SyncSnapshot): void {
    if (isGreen(snapshot.status)) this.#greenObservations += 1;
    this.#currentEpoch().monitor.recordObservation({
      at,
      status: snapshot.status,
      appliedServerVersion: snapshot.diagnostics.appliedServerVersion,
    });
  }

  #recordCommit(siteId: string | null, version: number, at: number): void {
    if (siteId !== null && this.#retired.has(siteId)) return;
    let epoch = this.#currentEpoch();
    if (siteId !== null && epoch.siteId === null) epoch.siteId = siteId;
    if (siteId !== null && epoch.siteId !== siteId) {
      if (epoch.siteId !== null) this.#retired.add(epoch.siteId);
      epoch = this.#newEpoch(siteId);
    }
    if (version <= epoch.lastVersion) return;
    epoch.lastVersion = version;
    epoch.monitor.recordServerCommit(version, at);
  }

  #newEpoch(siteId: string | null): Epoch {
    const epoch: Epoch = { siteId, monitor: createInvariantMonitor({ freshnessMs: TRUTHFUL_TIMING.freshnessMs + TIMER_SLACK_MS }), lastVersion: 0 };
    this.#epochs.push(epoch);
    return epoch;
  }

  #currentEpoch(): Epoch {
    const epoch = this.#epochs[this.#epochs.length - 1];
    if (epoch === undefined) throw new Error('no epoch');
    return epoch;
  }
}
