import { GreenlightError, toGreenlightError } from '../errors.ts';
import type { DatabaseName, SiteId } from '../protocol/ids.ts';
import { parseDatabaseName, parseSiteId } from '../protocol/ids.ts';
import { checkFrameLimitOption } from '../protocol/frame-limits.ts';
import { backoffDelay } from './backoff.ts';
import type { ClientDatabase } from './client-database.ts';
import { watchLocalCommits } from './local-commit-watcher.ts';
import { browserOnlineSignal, polledOnlineSignal, type OnlineSignal } from './online-signal.ts';
import { countLocalCommits } from './pending-tracker.ts';
import { SerialQueue } from './serial-queue.ts';
import type { SyncClientApi, SyncSnapshot, UnsyncedChangesExport } from './sync-client-api.ts';
import { SyncConnection, type ConnectionEnd } from './sync-connection.ts';
import type { SyncEvent, SyncTimingOptions } from './sync-events.ts';
import { DEFAULT_SYNC_TIMING } from './sync-events.ts';
import { clearSyncMetadata, ensureSyncMetadata } from './sync-metadata.ts';
import type { SyncMachineState } from './sync-state-machine.ts';
import {
  createSyncState,
  diagnosticsOf,
  greenExpiresAt,
  hasPublishedChange,
  progressOf,
  statusOf,
  transition,
} from './sync-state-machine.ts';
import type { PendingCount } from './sync-status.ts';
import { NO_PENDING } from './sync-status.ts';
import { exportUnsyncedChanges } from './unsynced-changes-export.ts';
import type { CreateWebSocket } from './websocket-like.ts';
import { createGlobalWebSocket } from './websocket-like.ts';

/**
 * The loop's one clock. The machine's windows only expire on events, and each
 * tick also checks the connection's liveness (pings, silence) and the network,
 * with the same `now`: a silent socket stops being green and is closed within
 * `heartbeatTimeoutMs` plus one tick.
 */
export const TICK_INTERVAL_MS = 250;
/** A tick this late means the thread was busy, not idle: see SyncConnection.tick. */
const STALLED_TICK_MS = 4 * TICK_INTERVAL_MS;

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
  /**
   * Nuke and Resync: the host closes and deletes its database, re-creates it with
   * its schema and hands it back. The client never touches the old one again.
   */
  readonly resetDatabase?: () => Promise<ClientDatabase>;
  /** Whether the device has a network; default `browserOnlineSignal()` (navigator.onLine and online/offline events). */
  readonly onlineSignal?: OnlineSignal;
  /** A bare online check, polled every tick; ignored when `onlineSignal` is given. */
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
  readonly #network: OnlineSignal;
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
  #lastTickAt: number | null = null;
  /** An extra tick at the instant green would end, so it never outlasts its window by up to a tick. */
  #deadlineTimer: ReturnType<typeof setTimeout> | null = null;
  #deadlineAt: number | null = null;
  #unsubscribeNetwork: (() => void) | null = null;
  /** The network state last told to the machine. */
  #online = true;
  #incompatible = false;
  #nuking: Promise<void> | null = null;
  /**
   * Set when a Nuke and Resync failed: the host's database is in an unknown state
   * (closed, half deleted), so nothing syncs until a nuke succeeds.
   */
  #nukeFailure: GreenlightError | null = null;

  constructor(options: SyncClientOptions) {
    this.#options = options;
    this.#database = parseDatabaseName(options.database);
    if (options.maxFrameBytes !== undefined) checkFrameLimitOption(options.maxFrameBytes, 'client');
    this.#db = options.db;
    this.#timing = { ...DEFAULT_SYNC_TIMING, ...options.timing };
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#createWebSocket = options.createWebSocket ?? createGlobalWebSocket;
    this.#network = options.onlineSignal ?? (options.isOnline === undefined ? browserOnlineSignal() : polledOnlineSignal(options.isOnline));
    this.#state = createSyncState(this.#now(), NO_PENDING);
    this.#snapshot = this.#buildSnapshot();
  }

  /**
   * The light at this instant. Timers fire late on a busy thread, so a window that
   * has run out ends green here, whoever asks, rather than when the deadline timer
   * gets to run: the machine takes a tick first (the result is kept, so asking
   * again returns the same object). Subscribers hear of it from a microtask, never
   * from inside this call, which a view may make while rendering.
   */
  getSnapshot(): SyncSnapshot {
    const expires = this.#started ? greenExpiresAt(this.#state, this.#timing) : null;
    if (expires !== null) {
      const at = this.#now();
      if (at >= expires) this.#feed({ type: 'tick', at }, 'later');
    }
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
    // The network first, so `started` already knows whether an attempt can succeed.
    this.#observeNetwork();
    this.#feed({ type: 'started', at: this.#now() });
    if (this.#nukeFailure !== null) {
      this.#feed({ type: 'nuke-failed', at: this.#now(), error: this.#nukeFailure });
      return;
    }
    this.#lastTickAt = this.#now();
    this.#tickTimer = setInterval(() => this.#tick(), TICK_INTERVAL_MS);
    this.#unsubscribeNetwork = this.#network.subscribe(() => this.#observeNetwork());
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
    this.#halt();
    await this.#queue.idle();
    this.#feed({ type: 'stopped', at: this.#now() });
  }

  /** The host committed local changes: count them and send them without waiting for the update hook. */
  notifyLocalCommit(): void {
    void this.#onLocalCommit();
  }

  /**
   * The unacknowledged local changes, as a JSON document a user can save: as many
   * as the pending count says (counted in the same transaction, which also
   * publishes that count). `applyUnsyncedChangesExport` writes them back.
   */
  async exportUnsyncedChanges(): Promise<UnsyncedChangesExport> {
    const attachment = await this.#attach();
    const { document, pending } = await this.#queue.run(() =>
      exportUnsyncedChanges(attachment.db, this.#database, attachment.clientSiteId, new Date(this.#now())),
    );
    if (attachment === this.#attachment) this.#setPending(pending);
    return document;
  }

  /**
   * Stops syncing, has the host delete and re-create its database
   * (`resetDatabase`), clears the sync metadata in the new one and starts again
   * from nothing: a full download, shown as `catching-up` with totals, then
   * `synced`. Resolves once the fresh database is attached and the download has
   * begun; the status tells the rest.
   *
   * When the reset or the attach fails, the status is `stuck: apply-failed` with
   * the error in the diagnostics, nothing connects (the database is in an unknown
   * state) and the promise rejects; calling this again is the retry. A download
   * that fails part-way leaves each applied batch committed with its cursor and the
   * server identity, so the database never claims more than it holds; the loop
   * resumes from there, or another nuke starts over. Calls made while one runs
   * join it.
   */
  nukeAndResync(): Promise<void> {
    this.#nuking ??= this.#nuke().finally(() => {
      this.#nuking = null;
    });
    return this.#nuking;
  }

  async #nuke(): Promise<void> {
    const wasIdle = this.#snapshot.status.status === 'idle';
    this.#halt();
    const run = this.#run;
    this.#observeNetwork();
    // The machine forgets the server only for a running client; an idle one starts with the nuke.
    if (wasIdle) this.#feed({ type: 'started', at: this.#now() });
    this.#feed({ type: 'nuke-started', at: this.#now() });
    try {
      await this.#queue.idle();
      this.#detach();
      const reset = this.#options.resetDatabase;
      if (reset === undefined) throw new GreenlightError('internal', 'client', 'Nuke and Resync needs the resetDatabase option');
      this.#db = await reset();
      await this.#attach({ clearMetadata: true });
    } catch (error) {
      const failure = toGreenlightError(error, 'storage', 'storage');
      this.#detach();
      this.#nukeFailure = failure;
      if (run === this.#run) this.#feed({ type: 'nuke-failed', at: this.#now(), error: failure });
      throw failure;
    }
    this.#nukeFailure = null;
    // A stop() while the host was resetting wins: the fresh database waits for start().
    if (run === this.#run) this.start();
  }

  // ---- attaching -----------------------------------------------------------------

  #attach(how: { readonly clearMetadata: boolean } = { clearMetadata: false }): Promise<Attachment> {
    if (this.#attachment !== null) return Promise.resolve(this.#attachment);
    if (this.#attaching !== null) return this.#attaching;
    const db = this.#db;
    const attaching = this.#queue
      .run(async () => {
        await ensureSyncMetadata(db);
        if (how.clearMetadata) await db.transaction((tx) => clearSyncMetadata(tx));
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
    // Offline, an attempt cannot succeed: the network signal (or the tick) reconnects.
    if (!this.#online) return;
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

  /** Stops the loop without telling the machine: every timer, the network subscription, the connection. */
  #halt(): void {
    this.#started = false;
    // Work begun under the old run (an attach, a closing socket's events) cannot act any more.
    this.#run += 1;
    this.#clearRetry();
    if (this.#tickTimer !== null) clearInterval(this.#tickTimer);
    this.#tickTimer = null;
    this.#lastTickAt = null;
    this.#clearDeadline();
    this.#unsubscribeNetwork?.();
    this.#unsubscribeNetwork = null;
    const connection = this.#connection;
    this.#connection = null;
    connection?.close();
  }

  #tick(): void {
    const at = this.#now();
    const afterStall = this.#lastTickAt !== null && at - this.#lastTickAt > STALLED_TICK_MS;
    this.#lastTickAt = at;
    this.#observeNetwork();
    // The machine first, so a silent socket shows `stuck: heartbeat-lost` before the loop closes it.
    this.#feed({ type: 'tick', at });
    this.#connection?.tick(at, afterStall);
  }

  #armDeadline(): void {
    const expires = this.#started ? greenExpiresAt(this.#state, this.#timing) : null;
    if (expires === this.#deadlineAt) return;
    this.#clearDeadline();
    if (expires === null) return;
    this.#deadlineAt = expires;
    this.#deadlineTimer = setTimeout(() => {
      this.#deadlineTimer = null;
      this.#deadlineAt = null;
      this.#tick();
    }, Math.max(0, expires - this.#now()));
  }

  #clearDeadline(): void {
    if (this.#deadlineTimer !== null) clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = null;
    this.#deadlineAt = null;
  }

  /** Tells the machine when the network comes or goes, and acts on it at once. */
  #observeNetwork(): void {
    const online = this.#network.isOnline();
    if (online === this.#online) return;
    this.#online = online;
    this.#feed({ type: 'network-changed', at: this.#now(), online });
    if (!this.#started) return;
    this.#clearRetry();
    if (online) {
      // The backoff measured a dead network, not the server: start over, now.
      this.#attempt = 0;
      this.#connect();
      return;
    }
    // A socket may linger for minutes after the network went away; do not trust it.
    const connection = this.#connection;
    this.#connection = null;
    connection?.close(new GreenlightError('transport', 'transport', 'the device went offline'));
  }

  // ---- publishing ------------------------------------------------------------------

  /** `notify: 'later'` defers the listeners to a microtask, for a caller that must not run them (getSnapshot). */
  #feed(event: SyncEvent, notify: 'now' | 'later' = 'now'): void {
    const before = this.#state;
    const after = transition(before, event, this.#timing);
    if (after === before) return;
    this.#state = after;
    this.#armDeadline();
    if (!hasPublishedChange(before, after)) return;
    this.#snapshot = this.#buildSnapshot();
    if (notify === 'now') this.#notify();
    else queueMicrotask(() => this.#notify());
  }

  #notify(): void {
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
