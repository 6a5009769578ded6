import { GreenlightError, toGreenlightError } from '../errors.ts';
import { countDistinctRows } from '../protocol/change-row-key.ts';
import { changeWireSize, decodeClientMessage, encodeMessage } from '../protocol/codec.ts';
import { siteIdToBytes, type DatabaseName } from '../protocol/ids.ts';
import {
  CLOSE_CODES,
  DEFAULT_MAX_FRAME_BYTES,
  PROTOCOL_ERROR_CODES,
  PROTOCOL_VERSION,
  type ChangesMessage,
  type ClientMessage,
  type HelloMessage,
  type ProtocolErrorCode,
  type ServerMessage,
  type SqlValue,
} from '../protocol/messages.ts';
import { checkChangesFrame, streamAfterAccept, type SenderStream } from './change-rules.ts';
import { DatabaseQuota } from './database-quota.ts';
import type { DatabaseStore } from './database-store.ts';
import { checkDatabase, checkProtocol, type HandshakeRefusal } from './handshake.ts';
import { readBacklog } from './read-backlog.ts';
import { ServerDatabase, type ExecResult, type ServerDatabaseMeta } from './server-database.ts';
import type { ServerSchema } from './server-schema.ts';
import { systemTimers, type IntervalHandle, type ServerTimers, type TimeoutHandle } from './server-timers.ts';
import { catchUpBatchLimits, splitIntoVersionBatches, versionBatchLimits } from '../protocol/version-batches.ts';
import { checkFrameLimitOption, checkOutgoingFrame, clientSendLimit, serverSendLimit } from '../protocol/frame-limits.ts';
import { claimSite } from './site-secrets.ts';

/** The transport side of one client connection. Every frame the core sends goes through `send`. */
export interface SyncConnection {
  send(frame: Uint8Array): void;
  close(code: number, reason: string): void;
}

/** What the transport tells the core about that connection. */
export interface SyncConnectionHandlers {
  receive(frame: Uint8Array): void;
  /** A frame the transport already knows is not a protocol frame (e.g. a text frame). */
  receiveInvalid(reason: string): void;
  /** The transport closed; idempotent. */
  closed(): void;
}

export interface SyncServerCoreOptions {
  readonly store: DatabaseStore;
  readonly schema: ServerSchema;
  /** Create a database on the first hello (or /exec, /reset) naming it; default true. */
  readonly allowCreate?: boolean;
  /** Decides whether a client may sync this database; default: every database. */
  readonly authorize?: (database: DatabaseName) => boolean | Promise<boolean>;
  readonly maxFrameBytes?: number;
  /** How often accepted connections get a ping carrying the server version; default 1000. */
  readonly heartbeatIntervalMs?: number;
  /** A connection that sends nothing for this long is closed; default 15000. */
  readonly idleTimeoutMs?: number;
  /**
   * A connection that has sent no hello this long after it opened is closed with
   * `CLOSE_CODES.handshakeTimeout`; pings do not count. Default 5000.
   */
  readonly handshakeTimeoutMs?: number;
  /**
   * The most databases the store may hold, counting those it holds at start; a
   * hello (or /exec, /reset) that would create one more is refused as
   * `unknown-database`. Default 1000.
   */
  readonly maxDatabases?: number;
  /**
   * A database with no connection and no request for this long is closed (its
   * file and memory released) and opened again by the next hello; default 60000.
   */
  readonly idleDatabaseCloseMs?: number;
  readonly timers?: ServerTimers;
  /** Failures that closed a connection or lost a request, for logging. */
  readonly onError?: (error: GreenlightError) => void;
}

export const SERVER_CORE_DEFAULTS = {
  heartbeatIntervalMs: 1000,
  idleTimeoutMs: 15_000,
  handshakeTimeoutMs: 5000,
  maxDatabases: 1000,
  idleDatabaseCloseMs: 60_000,
} as const;

type PeerPhase = 'awaiting-hello' | 'handshaking' | 'live' | 'closed';

interface Peer {
  readonly transport: SyncConnection;
  phase: PeerPhase;
  /** Set once the hello is accepted for a database, while its backlog is still read. */
  room: Room | null;
  clientSite: Uint8Array | null;
  /** Where this client's stream of versions stands, for the rules its next frame must follow. */
  stream: SenderStream;
  /** All server changes through this version (except the client's own) have been sent. */
  sentThrough: number;
  /** What this connection may send: the server's limit until the accept, then the smaller of both. */
  sendLimit: number;
  /** What it reads: the server's limit until accepted, then the client's send limit (frame-limits.ts). */
  receiveLimit: number;
  lastHeardAt: number;
  /** Closes the connection if no hello arrives in time; null once one has. */
  handshakeDeadline: TimeoutHandle | null;
  /** Frames are handled one after another, even while a hello waits for its database. */
  queue: Promise<void>;
}

interface Room {
  readonly name: DatabaseName;
  readonly database: ServerDatabase;
  readonly peers: Set<Peer>;
  /** Runs while the room has no connection and no request; closes the room when it fires. */
  idleTimer: TimeoutHandle | null;
  /** Moves on every use, so an idle close queued before a use is dropped. */
  uses: number;
}

/** Why a database was not opened: it does not exist, and may not be created. */
interface OpenRefusal {
  readonly refused: string;
}

const SERVER_CLOSING_REASON = 'server closing';

/**
 * The transport-agnostic sync server: one room per database, the handshake,
 * merging client changes with an acknowledgement after the durable commit,
 * fan-out of every commit to the other caught-up clients, and heartbeats.
 * It imports nothing from Node, so the in-browser mock server runs it as is.
 */
export class SyncServerCore {
  readonly #store: DatabaseStore;
  readonly #schema: ServerSchema;
  readonly #allowCreate: boolean;
  readonly #authorize: ((database: DatabaseName) => boolean | Promise<boolean>) | undefined;
  readonly #maxFrameBytes: number;
  readonly #heartbeatIntervalMs: number;
  readonly #idleTimeoutMs: number;
  readonly #handshakeTimeoutMs: number;
  readonly #idleDatabaseCloseMs: number;
  readonly #quota: DatabaseQuota;
  readonly #timers: ServerTimers;
  readonly #onError: (error: GreenlightError) => void;
  readonly #peers = new Set<Peer>();
  readonly #rooms = new Map<DatabaseName, Room>();
  readonly #locks = new Map<DatabaseName, Promise<unknown>>();
  #heartbeat: IntervalHandle | null = null;
  #closed = false;

  constructor(options: SyncServerCoreOptions) {
    this.#store = options.store;
    this.#schema = options.schema;
    this.#allowCreate = options.allowCreate ?? true;
    this.#authorize = options.authorize;
    this.#maxFrameBytes = checkFrameLimitOption(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, 'server');
    this.#heartbeatIntervalMs = options.heartbeatIntervalMs ?? SERVER_CORE_DEFAULTS.heartbeatIntervalMs;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? SERVER_CORE_DEFAULTS.idleTimeoutMs;
    this.#handshakeTimeoutMs = options.handshakeTimeoutMs ?? SERVER_CORE_DEFAULTS.handshakeTimeoutMs;
    this.#idleDatabaseCloseMs = options.idleDatabaseCloseMs ?? SERVER_CORE_DEFAULTS.idleDatabaseCloseMs;
    const store = options.store;
    this.#quota = new DatabaseQuota(options.maxDatabases ?? SERVER_CORE_DEFAULTS.maxDatabases, () => store.count());
    this.#timers = options.timers ?? systemTimers;
    this.#onError = options.onError ?? (() => {});
  }

  connect(transport: SyncConnection): SyncConnectionHandlers {
    const peer: Peer = {
      transport,
      phase: 'awaiting-hello',
      room: null,
      clientSite: null,
      stream: streamAfterAccept(0),
      sentThrough: 0,
      sendLimit: this.#maxFrameBytes,
      receiveLimit: this.#maxFrameBytes,
      lastHeardAt: this.#timers.now(),
      handshakeDeadline: null,
      queue: Promise.resolve(),
    };
    if (this.#closed) {
      peer.phase = 'closed';
      transport.close(CLOSE_CODES.goingAway, SERVER_CLOSING_REASON);
    } else {
      this.#peers.add(peer);
      this.#startHeartbeat();
      // Until its hello, a connection costs the server and proves nothing: pings
      // keep it "heard from", so the idle timeout alone would never close it.
      peer.handshakeDeadline = this.#timers.setTimeout(() => {
        peer.handshakeDeadline = null;
        this.#closePeer(peer, CLOSE_CODES.handshakeTimeout, `no hello within ${this.#handshakeTimeoutMs} ms`);
      }, this.#handshakeTimeoutMs);
    }
    return {
      receive: (frame) => {
        if (peer.phase === 'closed') return;
        peer.lastHeardAt = this.#timers.now();
        peer.queue = peer.queue.then(() => this.#handleFrame(peer, frame));
      },
      receiveInvalid: (reason) => {
        if (peer.phase === 'closed') return;
        peer.queue = peer.queue.then(() => this.#fail(peer, 'malformed-frame', reason));
      },
      closed: () => this.#forget(peer),
    };
  }

  /** The database's identity and version, or null when it does not exist (it is not created). */
  meta(name: DatabaseName): Promise<ServerDatabaseMeta | null> {
    return this.#withLock(name, async () => {
      const room = await this.#openRoom(name, false);
      if (!isRoom(room)) return null;
      try {
        return room.database.meta();
      } finally {
        this.#release(room);
      }
    });
  }

  /** Runs one statement in a transaction on the database, then fans the commit out to its clients. */
  exec(name: DatabaseName, sql: string, params: readonly SqlValue[] = []): Promise<ExecResult> {
    return this.#withLock(name, async () => {
      const room = await this.#openRoom(name, true);
      if (!isRoom(room)) throw unknownDatabase(room.refused);
      try {
        const result = room.database.exec(sql, params);
        this.#fanOut(room);
        return result;
      } finally {
        this.#release(room);
      }
    });
  }

  /**
   * Deletes the database and creates it anew with a new site id, closing its
   * connections first: their clients must find out that this server is a new one.
   */
  async reset(name: DatabaseName): Promise<ServerDatabaseMeta> {
    return this.#withLock(name, async () => {
      const existing = this.#rooms.get(name);
      if (existing !== undefined) this.#closeRoom(name, existing, CLOSE_CODES.normal, 'reset');
      // Re-creating a database that exists keeps the count; one that does not is a creation.
      const creating = existing === undefined && !(await this.#store.exists(name));
      if (creating) {
        const refusal = await this.#mayCreate(name);
        if (refusal !== null) throw unknownDatabase(refusal.refused);
      }
      await this.#store.delete(name);
      const room = await this.#attachRoom(name, creating);
      try {
        return room.database.meta();
      } finally {
        this.#release(room);
      }
    });
  }

  /** Closes every connection and database; later connections are refused. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const peer of [...this.#peers]) this.#closePeer(peer, CLOSE_CODES.goingAway, SERVER_CLOSING_REASON);
    this.#stopHeartbeat();
    await Promise.allSettled([...this.#locks.values()]);
    for (const [name, room] of [...this.#rooms]) this.#closeRoom(name, room, CLOSE_CODES.goingAway, SERVER_CLOSING_REASON);
  }

  // ---- frames ------------------------------------------------------------------

  async #handleFrame(peer: Peer, frame: Uint8Array): Promise<void> {
    if (peer.phase === 'closed') return;
    let message: ClientMessage;
    try {
      message = decodeClientMessage(frame, { maxFrameBytes: peer.receiveLimit });
    } catch (error) {
      this.#refuseFrame(peer, error);
      return;
    }
    try {
      await this.#handleMessage(peer, message);
    } catch (error) {
      const failure = toGreenlightError(error, 'server');
      this.#onError(failure);
      this.#fail(peer, 'internal', failure.message);
    }
  }

  #refuseFrame(peer: Peer, error: unknown): void {
    const failure = toGreenlightError(error, 'protocol', 'malformed-frame');
    // A hello the codec could not read as this protocol's hello still deserves a
    // typed reject, so the client can tell "incompatible" from "broken frame".
    if (peer.phase === 'awaiting-hello' && (failure.kind === 'invalid-database-name' || failure.kind === 'protocol-version')) {
      this.#reject(peer, { reason: failure.kind, message: failure.message }, null);
      return;
    }
    const code = (PROTOCOL_ERROR_CODES as readonly string[]).includes(failure.kind)
      ? (failure.kind as ProtocolErrorCode)
      : 'malformed-frame';
    this.#fail(peer, code, failure.message);
  }

  async #handleMessage(peer: Peer, message: ClientMessage): Promise<void> {
    switch (message.type) {
      case 'hello':
        if (peer.phase !== 'awaiting-hello') {
          this.#fail(peer, 'unexpected-message', 'hello after the handshake');
          return;
        }
        await this.#handshake(peer, message);
        return;
      case 'changes':
        if (peer.phase !== 'live' || peer.room === null || peer.clientSite === null) {
          this.#fail(peer, 'unexpected-message', 'changes before an accepted hello');
          return;
        }
        this.#merge(peer, peer.room, peer.clientSite, message);
        return;
      case 'ping':
        this.#send(peer, { type: 'pong', sentAt: message.sentAt, serverVersion: peer.room?.database.dbVersion() ?? 0 });
        return;
      case 'pong':
        return;
      case 'error':
        this.#closePeer(peer, CLOSE_CODES.protocolError, `client reported ${message.code}`);
        return;
    }
  }

  // ---- handshake and catch-up -------------------------------------------------

  async #handshake(peer: Peer, hello: HelloMessage): Promise<void> {
    peer.phase = 'handshaking';
    this.#clearHandshakeDeadline(peer);
    const protocolRefusal = checkProtocol(hello);
    if (protocolRefusal !== null) {
      this.#reject(peer, protocolRefusal, null);
      return;
    }
    const name = hello.database;
    if (this.#authorize !== undefined && !(await this.#authorize(name))) {
      this.#reject(peer, { reason: 'forbidden-database', message: `this client may not sync database ${name}` }, null);
      return;
    }
    // Inside the lock, so a reset cannot close the database between opening it and
    // reading the backlog.
    await this.#withLock(name, async () => {
      const room = await this.#openRoom(name, true);
      if (!isRoom(room)) {
        this.#reject(peer, { reason: 'unknown-database', message: room.refused }, null);
        return;
      }
      try {
        // The client may have gone while the database opened.
        if (isClosed(peer)) return;
        await this.#acceptAndCatchUp(peer, room, hello);
      } finally {
        this.#release(room);
      }
    });
  }

  /**
   * The backlog is everything through the version current at the hello, read in
   * pages (`readBacklog`) while the heartbeat keeps pinging this connection, so a
   * long read is not taken for a dead server. Its size in the accept is what is
   * then sent, in batches sized for progress (`catchUpBatchLimits`), splitting
   * only a version too large for one frame. What was committed meanwhile follows
   * at once, as it would for any live connection.
   */
  async #acceptAndCatchUp(peer: Peer, room: Room, hello: HelloMessage): Promise<void> {
    const { database } = room;
    const target = database.dbVersion();
    const clientSite = siteIdToBytes(hello.clientSiteId);
    // The secret last: a hello refused for its schema or server registers nothing.
    const refusal = checkDatabase(hello, database, target) ?? claimSite(database, clientSite, hello.siteSecret);
    if (refusal !== null) {
      this.#reject(peer, refusal, database);
      return;
    }
    peer.room = room;
    const backlog = await readBacklog(database, hello.serverCursor, target, clientSite, () => isClosed(peer));
    if (backlog === null || isClosed(peer)) return;
    let backlogBytes = 0;
    for (const change of backlog) backlogBytes += changeWireSize(change);
    const committedClientVersion = database.committedClientVersion(clientSite);
    // The client resumes after what the accept says is committed.
    peer.stream = streamAfterAccept(committedClientVersion);
    peer.sendLimit = serverSendLimit(hello.maxFrameBytes, this.#maxFrameBytes);
    peer.receiveLimit = clientSendLimit(hello.maxFrameBytes, this.#maxFrameBytes);
    this.#send(peer, {
      type: 'accept',
      serverSiteId: database.siteId,
      schemaName: database.schemaName,
      schemaVersion: database.schemaVersion,
      serverVersion: target,
      committedClientVersion,
      backlogChanges: backlog.length,
      backlogBytes,
      backlogRows: countDistinctRows(backlog),
      maxFrameBytes: this.#maxFrameBytes,
    });
    const limits = catchUpBatchLimits(backlog.length, peer.sendLimit);
    for (const batch of splitIntoVersionBatches(backlog, changeWireSize, limits, hello.serverCursor)) {
      this.#send(peer, { type: 'changes', changes: batch.changes, throughVersion: batch.throughVersion });
    }
    this.#send(peer, { type: 'caught-up', serverVersion: target });
    if (isClosed(peer)) return;
    peer.phase = 'live';
    peer.clientSite = clientSite;
    peer.sentThrough = target;
    room.peers.add(peer);
    if (database.dbVersion() > target) this.#fanOut(room);
  }

  #reject(peer: Peer, refusal: HandshakeRefusal, database: ServerDatabase | null): void {
    this.#send(peer, {
      type: 'reject',
      reason: refusal.reason,
      message: refusal.message,
      serverProtocolVersion: PROTOCOL_VERSION,
      serverSchemaName: database?.schemaName ?? this.#schema.name,
      serverSchemaVersion: database?.schemaVersion ?? this.#schema.version,
    });
    this.#closePeer(peer, CLOSE_CODES.rejected, refusal.reason);
  }

  // ---- client changes and fan-out ---------------------------------------------

  #merge(peer: Peer, room: Room, clientSite: Uint8Array, message: ChangesMessage): void {
    let stream: SenderStream;
    try {
      const context = { senderSite: clientSite, tables: room.database.crrTables(), maxFrameBytes: this.#maxFrameBytes };
      stream = checkChangesFrame(message, context, peer.stream);
    } catch (error) {
      // Refused whole: nothing of the frame is merged, and only this connection closes.
      const failure = toGreenlightError(error, 'server');
      this.#onError(failure);
      this.#fail(peer, failure.kind === 'invalid-change' ? 'invalid-change' : 'internal', failure.message);
      return;
    }
    let committedClientVersion: number;
    try {
      committedClientVersion = room.database.mergeClientChanges(clientSite, message.changes, message.throughVersion);
    } catch (error) {
      // Nothing was committed, so nothing is acknowledged; the client resends
      // everything past its acknowledged version when it reconnects.
      const failure = toGreenlightError(error, 'storage', 'storage');
      this.#onError(failure);
      this.#fail(peer, 'internal', `could not commit changes: ${failure.message}`);
      return;
    }
    peer.stream = stream;
    this.#send(peer, { type: 'ack', committedClientVersion });
    this.#fanOut(room);
  }

  /**
   * Sends every caught-up connection the changes committed since it was last
   * served. A connection whose new versions hold only its own changes still gets
   * an empty `changes` message, so its cursor reaches the version the heartbeats
   * report and its client can tell it is up to date.
   */
  #fanOut(room: Room): void {
    const current = room.database.dbVersion();
    for (const peer of [...room.peers]) {
      if (peer.phase !== 'live' || peer.sentThrough >= current) continue;
      const changes = room.database.changesBetween(peer.sentThrough, current, peer.clientSite);
      const batches = splitIntoVersionBatches(changes, changeWireSize, versionBatchLimits(peer.sendLimit), peer.sentThrough);
      if (batches.length === 0) {
        this.#send(peer, { type: 'changes', changes: [], throughVersion: current });
      }
      batches.forEach((batch, index) => {
        const throughVersion = index === batches.length - 1 ? current : batch.throughVersion;
        this.#send(peer, { type: 'changes', changes: batch.changes, throughVersion });
      });
      peer.sentThrough = current;
    }
  }

  // ---- heartbeats ----------------------------------------------------------------

  #startHeartbeat(): void {
    if (this.#heartbeat !== null) return;
    this.#heartbeat = this.#timers.setInterval(() => this.#beat(), this.#heartbeatIntervalMs);
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat === null) return;
    this.#timers.clearInterval(this.#heartbeat);
    this.#heartbeat = null;
  }

  #beat(): void {
    const now = this.#timers.now();
    for (const peer of [...this.#peers]) {
      if (now - peer.lastHeardAt >= this.#idleTimeoutMs) {
        this.#closePeer(peer, CLOSE_CODES.heartbeatLost, `nothing received for ${this.#idleTimeoutMs} ms`);
      } else if ((peer.phase === 'live' || peer.phase === 'handshaking') && peer.room !== null) {
        // A connection still waiting for its accept (its backlog being read) is
        // pinged too, so its client hears that the server is alive.
        this.#send(peer, { type: 'ping', sentAt: now, serverVersion: peer.room.database.dbVersion() });
      }
    }
  }

  // ---- connections -------------------------------------------------------------

  #send(peer: Peer, message: ServerMessage): void {
    if (peer.phase === 'closed') return;
    let frame: Uint8Array;
    try {
      frame = encodeMessage(message);
      checkOutgoingFrame(frame, peer.sendLimit, message.type, 'server');
    } catch (error) {
      // Never sent: a client that could not read it would fail on it on every
      // reconnect. Only a change too large for this client's own limit gets here.
      const failure = toGreenlightError(error, 'server');
      this.#onError(failure);
      if (message.type === 'error') this.#closePeer(peer, CLOSE_CODES.internal, 'cannot send');
      else this.#fail(peer, 'internal', failure.message);
      return;
    }
    try {
      peer.transport.send(frame);
    } catch (error) {
      this.#onError(toGreenlightError(error, 'transport', 'transport'));
      this.#closePeer(peer, CLOSE_CODES.internal, 'send failed');
    }
  }

  /** Tells the client why, when it can still hear it, then closes only this connection. */
  #fail(peer: Peer, code: ProtocolErrorCode, message: string): void {
    this.#send(peer, { type: 'error', code, message });
    const closeCode =
      code === 'frame-too-large' ? CLOSE_CODES.frameTooLarge : code === 'internal' ? CLOSE_CODES.internal : CLOSE_CODES.protocolError;
    this.#closePeer(peer, closeCode, code);
  }

  #closePeer(peer: Peer, code: number, reason: string): void {
    if (peer.phase === 'closed') return;
    this.#forget(peer);
    try {
      peer.transport.close(code, reason);
    } catch (error) {
      this.#onError(toGreenlightError(error, 'transport', 'transport'));
    }
  }

  #forget(peer: Peer): void {
    peer.phase = 'closed';
    this.#clearHandshakeDeadline(peer);
    const room = peer.room;
    peer.room = null;
    if (room !== null && room.peers.delete(peer)) this.#release(room);
    this.#peers.delete(peer);
    if (this.#peers.size === 0) this.#stopHeartbeat();
  }

  #clearHandshakeDeadline(peer: Peer): void {
    if (peer.handshakeDeadline === null) return;
    this.#timers.clearTimeout(peer.handshakeDeadline);
    peer.handshakeDeadline = null;
  }

  // ---- rooms -------------------------------------------------------------------

  /**
   * Runs work that opens, resets or reads a whole room for one name strictly one
   * at a time; merges need no lock, being synchronous on an open room.
   */
  #withLock<T>(name: DatabaseName, work: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(name) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.#locks.set(name, settled);
    void settled.then(() => {
      if (this.#locks.get(name) === settled) this.#locks.delete(name);
    });
    return next;
  }

  /**
   * The room of a database, opening it (and creating it when `create` and
   * `#mayCreate` allow) if it is not open. Called under the name's lock; the
   * caller hands the room back with `#release` when its work is done.
   */
  async #openRoom(name: DatabaseName, create: boolean): Promise<Room | OpenRefusal> {
    if (this.#closed) throw new GreenlightError('closed', 'server', 'the server is closing');
    const open = this.#rooms.get(name);
    if (open !== undefined) {
      this.#use(open);
      return open;
    }
    const creating = !(await this.#store.exists(name));
    if (creating) {
      const refusal = create ? await this.#mayCreate(name) : { refused: `database ${name} does not exist` };
      if (refusal !== null) return refusal;
    }
    return this.#attachRoom(name, creating);
  }

  /**
   * The one place that decides whether a database may be created, for a hello,
   * /exec or /reset alike; a per-identity `create` check belongs here too. A yes
   * takes a place in the quota, which `#attachRoom` gives back if creation fails.
   */
  async #mayCreate(name: DatabaseName): Promise<OpenRefusal | null> {
    if (!this.#allowCreate) return { refused: `database ${name} does not exist` };
    if (!(await this.#quota.reserve())) {
      return { refused: `database ${name} does not exist, and this server already holds its maximum of ${this.#quota.max} databases` };
    }
    return null;
  }

  async #attachRoom(name: DatabaseName, creating: boolean): Promise<Room> {
    let database: ServerDatabase;
    try {
      const connection = await this.#store.open(name);
      try {
        database = ServerDatabase.attach(name, connection, this.#schema);
      } catch (error) {
        connection.close();
        throw error;
      }
    } catch (error) {
      if (creating && !(await this.#store.exists(name).catch(() => true))) this.#quota.release();
      throw error;
    }
    const room: Room = { name, database, peers: new Set(), idleTimer: null, uses: 0 };
    this.#rooms.set(name, room);
    return room;
  }

  /** Someone is using the room: it must not be closed as idle. */
  #use(room: Room): void {
    room.uses += 1;
    if (room.idleTimer !== null) {
      this.#timers.clearTimeout(room.idleTimer);
      room.idleTimer = null;
    }
  }

  /**
   * A connection left the room or a request is done with it: when nobody is
   * left, the idle clock starts again. Closing goes through the name's lock, so
   * a hello or request arriving meanwhile waits and then opens the database anew.
   */
  #release(room: Room): void {
    if (room.peers.size > 0 || this.#rooms.get(room.name) !== room) return;
    if (room.idleTimer !== null) this.#timers.clearTimeout(room.idleTimer);
    const uses = room.uses;
    room.idleTimer = this.#timers.setTimeout(() => {
      room.idleTimer = null;
      void this.#withLock(room.name, async () => {
        if (this.#closed || room.uses !== uses || room.peers.size > 0 || this.#rooms.get(room.name) !== room) return;
        this.#closeRoom(room.name, room, CLOSE_CODES.normal, 'idle');
      });
    }, this.#idleDatabaseCloseMs);
  }

  #closeRoom(name: DatabaseName, room: Room, code: number, reason: string): void {
    for (const peer of [...room.peers]) this.#closePeer(peer, code, reason);
    if (room.idleTimer !== null) {
      this.#timers.clearTimeout(room.idleTimer);
      room.idleTimer = null;
    }
    this.#rooms.delete(name);
    try {
      room.database.close();
    } catch (error) {
      this.#onError(toGreenlightError(error, 'storage', 'storage'));
    }
  }
}

// A function, so TypeScript does not carry a narrowed phase across an await or a send.
function isClosed(peer: Peer): boolean {
  return peer.phase === 'closed';
}

function isRoom(room: Room | OpenRefusal): room is Room {
  return !('refused' in room);
}

function unknownDatabase(message: string): GreenlightError {
  return new GreenlightError('unknown-database', 'server', message);
}
