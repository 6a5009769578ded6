import type { DatabaseName, SiteId } from './ids.ts';
import type { SqlValue } from './sql-value.ts';

/**
 * The Greenlight wire protocol.
 *
 * One binary WebSocket message carries exactly one protocol message. The first
 * byte is the message tag (see `MESSAGE_TAGS`), the rest is the body laid out by
 * `codec.ts`. A server refuses a hello whose `protocolVersion` it does not speak
 * with a `reject` of reason `protocol-version`.
 *
 * Conversation:
 *   client -> hello
 *   server -> ping* (while it reads the backlog) -> accept | reject (then close)
 *   server -> changes* (the backlog, whole server db_versions per message) -> caught-up
 *   both   -> changes, ping/pong at any time; server -> ack after each durable commit
 *   either -> error (then close) on a malformed or unexpected frame
 *
 * Versions (db_version, col_version, cl, seq) are JavaScript numbers: they are
 * counters that stay far below 2^53; the codec refuses larger ones.
 */
export const PROTOCOL_VERSION = 2;

/** Bytes of the random secret a client keeps with its site id (see HelloMessage.siteSecret). */
export const SITE_SECRET_BYTES = 32;

/** A SQLite value as it travels; `sql-value.ts` says which JavaScript value is which storage class. */
export type { SqlReal, SqlValue } from './sql-value.ts';

/** One row of `crsql_changes`, kept exactly as cr-sqlite reported it, original site id included. */
export interface Change {
  readonly table: string;
  readonly pk: Uint8Array;
  readonly cid: string;
  readonly val: SqlValue;
  readonly colVersion: number;
  /** The db_version of the sending database that recorded this change. */
  readonly dbVersion: number;
  /** The 16 bytes of the site that made the change. */
  readonly siteId: Uint8Array;
  readonly cl: number;
  readonly seq: number;
}

// ---- client -> server ------------------------------------------------------

export interface HelloMessage {
  readonly type: 'hello';
  readonly protocolVersion: number;
  readonly database: DatabaseName;
  readonly clientSiteId: SiteId;
  /**
   * The random secret this client made with its site id. The first hello for a
   * site id registers it (as a hash) on the server; a later hello with that
   * site id and another secret is refused with `site-secret-mismatch`, so no
   * client can write under another's name or move its acknowledged version.
   */
  readonly siteSecret: Uint8Array;
  readonly schemaName: string;
  readonly schemaVersion: number;
  /** The server identity this database last synced with; null before its first sync. */
  readonly lastServerSiteId: SiteId | null;
  /** The server db_version through which this client has applied the server's changes. */
  readonly serverCursor: number;
  /** The largest frame this client accepts; the server sends it nothing larger. */
  readonly maxFrameBytes: number;
}

// ---- server -> client ------------------------------------------------------

export interface AcceptMessage {
  readonly type: 'accept';
  readonly serverSiteId: SiteId;
  readonly schemaName: string;
  readonly schemaVersion: number;
  /** The server's db_version when it accepted. */
  readonly serverVersion: number;
  /** The highest db_version of this client's own changes the server has durably committed. */
  readonly committedClientVersion: number;
  /** Size of the backlog the server is about to send (changes newer than the client's cursor). */
  readonly backlogChanges: number;
  readonly backlogBytes: number;
  /**
   * Distinct (table, pk) rows the backlog touches: progress is shown in records,
   * and only the server, holding the whole backlog, can count them exactly.
   */
  readonly backlogRows: number;
  /**
   * The largest frame this server accepts. The client sends within the smaller
   * of the two limits, minus `REENCODE_GROWTH_BYTES` (see frame-limits.ts).
   */
  readonly maxFrameBytes: number;
}

export const REJECT_REASONS = [
  'protocol-version',
  'schema-mismatch',
  'server-rebuilt',
  'unknown-database',
  'forbidden-database',
  'invalid-database-name',
  'site-secret-mismatch',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface RejectMessage {
  readonly type: 'reject';
  readonly reason: RejectReason;
  readonly message: string;
  /** What the server speaks or holds, so the client can explain the mismatch. */
  readonly serverProtocolVersion: number;
  readonly serverSchemaName: string;
  readonly serverSchemaVersion: number;
}

export interface AckMessage {
  readonly type: 'ack';
  /** Every change of this client with db_version <= this is durably committed on the server. */
  readonly committedClientVersion: number;
}

export interface CaughtUpMessage {
  readonly type: 'caught-up';
  /** All server changes through this version have now been sent on this connection. */
  readonly serverVersion: number;
}

// ---- both directions ---------------------------------------------------------

export interface ChangesMessage {
  readonly type: 'changes';
  /**
   * Whole db_versions, except for a version too large for one frame: it spans
   * several messages, each but the last with `throughVersion` below it.
   */
  readonly changes: readonly Change[];
  /**
   * The sender's db_version through which this message completes the stream.
   * Client -> server: the client's version to acknowledge once committed.
   * Server -> client: the server cursor the client stores with these changes.
   * Changes of a version above it may ride along (part of a split version);
   * after a reconnect they are sent again, and merging them twice is harmless.
   */
  readonly throughVersion: number;
}

export interface PingMessage {
  readonly type: 'ping';
  /** Sender's clock, echoed in the pong, to measure round trips. */
  readonly sentAt: number;
  /** Server -> client: the server's current db_version (0 from a client). */
  readonly serverVersion: number;
}

export interface PongMessage {
  readonly type: 'pong';
  readonly sentAt: number;
  /** Server -> client: the server's current db_version (0 from a client). */
  readonly serverVersion: number;
}

export const PROTOCOL_ERROR_CODES = [
  'malformed-frame',
  'frame-too-large',
  'unknown-message',
  'unexpected-message',
  'internal',
  /** A changes frame broke one of the rules a server checks before it merges; the message starts with `rule <name>:`. */
  'invalid-change',
] as const;
export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];

export interface ErrorMessage {
  readonly type: 'error';
  readonly code: ProtocolErrorCode;
  readonly message: string;
}

export type ClientMessage = HelloMessage | ChangesMessage | PingMessage | PongMessage | ErrorMessage;
export type ServerMessage =
  | AcceptMessage
  | RejectMessage
  | ChangesMessage
  | AckMessage
  | CaughtUpMessage
  | PingMessage
  | PongMessage
  | ErrorMessage;
export type Message = ClientMessage | ServerMessage;

/** The first byte of every frame. Numbers are part of the protocol: never reuse one. */
export const MESSAGE_TAGS = {
  hello: 1,
  accept: 2,
  reject: 3,
  changes: 4,
  ack: 5,
  'caught-up': 6,
  ping: 7,
  pong: 8,
  error: 9,
} as const satisfies Record<Message['type'], number>;

/** WebSocket close codes Greenlight uses (4000-4999 is the application range). */
export const CLOSE_CODES = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 4000,
  rejected: 4001,
  frameTooLarge: 4002,
  internal: 4003,
  heartbeatLost: 4004,
  /** The server closed a connection that sent no hello within its handshake deadline. */
  handshakeTimeout: 4005,
} as const;

/** Default upper bound for one frame; servers and clients may set their own. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
