import { GreenlightError, isGreenlightError } from '../errors.ts';
import { ByteReader } from './byte-reader.ts';
import { MIN_MAX_FRAME_BYTES } from './frame-limits.ts';
import { ByteWriter, bytesWireSize, textWireSize, varUintSize } from './byte-writer.ts';
import { SITE_ID_BYTES, isSiteId, parseDatabaseName, siteIdFromBytes, siteIdToBytes, type SiteId } from './ids.ts';
import {
  DEFAULT_MAX_FRAME_BYTES,
  MESSAGE_TAGS,
  PROTOCOL_VERSION,
  SITE_SECRET_BYTES,
  type AcceptMessage,
  type AckMessage,
  type CaughtUpMessage,
  type Change,
  type ChangesMessage,
  type ClientMessage,
  type ErrorMessage,
  type HelloMessage,
  type Message,
  type PingMessage,
  type PongMessage,
  type ProtocolErrorCode,
  type RejectMessage,
  type RejectReason,
  type ServerMessage,
  type SqlValue,
} from './messages.ts';
import { isIntegerNumber, isSqlReal, realValue } from './sql-value.ts';

/**
 * The binary layout of every protocol message; README.md beside this file
 * describes it byte by byte.
 *
 * Values keep their storage class (see `sql-value.ts`): an INTEGER travels as
 * an integer whether it is a number or a bigint, and comes back as a number when
 * it is a safe integer; a REAL travels as an IEEE double whatever its value
 * (`{ real: 1 }`, -0, NaN, infinities, fractions) and comes back as the same
 * REAL, bit for bit, wrapped as `{ real: n }` when n alone would name an INTEGER.
 */

export interface DecodeOptions {
  readonly maxFrameBytes?: number;
}

/** Type byte before every SqlValue. Part of the protocol: never reuse a number. */
const VALUE_TYPES = {
  null: 0,
  /** A non-negative integer n, as varint(n). */
  positiveInteger: 1,
  /** A negative integer n, as varint(-n - 1), so that -2^63 fits in 64 bits. */
  negativeInteger: 2,
  real: 3,
  text: 4,
  blob: 5,
} as const;

/** Wire codes of reject reasons, independent of the order of REJECT_REASONS. */
const REJECT_REASON_CODES = {
  'protocol-version': 1,
  'schema-mismatch': 2,
  'server-rebuilt': 3,
  'unknown-database': 4,
  'forbidden-database': 5,
  'invalid-database-name': 6,
  'site-secret-mismatch': 7,
} as const satisfies Record<RejectReason, number>;

/** Wire codes of error messages, independent of the order of PROTOCOL_ERROR_CODES. */
const ERROR_CODES = {
  'malformed-frame': 1,
  'frame-too-large': 2,
  'unknown-message': 3,
  'unexpected-message': 4,
  internal: 5,
  'invalid-change': 6,
} as const satisfies Record<ProtocolErrorCode, number>;

/**
 * The fewest bytes one change can take: empty table, pk and cid (1 length byte
 * each), a NULL value (1), four one-byte varints and the 16-byte site id. A
 * declared change count is checked against it before anything is allocated.
 */
const MIN_CHANGE_BYTES = 1 + 1 + 1 + 1 + 4 + SITE_ID_BYTES;

const MAX_INT64 = (1n << 63n) - 1n;
const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE_BIGINT = -MAX_SAFE_BIGINT;

const TYPE_BY_TAG = invert(MESSAGE_TAGS);
const REJECT_REASON_BY_CODE = invert(REJECT_REASON_CODES);
const ERROR_CODE_BY_CODE = invert(ERROR_CODES);

// encodeMessage never yields, so one writer can serve every call.
const writer = new ByteWriter();

function invert<K extends string>(codes: Record<K, number>): ReadonlyMap<number, K> {
  return new Map(Object.entries<number>(codes).map(([key, code]) => [code, key as K]));
}

function refuse(message: string): never {
  throw new GreenlightError('internal', 'protocol', `cannot encode: ${message}`);
}

// ---- encoding -------------------------------------------------------------------

export function encodeMessage(message: Message): Uint8Array {
  writer.reset();
  const tag = (MESSAGE_TAGS as Record<string, number | undefined>)[message.type];
  if (tag === undefined) refuse(`unknown message type ${JSON.stringify(message.type)}`);
  writer.u8(tag);
  switch (message.type) {
    case 'hello':
      writeHello(message);
      break;
    case 'accept':
      writeAccept(message);
      break;
    case 'reject':
      writer.u8(REJECT_REASON_CODES[message.reason] ?? refuse(`unknown reject reason ${message.reason}`));
      writer.text(message.message);
      writer.varUint(message.serverProtocolVersion);
      writer.text(message.serverSchemaName);
      writer.varUint(message.serverSchemaVersion);
      break;
    case 'changes':
      writer.varUint(message.throughVersion);
      writer.varUint(message.changes.length);
      for (const change of message.changes) writeChange(change);
      break;
    case 'ack':
      writer.varUint(message.committedClientVersion);
      break;
    case 'caught-up':
      writer.varUint(message.serverVersion);
      break;
    case 'ping':
    case 'pong':
      writer.f64(message.sentAt);
      writer.varUint(message.serverVersion);
      break;
    case 'error':
      writer.u8(ERROR_CODES[message.code] ?? refuse(`unknown error code ${message.code}`));
      writer.text(message.message);
      break;
  }
  return writer.finish();
}

function writeHello(message: HelloMessage): void {
  // The protocol version comes first and stays first in every future version,
  // so a server can always tell which protocol a client speaks.
  writer.varUint(message.protocolVersion);
  writer.text(message.database);
  writeSiteId(message.clientSiteId);
  if (message.siteSecret.byteLength !== SITE_SECRET_BYTES) {
    refuse(`a site secret has ${SITE_SECRET_BYTES} bytes, got ${message.siteSecret.byteLength}`);
  }
  writer.raw(message.siteSecret);
  writer.text(message.schemaName);
  writer.varUint(message.schemaVersion);
  if (message.lastServerSiteId === null) writer.u8(0);
  else {
    writer.u8(1);
    writeSiteId(message.lastServerSiteId);
  }
  writer.varUint(message.serverCursor);
  writeFrameLimit(message.maxFrameBytes);
}

function writeFrameLimit(maxFrameBytes: number): void {
  if (!Number.isSafeInteger(maxFrameBytes) || maxFrameBytes < MIN_MAX_FRAME_BYTES) {
    refuse(`a frame limit must be an integer of at least ${MIN_MAX_FRAME_BYTES} bytes, got ${maxFrameBytes}`);
  }
  writer.varUint(maxFrameBytes);
}

function writeAccept(message: AcceptMessage): void {
  writeSiteId(message.serverSiteId);
  writer.text(message.schemaName);
  writer.varUint(message.schemaVersion);
  writer.varUint(message.serverVersion);
  writer.varUint(message.committedClientVersion);
  writer.varUint(message.backlogChanges);
  writer.varUint(message.backlogBytes);
  writer.varUint(message.backlogRows);
  writeFrameLimit(message.maxFrameBytes);
}

function writeSiteId(id: SiteId): void {
  if (!isSiteId(id)) refuse(`not a site id: ${JSON.stringify(String(id).slice(0, 40))}`);
  writer.raw(siteIdToBytes(id));
}

function writeChange(change: Change): void {
  if (change.siteId.byteLength !== SITE_ID_BYTES) {
    refuse(`a change's site id has ${SITE_ID_BYTES} bytes, got ${change.siteId.byteLength}`);
  }
  writer.text(change.table);
  writer.lengthPrefixedBytes(change.pk);
  writer.text(change.cid);
  writeSqlValue(change.val);
  writer.varUint(change.colVersion);
  writer.varUint(change.dbVersion);
  writer.raw(change.siteId);
  writer.varUint(change.cl);
  writer.varUint(change.seq);
}

function writeSqlValue(value: SqlValue): void {
  if (value === null) return writer.u8(VALUE_TYPES.null);
  switch (typeof value) {
    case 'number':
      if (isIntegerNumber(value)) return writeSafeInteger(value);
      writer.u8(VALUE_TYPES.real);
      return writer.f64(value);
    case 'bigint':
      if (value >= MIN_SAFE_BIGINT && value <= MAX_SAFE_BIGINT) return writeSafeInteger(Number(value));
      if (value > MAX_INT64 || value < -MAX_INT64 - 1n) refuse(`integer ${value} does not fit in 64 signed bits`);
      if (value >= 0n) {
        writer.u8(VALUE_TYPES.positiveInteger);
        return writer.varUint64(value);
      }
      writer.u8(VALUE_TYPES.negativeInteger);
      return writer.varUint64(-value - 1n);
    case 'string':
      writer.u8(VALUE_TYPES.text);
      return writer.text(value);
    default:
      if (value instanceof Uint8Array) {
        writer.u8(VALUE_TYPES.blob);
        return writer.lengthPrefixedBytes(value);
      }
      if (!isSqlReal(value)) refuse(`not a SQL value: ${Object.prototype.toString.call(value)}`);
      writer.u8(VALUE_TYPES.real);
      return writer.f64(value.real);
  }
}

function writeSafeInteger(value: number): void {
  if (value >= 0) {
    writer.u8(VALUE_TYPES.positiveInteger);
    writer.varUint(value);
  } else {
    writer.u8(VALUE_TYPES.negativeInteger);
    writer.varUint(-value - 1);
  }
}

// ---- sizes ----------------------------------------------------------------------

/** Bytes `change` occupies inside a changes frame; always what `encodeMessage` writes for it. */
export function changeWireSize(change: Change): number {
  return (
    textWireSize(change.table) +
    bytesWireSize(change.pk) +
    textWireSize(change.cid) +
    sqlValueWireSize(change.val) +
    varUintSize(change.colVersion) +
    varUintSize(change.dbVersion) +
    SITE_ID_BYTES +
    varUintSize(change.cl) +
    varUintSize(change.seq)
  );
}

function sqlValueWireSize(value: SqlValue): number {
  if (value === null) return 1;
  switch (typeof value) {
    case 'number':
      if (!isIntegerNumber(value)) return 1 + 8;
      return 1 + varUintSize(value >= 0 ? value : -value - 1);
    case 'bigint': {
      let magnitude = value >= 0n ? value : -value - 1n;
      let size = 2;
      while (magnitude >= 0x80n) {
        magnitude >>= 7n;
        size++;
      }
      return size;
    }
    case 'string':
      return 1 + textWireSize(value);
    default:
      return value instanceof Uint8Array ? 1 + bytesWireSize(value) : 1 + 8;
  }
}

// ---- decoding -------------------------------------------------------------------

/** Decodes what a server receives. Server-to-client messages are 'unexpected-message'. */
export function decodeClientMessage(frame: Uint8Array, options: DecodeOptions = {}): ClientMessage {
  return decodeFrame(frame, options, 'a server', (type, reader): ClientMessage | undefined => {
    switch (type) {
      case 'hello':
        return readHello(reader);
      case 'changes':
        return readChanges(reader);
      case 'ping':
      case 'pong':
        return readPingOrPong(type, reader);
      case 'error':
        return readError(reader);
      default:
        return undefined;
    }
  });
}

/** Decodes what a client receives. A hello is 'unexpected-message'. */
export function decodeServerMessage(frame: Uint8Array, options: DecodeOptions = {}): ServerMessage {
  return decodeFrame(frame, options, 'a client', (type, reader): ServerMessage | undefined => {
    switch (type) {
      case 'accept':
        return readAccept(reader);
      case 'reject':
        return readReject(reader);
      case 'changes':
        return readChanges(reader);
      case 'ack':
        return { type, committedClientVersion: reader.varUint('committedClientVersion') } satisfies AckMessage;
      case 'caught-up':
        return { type, serverVersion: reader.varUint('serverVersion') } satisfies CaughtUpMessage;
      case 'ping':
      case 'pong':
        return readPingOrPong(type, reader);
      case 'error':
        return readError(reader);
      default:
        return undefined;
    }
  });
}

function decodeFrame<M extends Message>(
  frame: Uint8Array,
  options: DecodeOptions,
  receiver: string,
  readBody: (type: Message['type'], reader: ByteReader) => M | undefined,
): M {
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (frame.byteLength > maxFrameBytes) {
    throw new GreenlightError(
      'frame-too-large',
      'protocol',
      `frame of ${frame.byteLength} bytes exceeds the limit of ${maxFrameBytes} bytes`,
    );
  }
  try {
    const reader = new ByteReader(frame);
    if (reader.remaining === 0) throw reader.malformed('empty frame');
    const tag = reader.u8('message tag');
    const type = TYPE_BY_TAG.get(tag);
    if (type === undefined) throw new GreenlightError('unknown-message', 'protocol', `unknown message tag ${tag}`);
    const message = readBody(type, reader);
    if (message === undefined) {
      throw new GreenlightError('unexpected-message', 'protocol', `'${type}' is not a message ${receiver} receives`);
    }
    reader.expectEnd();
    return message;
  } catch (error) {
    if (isGreenlightError(error)) throw error;
    throw new GreenlightError('malformed-frame', 'protocol', `malformed frame: ${String(error)}`, { cause: error });
  }
}

function readHello(reader: ByteReader): HelloMessage {
  const protocolVersion = reader.varUint('protocolVersion');
  try {
    const database = reader.text('database');
    const clientSiteId = readSiteId(reader, 'clientSiteId');
    const siteSecret = reader.raw(SITE_SECRET_BYTES, 'siteSecret');
    const schemaName = reader.text('schemaName');
    const schemaVersion = reader.varUint('schemaVersion');
    const lastServerSiteId = readOptionalSiteId(reader, 'lastServerSiteId');
    const serverCursor = reader.varUint('serverCursor');
    const maxFrameBytes = readFrameLimit(reader);
    // The name is checked only once the frame is known to be well formed, so that
    // 'invalid-database-name' always means "reject the name", never "bad frame".
    reader.expectEnd();
    return {
      type: 'hello',
      protocolVersion,
      database: parseDatabaseName(database),
      clientSiteId,
      siteSecret,
      schemaName,
      schemaVersion,
      lastServerSiteId,
      serverCursor,
      maxFrameBytes,
    };
  } catch (error) {
    // Another protocol may lay out the rest of its hello differently; the server
    // still needs to know to reject it for its version, not for its bytes.
    if (protocolVersion !== PROTOCOL_VERSION) {
      throw new GreenlightError(
        'protocol-version',
        'protocol',
        `hello speaks protocol ${protocolVersion}, which this side cannot read (it speaks ${PROTOCOL_VERSION})`,
        { cause: error },
      );
    }
    throw error;
  }
}

function readAccept(reader: ByteReader): AcceptMessage {
  return {
    type: 'accept',
    serverSiteId: readSiteId(reader, 'serverSiteId'),
    schemaName: reader.text('schemaName'),
    schemaVersion: reader.varUint('schemaVersion'),
    serverVersion: reader.varUint('serverVersion'),
    committedClientVersion: reader.varUint('committedClientVersion'),
    backlogChanges: reader.varUint('backlogChanges'),
    backlogBytes: reader.varUint('backlogBytes'),
    backlogRows: reader.varUint('backlogRows'),
    maxFrameBytes: readFrameLimit(reader),
  };
}

function readFrameLimit(reader: ByteReader): number {
  const at = reader.offset;
  const maxFrameBytes = reader.varUint('maxFrameBytes');
  if (maxFrameBytes < MIN_MAX_FRAME_BYTES) {
    throw reader.malformed(`maxFrameBytes ${maxFrameBytes} is below the protocol minimum of ${MIN_MAX_FRAME_BYTES}`, at);
  }
  return maxFrameBytes;
}

function readReject(reader: ByteReader): RejectMessage {
  const at = reader.offset;
  const code = reader.u8('reject reason');
  const reason = REJECT_REASON_BY_CODE.get(code);
  if (reason === undefined) throw reader.malformed(`unknown reject reason code ${code}`, at);
  return {
    type: 'reject',
    reason,
    message: reader.text('message'),
    serverProtocolVersion: reader.varUint('serverProtocolVersion'),
    serverSchemaName: reader.text('serverSchemaName'),
    serverSchemaVersion: reader.varUint('serverSchemaVersion'),
  };
}

function readChanges(reader: ByteReader): ChangesMessage {
  const throughVersion = reader.varUint('throughVersion');
  const countAt = reader.offset;
  const count = reader.varUint('change count');
  reader.expectRoomFor(count, MIN_CHANGE_BYTES, 'change count', countAt);
  const changes: Change[] = [];
  for (let i = 0; i < count; i++) changes.push(readChange(reader));
  return { type: 'changes', changes, throughVersion };
}

function readChange(reader: ByteReader): Change {
  return {
    table: reader.text('change table'),
    pk: reader.lengthPrefixedBytes('change pk'),
    cid: reader.text('change cid'),
    val: readSqlValue(reader),
    colVersion: reader.varUint('change colVersion'),
    dbVersion: reader.varUint('change dbVersion'),
    siteId: reader.raw(SITE_ID_BYTES, 'change siteId'),
    cl: reader.varUint('change cl'),
    seq: reader.varUint('change seq'),
  };
}

function readSqlValue(reader: ByteReader): SqlValue {
  const at = reader.offset;
  const type = reader.u8('value type');
  switch (type) {
    case VALUE_TYPES.null:
      return null;
    case VALUE_TYPES.positiveInteger: {
      const value = reader.varUint64('integer value');
      if (typeof value === 'bigint' && value > MAX_INT64) throw reader.malformed('integer value exceeds 2^63 - 1', at);
      return value;
    }
    case VALUE_TYPES.negativeInteger: {
      const magnitude = reader.varUint64('integer value');
      if (typeof magnitude === 'number') {
        return magnitude < Number.MAX_SAFE_INTEGER ? -magnitude - 1 : -BigInt(magnitude) - 1n;
      }
      if (magnitude > MAX_INT64) throw reader.malformed('integer value is below -2^63', at);
      return -magnitude - 1n;
    }
    case VALUE_TYPES.real:
      return realValue(reader.f64('real value'));
    case VALUE_TYPES.text:
      return reader.text('text value');
    case VALUE_TYPES.blob:
      return reader.lengthPrefixedBytes('blob value');
    default:
      throw reader.malformed(`unknown value type ${type}`, at);
  }
}

function readPingOrPong(type: 'ping' | 'pong', reader: ByteReader): PingMessage | PongMessage {
  return { type, sentAt: reader.f64('sentAt'), serverVersion: reader.varUint('serverVersion') };
}

function readError(reader: ByteReader): ErrorMessage {
  const at = reader.offset;
  const value = reader.u8('error code');
  const code = ERROR_CODE_BY_CODE.get(value);
  if (code === undefined) throw reader.malformed(`unknown error code ${value}`, at);
  return { type: 'error', code, message: reader.text('message') };
}

function readSiteId(reader: ByteReader, what: string): SiteId {
  return siteIdFromBytes(reader.raw(SITE_ID_BYTES, what));
}

function readOptionalSiteId(reader: ByteReader, what: string): SiteId | null {
  const at = reader.offset;
  const present = reader.u8(`${what} presence`);
  if (present === 0) return null;
  if (present === 1) return readSiteId(reader, what);
  throw reader.malformed(`${what} presence flag is ${present}, expected 0 or 1`, at);
}
