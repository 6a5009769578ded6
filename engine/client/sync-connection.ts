import { GreenlightError, toGreenlightError } from '../errors.ts';
import { changeWireSize, decodeServerMessage, encodeMessage } from '../protocol/codec.ts';
import type { DatabaseName, SiteId } from '../protocol/ids.ts';
import type { AcceptMessage, ClientMessage, ErrorMessage, ServerMessage } from '../protocol/messages.ts';
import { CLOSE_CODES, DEFAULT_MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../protocol/messages.ts';
import { checkFrameLimitOption, checkOutgoingFrame, clientSendLimit } from '../protocol/frame-limits.ts';
import { KnownTables, refuseUnwrittenAck, ServerVersionWatch } from './server-claims.ts';
import { CHANGES_FRAME_OVERHEAD_BYTES, splitIntoVersionBatches, versionBatchLimits, type VersionBatch } from '../protocol/version-batches.ts';
import { applyServerChanges } from './apply-server-changes.ts';
import type { ClientDatabase } from './client-database.ts';
import { readWrittenDbVersionAsync } from '../sqlite/written-db-version.ts';
import { readLocalChangeBatch } from './local-changes.ts';
import { acknowledgeThrough } from './pending-tracker.ts';
import type { SerialQueue } from './serial-queue.ts';
import type { SyncEvent, SyncTimingOptions } from './sync-events.ts';
import { readSyncMetadata, writeServerSiteId } from './sync-metadata.ts';
import type { IncompatibleReason, PendingCount } from './sync-status.ts';
import type { CreateWebSocket, WebSocketLike } from './websocket-like.ts';
import { SOCKET_STATE, frameBytes } from './websocket-like.ts';

/** Local batches sent but not yet acknowledged; more waits until an ack frees a slot. */
export const MAX_IN_FLIGHT_BATCHES = 4;
/** How many local changes one read takes: whole versions, or one larger version whole. */
export const MAX_READ_CHANGES = 2_000;

export interface SyncConnectionOptions {
  readonly db: ClientDatabase;
  /** Every database step of every connection runs through this one queue. */
  readonly queue: SerialQueue;
  readonly url: string;
  readonly database: DatabaseName;
  readonly clientSiteId: SiteId;
  readonly schema: { readonly name: string; readonly version: number };
  readonly createWebSocket: CreateWebSocket;
  readonly timing: SyncTimingOptions;
  readonly now: () => number;
  readonly maxFrameBytes?: number;
  readonly emit: (event: SyncEvent) => void;
  readonly onPending: (pending: PendingCount) => void;
  /** Called exactly once, when this connection is over for whatever reason. */
  readonly onEnd: (end: ConnectionEnd) => void;
}

export interface ConnectionEnd {
  /** True when the server (or the client's own check) refused this database: retrying cannot help. */
  readonly incompatible: boolean;
  readonly accepted: boolean;
}

/**
 * One WebSocket's life: hello, accept or reject, the backlog, live changes both
 * ways, acks and heartbeats. It reports what happens as SyncEvents and ends
 * exactly once; reconnecting is the client's job, not this one's.
 */
export class SyncConnection {
  readonly #options: SyncConnectionOptions;
  readonly #socket: WebSocketLike;
  #ended = false;
  #opened = false;
  #accepted = false;
  #incompatible = false;
  #lastHeardAt: number;
  #lastPingAt = 0;
  /** Server frames are handled strictly in arrival order. */
  #inbound: Promise<void> = Promise.resolve();
  #sentThrough = 0;
  /** Set by caught-up: from then on every server version is covered by a `changes` message. */
  #caughtUp = false;
  /** The server version through which this connection's changes (or caught-up) reached the database. */
  #appliedThrough = 0;
  /** Batches sent and not yet acknowledged: the server acks every `changes` message once, in order. */
  #unacknowledgedBatches = 0;
  /** Read and not yet sent: the parts of a read too large for one frame. */
  #outbox: VersionBatch[] = [];
  #pumping = false;
  #pumpAgain = false;
  /** The largest frame this client reads, told to the server in the hello. */
  readonly #receiveLimit: number;
  /** The largest frame it sends: its own limit until the accept tells the server's (frame-limits.ts). */
  #sendLimit: number;
  /** Set when the hello goes out, from the cursor it carries. */
  #versions: ServerVersionWatch | null = null;
  readonly #tables = new KnownTables();

  constructor(options: SyncConnectionOptions) {
    this.#options = options;
    this.#receiveLimit = checkFrameLimitOption(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, 'client');
    this.#sendLimit = this.#receiveLimit;
    this.#lastHeardAt = options.now();
    this.#socket = options.createWebSocket(options.url);
    this.#socket.binaryType = 'arraybuffer';
    this.#socket.onopen = () => this.#onOpen();
    this.#socket.onmessage = (event) => this.#onFrame(event.data);
    this.#socket.onerror = () => undefined;
    this.#socket.onclose = (event) => {
      const clean = event.code === CLOSE_CODES.normal || event.code === CLOSE_CODES.goingAway;
      this.#end(
        clean ? null : new GreenlightError('transport', 'transport', `connection closed (${event.code}${event.reason ? `: ${event.reason}` : ''})`),
      );
    };
  }

  get accepted(): boolean {
    return this.#accepted;
  }

  /** Closes the connection from this side; the end is reported at once. */
  close(error: GreenlightError | null = null, code: number = CLOSE_CODES.normal): void {
    if (this.#ended) return;
    try {
      this.#socket.close(code);
    } catch {
      // A socket that cannot even close is already gone; ending below is what matters.
    }
    this.#end(error);
  }

  /** The host committed: send what is new, if the window allows. */
  localCommitted(): void {
    if (this.#accepted && !this.#ended) void this.#pump();
  }

  #onOpen(): void {
    if (this.#ended) return;
    this.#opened = true;
    this.#lastHeardAt = this.#options.now();
    this.#options.emit({ type: 'socket-opened', at: this.#options.now() });
    void this.#options.queue
      .run(() => this.#options.db.transaction((tx) => readSyncMetadata(tx)))
      .then((meta) => {
        this.#versions = new ServerVersionWatch(meta.serverCursor);
        this.#send({
          type: 'hello',
          protocolVersion: PROTOCOL_VERSION,
          database: this.#options.database,
          clientSiteId: this.#options.clientSiteId,
          siteSecret: meta.siteSecret,
          schemaName: this.#options.schema.name,
          schemaVersion: this.#options.schema.version,
          lastServerSiteId: meta.serverSiteId,
          serverCursor: meta.serverCursor,
          maxFrameBytes: this.#receiveLimit,
        });
      })
      .catch((error: unknown) => this.#fail(toGreenlightError(error, 'storage', 'storage')));
  }

  #onFrame(data: unknown): void {
    if (this.#ended) return;
    // Taken on arrival, not when the inbound queue gets to the frame: a version the
    // server announced is only as fresh as the moment it reached us.
    const heardAt = this.#options.now();
    this.#lastHeardAt = heardAt;
    const bytes = frameBytes(data);
    if (bytes === null) {
      this.#fail(new GreenlightError('malformed-frame', 'protocol', 'the server sent a frame that is not binary'));
      return;
    }
    let message: ServerMessage;
    try {
      message = decodeServerMessage(bytes, { maxFrameBytes: this.#receiveLimit });
    } catch (error) {
      this.#fail(toGreenlightError(error, 'protocol', 'malformed-frame'));
      return;
    }
    this.#inbound = this.#inbound.then(() => this.#handle(message, heardAt)).catch((error: unknown) => this.#fail(toGreenlightError(error, 'client')));
  }

  async #handle(message: ServerMessage, heardAt: number): Promise<void> {
    if (this.#ended) return;
    const at = this.#options.now();
    // A ping may come first: the server pings while it reads a long backlog.
    if (!this.#accepted && message.type !== 'accept' && message.type !== 'reject' && message.type !== 'error' && message.type !== 'ping') {
      throw new GreenlightError('unexpected-message', 'protocol', `the server sent ${message.type} before accepting`);
    }
    switch (message.type) {
      case 'accept':
        if (this.#accepted) throw new GreenlightError('unexpected-message', 'protocol', 'the server accepted twice');
        await this.#onAccept(message, heardAt);
        return;
      case 'reject':
        this.#reject(message.reason, message.message);
        return;
      case 'changes': {
        this.#watch().streamed(message.throughVersion);
        let applied;
        try {
          applied = await this.#options.queue.run(async () => {
            await this.#tables.refuseUnknown(this.#options.db, message.changes);
            return applyServerChanges(this.#options.db, message);
          });
        } catch (error) {
          const failure = toGreenlightError(error, 'client', 'apply-failed');
          if (this.#ended) return;
          this.#options.emit({ type: 'apply-failed', at: this.#options.now(), error: failure });
          this.close(failure, CLOSE_CODES.internal);
          return;
        }
        if (this.#ended) return;
        this.#appliedThrough = Math.max(this.#appliedThrough, applied.serverVersion);
        this.#options.emit({
          type: 'changes-applied',
          at: this.#options.now(),
          heardAt,
          serverVersion: applied.serverVersion,
          changes: applied.changes,
          rows: applied.rows,
          bytes: applied.bytes,
        });
        this.#options.onPending(applied.pending);
        return;
      }
      case 'caught-up':
        this.#watch().caughtUp(message.serverVersion);
        this.#caughtUp = true;
        this.#appliedThrough = Math.max(this.#appliedThrough, message.serverVersion);
        this.#options.emit({ type: 'caught-up', at, heardAt, serverVersion: message.serverVersion });
        return;
      case 'ack': {
        const pending = await this.#options.queue.run(() =>
          this.#options.db.transaction(async (tx) => {
            await refuseUnwrittenAck(tx, message.committedClientVersion);
            return acknowledgeThrough(tx, message.committedClientVersion);
          }),
        );
        if (this.#ended) return;
        this.#unacknowledgedBatches = Math.max(0, this.#unacknowledgedBatches - 1);
        this.#options.emit({ type: 'ack', at: this.#options.now(), committedClientVersion: message.committedClientVersion });
        this.#options.onPending(pending);
        void this.#pump();
        return;
      }
      case 'ping':
        this.#watch().announced(message.serverVersion, 'ping');
        this.#checkNothingMissed(message.serverVersion);
        this.#options.emit({ type: 'heartbeat', at, heardAt, serverVersion: message.serverVersion });
        this.#send({ type: 'pong', sentAt: message.sentAt, serverVersion: 0 });
        return;
      case 'pong':
        this.#watch().announced(message.serverVersion, 'pong');
        this.#checkNothingMissed(message.serverVersion);
        this.#options.emit({ type: 'heartbeat', at, heardAt, serverVersion: message.serverVersion });
        return;
      case 'error':
        this.#fail(serverError(message));
        return;
    }
  }

  async #onAccept(accept: AcceptMessage, heardAt: number): Promise<void> {
    const { schema } = this.#options;
    if (accept.schemaName !== schema.name || accept.schemaVersion !== schema.version) {
      this.#reject(
        'schema-mismatch',
        `the server holds schema ${accept.schemaName} v${accept.schemaVersion}, this client expects ${schema.name} v${schema.version}`,
      );
      return;
    }
    const local = await this.#options.queue.run(() =>
      this.#options.db.transaction(async (tx) => {
        const meta = await readSyncMetadata(tx);
        const written = await readWrittenDbVersionAsync(tx);
        const acceptable = meta.serverSiteId === null || meta.serverSiteId === accept.serverSiteId;
        if (meta.serverSiteId === null && accept.committedClientVersion <= written) await writeServerSiteId(tx, accept.serverSiteId);
        return { known: meta.serverSiteId, cursor: acceptable ? meta.serverCursor : 0, written };
      }),
    );
    if (this.#ended) return;
    const { known, cursor, written } = local;
    if (known !== null && known !== accept.serverSiteId) {
      this.#reject('server-rebuilt', `the server's identity changed from ${known} to ${accept.serverSiteId}: it was rebuilt`);
      return;
    }
    // Both would fail the same way on every connection: only Nuke and Resync helps.
    if (accept.serverVersion < cursor) {
      this.#reject('server-rebuilt', `the server is at version ${accept.serverVersion}, but this client has applied its changes through ${cursor}: it lost history`, 'client');
      return;
    }
    if (accept.committedClientVersion > written) {
      this.#reject(
        'acknowledged-unwritten',
        `the server holds this client's changes through version ${accept.committedClientVersion}, but this database has written only through ${written}`,
        'client',
      );
      return;
    }
    this.#versions?.accepted(accept.serverVersion);
    this.#sendLimit = clientSendLimit(this.#receiveLimit, accept.maxFrameBytes);
    this.#accepted = true;
    this.#sentThrough = accept.committedClientVersion;
    this.#options.emit({
      type: 'handshake-accepted',
      at: this.#options.now(),
      heardAt,
      serverVersion: accept.serverVersion,
      committedClientVersion: accept.committedClientVersion,
      backlogChanges: accept.backlogChanges,
      backlogBytes: accept.backlogBytes,
      backlogRows: accept.backlogRows,
    });
    // The server may have committed changes whose ack this client never saw.
    const pending = await this.#options.queue.run(() =>
      this.#options.db.transaction((tx) => acknowledgeThrough(tx, accept.committedClientVersion)),
    );
    if (this.#ended) return;
    this.#options.onPending(pending);
    void this.#pump();
  }

  /**
   * Once caught up, the server sends a `changes` message through every new version
   * (an empty one when the version holds only this client's changes) before any
   * heartbeat announcing it, and frames are handled in order. A heartbeat ahead of
   * what arrived means frames were lost on the way: the stream cannot be trusted,
   * and a new connection catches up from the persisted cursor.
   */
  #checkNothingMissed(serverVersion: number): void {
    if (!this.#caughtUp || serverVersion <= this.#appliedThrough) return;
    throw new GreenlightError(
      'unexpected-message',
      'protocol',
      `the server announced version ${serverVersion} but its changes arrived only through ${this.#appliedThrough}: frames were lost`,
    );
  }

  /**
   * Sends local versions after what was sent, keeping at most
   * MAX_IN_FLIGHT_BATCHES unacknowledged. A read holds whole versions; a version
   * too large for one frame goes in parts, each acknowledged through the
   * version before it, the last through the version itself.
   */
  async #pump(): Promise<void> {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        while (!this.#ended && this.#unacknowledgedBatches < MAX_IN_FLIGHT_BATCHES) {
          if (this.#outbox.length === 0 && !(await this.#readIntoOutbox())) break;
          const batch = this.#outbox.shift();
          if (batch === undefined || this.#ended) break;
          this.#unacknowledgedBatches += 1;
          this.#send({ type: 'changes', changes: batch.changes, throughVersion: batch.throughVersion });
          // G2 times the wait for the ack of every change sent. A part of a split
          // version is acknowledged only through the version before it, so it
          // waits for the ack of its whole version, which the last part brings;
          // each part's ack on the way restarts that wait.
          const waitsForVersion = batch.changes[batch.changes.length - 1]?.dbVersion ?? batch.throughVersion;
          this.#options.emit({ type: 'local-changes-sent', at: this.#options.now(), throughVersion: Math.max(batch.throughVersion, waitsForVersion) });
        }
      } while (this.#pumpAgain && !this.#ended);
    } catch (error) {
      this.#fail(toGreenlightError(error, 'storage', 'storage'));
    } finally {
      this.#pumping = false;
    }
  }

  /** Reads the next local versions into the outbox; false when there is nothing new to send. */
  async #readIntoOutbox(): Promise<boolean> {
    for (;;) {
      const after = this.#sentThrough;
      const read = await this.#options.queue.run(async () => {
        const current = await readWrittenDbVersionAsync(this.#options.db);
        return current > after ? readLocalChangeBatch(this.#options.db, after, current, MAX_READ_CHANGES) : null;
      });
      if (read === null || this.#ended) return false;
      this.#sentThrough = read.throughVersion;
      // Versions holding only merged server changes need no round trip.
      if (read.changes.length === 0) continue;
      const maxFrameBytes = this.#sendLimit;
      const parts = splitIntoVersionBatches(read.changes, changeWireSize, versionBatchLimits(maxFrameBytes), after);
      for (const part of parts) refuseOversizedChange(part, maxFrameBytes);
      // The last part also covers any merged-only versions the read ended with.
      const last = parts.length - 1;
      this.#outbox = parts.map((part, index) => (index === last ? { ...part, throughVersion: read.throughVersion } : part));
      return true;
    }
  }

  /**
   * Liveness, driven by the client's tick so that it runs on the same clock as the
   * status machine: the tick that ends green for silence also closes the socket.
   * It covers a socket that never opens and a handshake that never completes too:
   * silence is silence whatever the phase. Pings go out at tick granularity.
   */
  tick(now: number, afterStall = false): void {
    if (this.#ended) return;
    const { heartbeatIntervalMs, heartbeatTimeoutMs, freshnessMs } = this.#options.timing;
    // After this thread was busy for a while (counting or reading a large local
    // commit), frames that arrived meanwhile still wait behind this tick: the
    // silence is ours, not the server's. The next tick judges, once they are in.
    if (!afterStall && now - this.#lastHeardAt >= heartbeatTimeoutMs) {
      const phase = !this.#opened ? 'opening the socket' : this.#accepted ? 'live' : 'the handshake';
      this.close(
        new GreenlightError('timeout', 'transport', `no word from the server for ${now - this.#lastHeardAt} ms (${phase})`),
        CLOSE_CODES.heartbeatLost,
      );
      return;
    }
    // Each pong carries the server's version, which G1 needs within freshnessMs: ask
    // at least twice per window, whatever the server's own ping interval is.
    if (this.#accepted && now - this.#lastPingAt >= Math.min(heartbeatIntervalMs, freshnessMs / 2)) {
      this.#lastPingAt = now;
      this.#send({ type: 'ping', sentAt: now, serverVersion: 0 });
    }
  }

  #send(message: ClientMessage): void {
    if (this.#ended || this.#socket.readyState !== SOCKET_STATE.open) return;
    let frame: Uint8Array;
    try {
      frame = encodeMessage(message);
      checkOutgoingFrame(frame, this.#sendLimit, message.type, 'client');
    } catch (error) {
      this.#fail(toGreenlightError(error, 'client'));
      return;
    }
    try {
      this.#socket.send(frame);
    } catch (error) {
      this.#fail(toGreenlightError(error, 'transport', 'transport'));
    }
  }

  #watch(): ServerVersionWatch {
    if (this.#versions === null) throw new GreenlightError('unexpected-message', 'protocol', 'the server sent a message before the hello');
    return this.#versions;
  }

  /** The server's reject, or (origin 'client') this client's refusal of an accept it cannot believe. */
  #reject(reason: IncompatibleReason, message: string, origin: 'server' | 'client' = 'server'): void {
    this.#incompatible = true;
    this.#options.emit({ type: 'handshake-rejected', at: this.#options.now(), reason, message });
    this.close(new GreenlightError(reason, origin, message), CLOSE_CODES.rejected);
  }

  #fail(error: GreenlightError): void {
    if (this.#ended) return;
    if (error.kind === 'server-misbehaved') this.#options.emit({ type: 'server-misbehaved', at: this.#options.now(), error });
    const code = error.kind === 'frame-too-large' ? CLOSE_CODES.frameTooLarge : CLOSE_CODES.protocolError;
    this.close(error, code);
  }

  #end(error: GreenlightError | null): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#socket.onopen = null;
    this.#socket.onmessage = null;
    this.#socket.onclose = null;
    // Not null: ws reports closing a socket that is still connecting as an 'error'
    // event, which with no listener left would be an uncaught exception.
    this.#socket.onerror = () => undefined;
    this.#options.emit({ type: 'socket-closed', at: this.#options.now(), wasOpen: this.#opened, error });
    this.#options.onEnd({ incompatible: this.#incompatible, accepted: this.#accepted });
  }
}

/**
 * Parts of several changes always fit a frame, so only a single change can be
 * too large for one. Sending it would only have the server
 * refuse it again on every connection; saying which change it is helps more.
 */
function refuseOversizedChange(part: VersionBatch, maxFrameBytes: number): void {
  const [change] = part.changes;
  if (part.changes.length !== 1 || change === undefined) return;
  const bytes = changeWireSize(change) + CHANGES_FRAME_OVERHEAD_BYTES;
  if (bytes <= maxFrameBytes) return;
  throw new GreenlightError(
    'frame-too-large',
    'client',
    `a local change to ${change.table}.${change.cid} (version ${change.dbVersion}) takes ${bytes} bytes, more than the ${maxFrameBytes} a frame may carry: it cannot be sent, and local changes after it wait behind it`,
  );
}

function serverError(message: ErrorMessage): GreenlightError {
  return new GreenlightError(message.code, 'server', `the server reported ${message.code}: ${message.message}`);
}
