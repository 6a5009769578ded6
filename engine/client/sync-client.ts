import { GreenlightError, toGreenlightError } from '../errors.ts';
import type { DatabaseName, SiteId } from '../protocol/ids.ts';
import { parseDatabaseName, parseSiteId } from '../protocol/ids.ts';
import { backoffDelay } from './backoff.ts';
import type { ClientDatabase } from './client-database.ts';
import { watchLocalCommits } from './local-commit-watcher.ts';
import { countLocalCommits } from './pending-tracker.ts';
import { SerialQueue } from './serial-queue.ts';
import type { SyncClientApi, SyncSnapshot, UnsyncedChangesExport } from './sync-client-api.ts';
import { SyncConnection, type ConnectionEnd } from './sync-connection.ts';
import type { SyncEvent, SyncTimingOptions } from './sync-events.ts';
import { DEFAULT_SYNC_TIMING } from './sync-events.ts';
import { ensureSyncMetadata } from './sync-metadata.ts';
import type { SyncMachineState } from './sync-state-machine.ts';
import { createSyncState, diagnosticsOf, hasPublishedChange, progressOf, statusOf, transition } from './sync-state-machine.ts';
import type { PendingCount } from './sync-status.ts';
import { NO_PENDING } from './sync-status.ts';
import { exportUnsyncedChanges } from './unsynced-changes-export.ts';
import type { CreateWebSocket } from './websocket-like.ts';
import { createGlobalWebSocket } from './websocket-like.ts';

/** The machine's windows only expire on events; the loop ticks at least this often. */
export const TICK_INTERVAL_MS = 250;

export interface SyncClientOptions {
  /** The host's cr-sqlite database, with its schema already created. */
  readonly db: ClientDatabase;
  /** The server's WebSocket endpoint, e.g. `ws://127.0.0.1:8080/sync`. */
  readonly url: string;
  /** The server-side database name to sync with. */
  readonly database: string;
  /** The schema this client's database was created with; the server must hold the same. */
  readonly schema: { readonly name: string; readonly version: number };
  /** Defaults to the global WebSocket; Node 20 has none (pass `(url) => new WebSocket(url)` from `ws`). */
  readonly createWebSocket?: CreateWebSocket;
  readonly timing?: Partial<SyncTimingOptions>;
  readonly now?: () => number;
  readonly random?: () => number;
  /** Deletes and re-creates the host database (schema included) for Nuke and Resync. */
  readonly resetDatabase?: () => Promise<ClientDatabase>;
  /** Defaults to `navigator.onLine` where there is one. */
  readonly isOnline?: () => boolean;
  readonly maxFrameBytes?: number;
}

interface Attachment {
  readonly db: ClientDatabase;
  readonly clientSiteId: SiteId;
  readonly unwatch: () => void;
}

/**
 * The sync client: attaches to the host's database, keeps one connection to the
 * server alive with capped, jittered backoff, and publishes what the pure state
 * machine makes of the events it observes.
 */
export class SyncClient implements SyncClientApi {
  readonly #options: SyncClientOptions;
  readonly #database: DatabaseName;
  readonly #timing: SyncTimingOptions;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #createWebSocket: CreateWebSocket;
  readonly #isOnline: () => boolean;
  readonly #listeners = new Set<() => void>();
  readonly #queue = new SerialQueue();
  #db: ClientDatabase;
  #state: SyncMachineState;
  #snapshot: SyncSnapshot;
  #attachment: Attachment | null = null;
  #attaching: Promise<Attachment> | null = null;
  #started = false;
  /** Bumped by every start and stop, so work begun under an old run cannot act on a new one. */
  #run = 0;
  #connection: SyncConnection | null = null;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #tickTimer: ReturnType<typeof setInterval> | null = null;
  #removeNetworkListeners: (() => void) | null = null;
  #incompatible = false;

  constructor(options: SyncClientOptions) {
    this.#options = options;
    this.#database = parseDatabaseName(options.database);
    this.#db = options.db;
    this.#timing = { ...DEFAULT_SYNC_TIMING, ...options.timing };
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#createWebSocket = options.createWebSocket ?? createGlobalWebSocket;
    this.#isOnline = options.isOnline ?? defaultIsOnline;
    this.#state = createSyncState(this.#now(), NO_PENDING);
    this.#snapshot = this.#buildSnapshot();
  }

  getSnapshot(): SyncSnapshot {
    return this.#snapshot;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Creates the sync metadata (if missing) and reads the persisted pending count,
   * so the count is right before the first connection, and while offline.
   * `start` attaches by itself; call this to know the count without syncing.
   */
  async attach(): Promise<void> {
    await this.#attach();
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#incompatible = false;
    this.#attempt = 0;
    const run = ++this.#run;
    this.#feed({ type: 'started', at: this.#now() });
    this.#tickTimer = setInterval(() => this.#feed({ type: 'tick', at: this.#now() }), TICK_INTERVAL_MS);
    this.#listenToNetwork();
    this.#attach().then(
      () => {
        if (run === this.#run) this.#connect();
      },
      (error: unknown) => {
        if (run !== this.#run) return;
        // The database could not even be prepared: report it like a failed apply.
        this.#feed({ type: 'apply-failed', at: this.#now(), error: toGreenlightError(error, 'storage', 'storage') });
      },
    );
  }

  async stop(): Promise<void> {
    if (!this.#started) {
      await this.#queue.idle();
      return;
    }
    this.#started = false;
    this.#run += 1;
    this.#clearRetry();
    if (this.#tickTimer !== null) clearInterval(this.#tickTimer);
    this.#tickTimer = null;
    this.#removeNetworkListeners?.();
    this.#removeNetworkListeners = null;
    const connection = this.#connection;
    this.#connection = null;
    connection?.close();
    await this.#queue.idle();
    this.#feed({ type: 'stopped', at: this.#now() });
  }

  /** The host committed local changes: count them and send them without waiting for the update hook. */
  notifyLocalCommit(): void {
    void this.#onLocalCommit();
  }

  async exportUnsyncedChanges(): Promise<UnsyncedChangesExport> {
    const attachment = await this.#attach();
    return this.#queue.run(() => exportUnsyncedChanges(attachment.db, this.#database, attachment.clientSiteId, new Date(this.#now())));
  }

  async nukeAndResync(): Promise<void> {
    this.#feed({ type: 'nuke-started', at: this.#now() });
    const reset = this.#options.resetDatabase;
    if (reset === undefined) {
      this.#feed({
        type: 'nuke-failed',
        at: this.#now(),
        error: new GreenlightError('internal', 'client', 'Nuke and Resync needs the resetDatabase option'),
      });
      return;
    }
    await this.stop();
    try {
      this.#detach();
      this.#db = await reset();
      await this.#attach();
    } catch (error) {
      this.#feed({ type: 'nuke-failed', at: this.#now(), error: toGreenlightError(error, 'storage', 'storage') });
      return;
    }
    this.start();
  }

  // ---- attaching -----------------------------------------------------------------

  #attach(): Promise<Attachment> {
    if (this.#attachment !== null) return Promise.resolve(this.#attachment);
    if (this.#attaching !== null) return this.#attaching;
    const db = this.#db;
    const attaching = this.#queue
      .run(async () => {
        await ensureSyncMetadata(db);
        const [row] = await db.all('SELECT lower(hex(crsql_site_id()))');
        const clientSiteId = parseSiteId(typeof row?.[0] === 'string' ? row[0] : '');
        const pending = await db.transaction((tx) => countLocalCommits(tx));
        return { clientSiteId, pending };
      })
      .then(({ clientSiteId, pending }) => {
        const attachment: Attachment = { db, clientSiteId, unwatch: watchLocalCommits(db, () => this.notifyLocalCommit()) };
        this.#attachment = attachment;
        this.#setPending(pending);
        return attachment;
      })
      .finally(() => {
        if (this.#attaching === attaching) this.#attaching = null;
      });
    this.#attaching = attaching;
    return attaching;
  }

  #detach(): void {
    this.#attachment?.unwatch();
    this.#attachment = null;
    this.#attaching = null;
  }

  async #onLocalCommit(): Promise<void> {
    const attachment = this.#attachment;
    if (attachment === null) return;
    try {
      const pending = await this.#queue.run(() => attachment.db.transaction((tx) => countLocalCommits(tx)));
      if (attachment !== this.#attachment) return;
      this.#setPending(pending);
      this.#connection?.localCommitted();
    } catch (error) {
      this.#feed({ type: 'apply-failed', at: this.#now(), error: toGreenlightError(error, 'storage', 'storage') });
    }
  }

  #setPending(pending: PendingCount): void {
    const current = this.#state.pending;
    if (current.changes === pending.changes && current.rows === pending.rows) return;
    this.#feed({ type: 'pending-changed', at: this.#now(), pending });
  }

  // ---- the connection loop -----------------------------------------------------------

  /** The one place a connection is created; `#connection` is the lock that keeps attempts from overlapping. */
  #connect(): void {
    this.#retryTimer = null;
    const attachment = this.#attachment;
    if (!this.#started || this.#connection !== null || this.#incompatible || attachment === null) return;
    if (!this.#isOnline()) {
      // Hosts without online events (or with a custom isOnline) are polled with the backoff.
      this.#feed({ type: 'network-changed', at: this.#now(), online: false });
      this.#scheduleRetry();
      return;
    }
    this.#attempt += 1;
    this.#feed({ type: 'connect-attempt', at: this.#now(), attempt: this.#attempt });
    const run = this.#run;
    try {
      const connection: SyncConnection = new SyncConnection({
        db: attachment.db,
        queue: this.#queue,
        url: this.#options.url,
        database: this.#database,
        clientSiteId: attachment.clientSiteId,
        schema: this.#options.schema,
        createWebSocket: this.#createWebSocket,
        timing: this.#timing,
        now: this.#now,
        ...(this.#options.maxFrameBytes === undefined ? {} : { maxFrameBytes: this.#options.maxFrameBytes }),
        emit: (event) => {
          if (run !== this.#run) return;
          if (event.type === 'caught-up') this.#attempt = 0;
          this.#feed(event);
        },
        onPending: (pending) => {
          if (run === this.#run) this.#setPending(pending);
        },
        onEnd: (end) => this.#onConnectionEnd(connection, end),
      });
      this.#connection = connection;
    } catch (error) {
      this.#feed({
        type: 'socket-closed',
        at: this.#now(),
        wasOpen: false,
        error: toGreenlightError(error, 'transport', 'transport'),
      });
      this.#scheduleRetry();
    }
  }

  #onConnectionEnd(connection: SyncConnection, end: ConnectionEnd): void {
    // A connection this client already let go of (stop, offline) schedules nothing.
    if (this.#connection !== connection) return;
    this.#connection = null;
    if (!this.#started) return;
    if (end.incompatible) {
      this.#incompatible = true;
      return;
    }
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (!this.#started || this.#retryTimer !== null) return;
    const delay = backoffDelay(this.#attempt, this.#timing, this.#random);
    const nextRetryAt = this.#now() + delay;
    this.#feed({ type: 'retry-scheduled', at: this.#now(), nextRetryAt });
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  #clearRetry(): void {
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  #listenToNetwork(): void {
    const target = globalThis as Partial<Pick<typeof globalThis, 'addEventListener' | 'removeEventListener'>>;
    if (typeof target.addEventListener !== 'function' || typeof target.removeEventListener !== 'function') return;
    const online = (): void => {
      this.#feed({ type: 'network-changed', at: this.#now(), online: true });
      if (this.#connection !== null) return;
      this.#clearRetry();
      this.#connect();
    };
    const offline = (): void => {
      this.#feed({ type: 'network-changed', at: this.#now(), online: false });
      this.#clearRetry();
      // A socket may linger for minutes after the network went away; do not trust it.
      const connection = this.#connection;
      this.#connection = null;
      connection?.close(new GreenlightError('transport', 'transport', 'the device went offline'));
    };
    target.addEventListener('online', online);
    target.addEventListener('offline', offline);
    const remove = target.removeEventListener.bind(globalThis);
    this.#removeNetworkListeners = () => {
      remove('online', online);
      remove('offline', offline);
    };
  }

  // ---- publishing ------------------------------------------------------------------

  #feed(event: SyncEvent): void {
    const before = this.#state;
    const after = transition(before, event, this.#timing);
    if (after === before) return;
    this.#state = after;
    if (!hasPublishedChange(before, after)) return;
    this.#snapshot = this.#buildSnapshot();
    for (const listener of [...this.#listeners]) listener();
  }

  #buildSnapshot(): SyncSnapshot {
    return { status: statusOf(this.#state), progress: progressOf(this.#state), diagnostics: diagnosticsOf(this.#state) };
  }
}

export function createSyncClient(options: SyncClientOptions): SyncClient {
  return new SyncClient(options);
}

/** Creates a client and attaches it, so its pending count is known before it starts. */
export async function attachSyncClient(options: SyncClientOptions): Promise<SyncClient> {
  const client = new SyncClient(options);
  await client.attach();
  return client;
}

function defaultIsOnline(): boolean {
  const navigator = (globalThis as { navigator?: { onLine?: boolean } }).navigator;
  return navigator?.onLine ?? true;
}
