import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GreenlightError, isGreenlightError } from '../errors.ts';
import { thrown } from '../test-support/thrown.ts';
import { ByteWriter, textWireSize, varUintSize } from './byte-writer.ts';
import { changeWireSize, decodeClientMessage, decodeServerMessage, encodeMessage } from './codec.ts';
import { MIN_MAX_FRAME_BYTES } from './frame-limits.ts';
import { parseDatabaseName, parseSiteId, siteIdFromBytes, type SiteId } from './ids.ts';
import { realValue } from './sql-value.ts';
import {
  DEFAULT_MAX_FRAME_BYTES,
  MESSAGE_TAGS,
  PROTOCOL_ERROR_CODES,
  PROTOCOL_VERSION,
  REJECT_REASONS,
  SITE_SECRET_BYTES,
  type Change,
  type ClientMessage,
  type HelloMessage,
  type Message,
  type ServerMessage,
  type SqlValue,
} from './messages.ts';

const CLIENT_SITE = parseSiteId('0123456789abcdef0123456789abcdef');
const SERVER_SITE = parseSiteId('fedcba9876543210fedcba9876543210');
const CHANGE_SITE = new Uint8Array(16).map((_, i) => i * 7);

function change(val: SqlValue, overrides: Partial<Change> = {}): Change {
  return {
    table: 'books',
    pk: new Uint8Array([1, 11, 42]),
    cid: 'title',
    val,
    colVersion: 3,
    dbVersion: 17,
    siteId: CHANGE_SITE,
    cl: 1,
    seq: 0,
    ...overrides,
  };
}

const hello: HelloMessage = {
  type: 'hello',
  protocolVersion: PROTOCOL_VERSION,
  database: parseDatabaseName('bookshop_main-1'),
  clientSiteId: CLIENT_SITE,
  siteSecret: new Uint8Array(SITE_SECRET_BYTES).map((_, i) => 255 - i),
  schemaName: 'bookshop',
  schemaVersion: 4,
  lastServerSiteId: SERVER_SITE,
  serverCursor: 1234,
  maxFrameBytes: 4 * 1024 * 1024,
};

const bothWays: readonly (ClientMessage & ServerMessage)[] = [
  {
    type: 'changes',
    throughVersion: 18,
    changes: [change('Dune'), change(null, { table: 'authors', cid: 'name', dbVersion: 18, seq: 1 })],
  },
  { type: 'changes', throughVersion: 0, changes: [] },
  { type: 'ping', sentAt: 1_733_000_000_123.25, serverVersion: 0 },
  { type: 'pong', sentAt: 12.5, serverVersion: 99 },
  { type: 'error', code: 'unexpected-message', message: 'hello twice' },
];

const clientOnly: readonly ClientMessage[] = [hello, { ...hello, lastServerSiteId: null, serverCursor: 0 }];

const serverOnly: readonly ServerMessage[] = [
  {
    type: 'accept',
    serverSiteId: SERVER_SITE,
    schemaName: 'bookshop',
    schemaVersion: 4,
    serverVersion: 5000,
    committedClientVersion: 77,
    backlogChanges: 3766,
    backlogBytes: 2 ** 40,
    backlogRows: 1234,
    maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  },
  {
    type: 'reject',
    reason: 'schema-mismatch',
    message: 'server runs bookshop 5',
    serverProtocolVersion: PROTOCOL_VERSION,
    serverSchemaName: 'bookshop',
    serverSchemaVersion: 5,
  },
  { type: 'ack', committedClientVersion: 81 },
  { type: 'caught-up', serverVersion: 5000 },
];

const clientMessages: readonly ClientMessage[] = [...clientOnly, ...bothWays];
const serverMessages: readonly ServerMessage[] = [...serverOnly, ...bothWays];

function frame(...parts: readonly (number | Uint8Array | ((writer: ByteWriter) => void))[]): Uint8Array {
  const writer = new ByteWriter();
  for (const part of parts) {
    if (typeof part === 'number') writer.u8(part);
    else if (part instanceof Uint8Array) writer.raw(part);
    else part(writer);
  }
  return writer.finish();
}

const varint =
  (value: number | bigint) =>
  (writer: ByteWriter): void =>
    typeof value === 'bigint' ? writer.varUint64(value) : writer.varUint(value);
const text = (value: string) => (writer: ByteWriter) => writer.text(value);

/** A frame with one change whose value bytes are given raw, after the value type byte. */
function changesFrameWithValue(valueType: number, ...valueParts: readonly (number | ((writer: ByteWriter) => void))[]): Uint8Array {
  return frame(
    MESSAGE_TAGS.changes,
    varint(1),
    varint(1),
    text('t'),
    varint(0),
    text('c'),
    valueType,
    ...valueParts,
    varint(1),
    varint(1),
    CHANGE_SITE,
    varint(1),
    varint(0),
  );
}

describe('encodeMessage and decode*Message', () => {
  it.each(clientMessages.map((m) => [m.type, m] as const))('round-trips a client %s', (_, message) => {
    const encoded = encodeMessage(message);
    expect(encoded[0]).toBe(MESSAGE_TAGS[message.type]);
    expect(decodeClientMessage(encoded)).toStrictEqual(message);
  });

  it.each(serverMessages.map((m) => [m.type, m] as const))('round-trips a server %s', (_, message) => {
    const encoded = encodeMessage(message);
    expect(encoded[0]).toBe(MESSAGE_TAGS[message.type]);
    expect(decodeServerMessage(encoded)).toStrictEqual(message);
  });

  it('round-trips every reject reason and every error code', () => {
    for (const reason of REJECT_REASONS) {
      const message = { ...(serverOnly[1] as ServerMessage & { type: 'reject' }), reason };
      expect(decodeServerMessage(encodeMessage(message))).toStrictEqual(message);
    }
    for (const code of PROTOCOL_ERROR_CODES) {
      const message = { type: 'error', code, message: code } as const;
      expect(decodeClientMessage(encodeMessage(message))).toStrictEqual(message);
    }
  });

  const values: readonly (readonly [string, SqlValue, string])[] = [
    ['null', null, 'object'],
    ['0', 0, 'number'],
    ['-1', -1, 'number'],
    ['2^53 - 1', Number.MAX_SAFE_INTEGER, 'number'],
    ['-(2^53 - 1)', Number.MIN_SAFE_INTEGER, 'number'],
    ['2^53 + 1 as bigint', 2n ** 53n + 1n, 'bigint'],
    ['-2^53 as bigint', -(2n ** 53n), 'bigint'],
    ['-2^63', -(2n ** 63n), 'bigint'],
    ['2^63 - 1', 2n ** 63n - 1n, 'bigint'],
    ['1.5', 1.5, 'number'],
    ['-1e-300', -1e-300, 'number'],
    ['NaN', Number.NaN, 'number'],
    ['-0', -0, 'number'],
    ['Infinity', Number.POSITIVE_INFINITY, 'number'],
    ['-Infinity', Number.NEGATIVE_INFINITY, 'number'],
    ['2^60 as a double', 2 ** 60, 'number'],
    ['empty text', '', 'string'],
    ['non-ASCII text', '日本語🎉', 'string'],
    ['text with a byte order mark', '\ufeffx', 'string'],
    ['text with NUL', 'a\u0000b', 'string'],
    ['empty blob', new Uint8Array(0), 'object'],
    ['1 MB blob', new Uint8Array(1024 * 1024).map((_, i) => (i * 31) % 256), 'object'],
  ];

  it.each(values)('round-trips the value %s exactly', (_, val, type) => {
    const sent = change(val);
    const decoded = decodeServerMessage(encodeMessage({ type: 'changes', throughVersion: 17, changes: [sent] }));
    expect(decoded).toMatchObject({ type: 'changes', throughVersion: 17 });
    const received = decoded.type === 'changes' ? decoded.changes[0] : undefined;
    expect(typeof received?.val).toBe(type);
    if (val instanceof Uint8Array) {
      // Element-by-element equality is slow for a megabyte; Buffer.compare is not.
      expect(received?.val).toBeInstanceOf(Uint8Array);
      expect(Buffer.compare(received?.val as Uint8Array, val)).toBe(0);
      expect({ ...received, val: null }).toStrictEqual({ ...sent, val: null });
    } else {
      expect(Object.is(received?.val, val)).toBe(true);
      expect(received).toStrictEqual(sent);
    }
  });

  const integralReals: readonly (readonly [string, SqlValue])[] = [
    ['REAL 1.0', { real: 1 }],
    ['REAL 0.0', { real: 0 }],
    ['REAL -3.0', { real: -3 }],
    ['REAL 2^53 - 1', { real: Number.MAX_SAFE_INTEGER }],
  ];

  it.each(integralReals)('keeps %s a REAL: type 3 on the wire, { real } when decoded', (_, val) => {
    const decoded = decodeServerMessage(encodeMessage({ type: 'changes', throughVersion: 1, changes: [change(val)] }));
    expect(decoded).toStrictEqual({ type: 'changes', throughVersion: 1, changes: [change(val)] });
    expect(changeWireSize(change(val))).toBe(changeWireSize(change(1.5)));
  });

  it('decodes a REAL that a number can name as that number, whichever form was sent', () => {
    const decoded = decodeServerMessage(encodeMessage({ type: 'changes', throughVersion: 0, changes: [change({ real: 1.5 }), change({ real: -0 })] }));
    expect(decoded.type === 'changes' && decoded.changes.map((each) => each.val)).toStrictEqual([1.5, -0]);
  });

  it('sends a safe integer as INTEGER and -0 or a fraction as REAL', () => {
    // tag, throughVersion, count, 'books', pk of 3 bytes, 'title', then the value's type byte
    const typeByteAt = 1 + 1 + 1 + textWireSize('books') + 4 + textWireSize('title');
    const valueType = (val: SqlValue) => encodeMessage({ type: 'changes', throughVersion: 0, changes: [change(val)] })[typeByteAt];
    expect(valueType(5)).toBe(1);
    expect(valueType(-5)).toBe(2);
    expect(valueType(5n)).toBe(1);
    expect(valueType(-0)).toBe(3);
    expect(valueType(0.5)).toBe(3);
    expect(valueType({ real: 5 })).toBe(3);
  });

  it('decodes a bigint within the safe range as a number', () => {
    const decoded = decodeServerMessage(encodeMessage({ type: 'changes', throughVersion: 0, changes: [change(-42n)] }));
    expect(decoded).toMatchObject({ changes: [{ val: -42 }] });
  });

  it('reads a Node Buffer that is a view into a larger allocation', () => {
    const encoded = encodeMessage(serverOnly[0] as ServerMessage);
    const pool = Buffer.alloc(encoded.byteLength + 20, 0xcc);
    pool.set(encoded, 7);
    expect(decodeServerMessage(pool.subarray(7, 7 + encoded.byteLength))).toStrictEqual(serverOnly[0]);
  });

  describe('refuses to encode what the wire cannot carry', () => {
    it.each([
      ['a bigint above 2^63 - 1', { type: 'changes', throughVersion: 0, changes: [change(2n ** 63n)] }],
      ['a bigint below -2^63', { type: 'changes', throughVersion: 0, changes: [change(-(2n ** 63n) - 1n)] }],
      ['a 15-byte change site id', { type: 'changes', throughVersion: 0, changes: [change(1, { siteId: new Uint8Array(15) })] }],
      ['a negative version', { type: 'ack', committedClientVersion: -1 }],
      ['a fractional version', { type: 'caught-up', serverVersion: 1.5 }],
      ['a version beyond 2^53 - 1', { type: 'changes', throughVersion: 2 ** 53, changes: [] }],
      ['text with a lone surrogate', { type: 'error', code: 'internal', message: 'half \ud83c' }],
      ['a site id that is not 32 hex digits', { ...hello, clientSiteId: 'ABC' as SiteId }],
      ['an unknown reject reason', { ...serverOnly[1], reason: 'bored' }],
      ['an unknown message type', { type: 'shout' }],
    ])('%s', (_, message) => {
      const error = thrown(() => encodeMessage(message as unknown as Message));
      expect(error).toMatchObject({ kind: 'internal', origin: 'protocol' });
    });

    it('and still encodes the next message correctly', () => {
      thrown(() => encodeMessage({ type: 'changes', throughVersion: 0, changes: [change(1), change(2n ** 64n)] }));
      expect(decodeServerMessage(encodeMessage({ type: 'ack', committedClientVersion: 3 }))).toStrictEqual({
        type: 'ack',
        committedClientVersion: 3,
      });
    });
  });
});

describe('decoding hostile or broken frames', () => {
  it.each(clientMessages.map((m) => [m.type, m] as const))('refuses every proper prefix of a client %s', (_, message) => {
    const encoded = encodeMessage(message);
    for (let length = 0; length < encoded.byteLength; length++) {
      expect(thrown(() => decodeClientMessage(encoded.subarray(0, length))).kind).toBe('malformed-frame');
    }
  });

  it.each(serverMessages.map((m) => [m.type, m] as const))('refuses every proper prefix of a server %s', (_, message) => {
    const encoded = encodeMessage(message);
    for (let length = 0; length < encoded.byteLength; length++) {
      expect(thrown(() => decodeServerMessage(encoded.subarray(0, length))).kind).toBe('malformed-frame');
    }
  });

  it.each([...clientOnly, ...bothWays, ...serverOnly].map((m) => [m.type, m] as const))(
    'refuses a %s with trailing bytes',
    (_, message) => {
      const encoded = encodeMessage(message);
      const padded = new Uint8Array([...encoded, 0]);
      const decode = message.type === 'hello' ? decodeClientMessage : decodeServerMessage;
      const error = thrown(() => decode(padded));
      expect(error.kind).toBe('malformed-frame');
      expect(error.message).toContain(`offset ${encoded.byteLength}`);
    },
  );

  it('refuses an empty frame', () => {
    expect(thrown(() => decodeClientMessage(new Uint8Array())).kind).toBe('malformed-frame');
    expect(thrown(() => decodeServerMessage(new Uint8Array())).kind).toBe('malformed-frame');
  });

  it.each([0, 10, 200, 255])('refuses unknown tag %i', (tag) => {
    expect(thrown(() => decodeClientMessage(new Uint8Array([tag, 0, 0]))).kind).toBe('unknown-message');
    expect(thrown(() => decodeServerMessage(new Uint8Array([tag]))).kind).toBe('unknown-message');
  });

  it('refuses a frame over the limit before looking inside it', () => {
    const tooBig = new Uint8Array(101).fill(0xff);
    expect(thrown(() => decodeClientMessage(tooBig, { maxFrameBytes: 100 })).kind).toBe('frame-too-large');
    expect(thrown(() => decodeServerMessage(tooBig, { maxFrameBytes: 100 })).kind).toBe('frame-too-large');
    const atLimit = encodeMessage({ type: 'ping', sentAt: 1, serverVersion: 0 });
    expect(decodeServerMessage(atLimit, { maxFrameBytes: atLimit.byteLength }).type).toBe('ping');
  });

  it('applies DEFAULT_MAX_FRAME_BYTES when no limit is given', () => {
    const tooBig = new Uint8Array(DEFAULT_MAX_FRAME_BYTES + 1);
    tooBig[0] = MESSAGE_TAGS.ping;
    expect(thrown(() => decodeServerMessage(tooBig)).kind).toBe('frame-too-large');
  });

  it.each(serverOnly.map((m) => [m.type, m] as const))('refuses a %s arriving at a server', (_, message) => {
    expect(thrown(() => decodeClientMessage(encodeMessage(message))).kind).toBe('unexpected-message');
  });

  it('refuses a hello arriving at a client', () => {
    const error = thrown(() => decodeServerMessage(encodeMessage(hello)));
    expect(error).toMatchObject({ kind: 'unexpected-message', origin: 'protocol' });
  });

  it('refuses bad UTF-8 in text', () => {
    const bad = frame(MESSAGE_TAGS.error, 1, varint(2), new Uint8Array([0xc3, 0x28]));
    const error = thrown(() => decodeServerMessage(bad));
    expect(error.kind).toBe('malformed-frame');
    expect(error.cause).toBeDefined();
  });

  it.each([0, 8, 255])('refuses reject reason code %i', (code) => {
    const bad = frame(MESSAGE_TAGS.reject, code, text('m'), varint(1), text('s'), varint(1));
    expect(thrown(() => decodeServerMessage(bad)).message).toContain('unknown reject reason');
  });

  it.each([0, 7, 255])('refuses error code %i', (code) => {
    const bad = frame(MESSAGE_TAGS.error, code, text('m'));
    expect(thrown(() => decodeClientMessage(bad)).message).toContain('unknown error code');
  });

  it('refuses a hello whose last-server flag is neither 0 nor 1', () => {
    const encoded = encodeMessage({ ...hello, lastServerSiteId: null });
    const flagAt = encoded.byteLength - varUintSize(hello.maxFrameBytes) - varUintSize(hello.serverCursor) - 1;
    expect(encoded[flagAt]).toBe(0);
    const bad = encoded.slice();
    bad[flagAt] = 2;
    expect(thrown(() => decodeClientMessage(bad)).message).toContain('presence flag is 2');
  });

  it('reports an invalid database name in an otherwise valid hello as invalid-database-name', () => {
    for (const name of ['', '../etc', '.hidden', 'a/b', 'x'.repeat(65)]) {
      const bad = encodeMessage({ ...hello, database: name as HelloMessage['database'] });
      expect(thrown(() => decodeClientMessage(bad))).toMatchObject({ kind: 'invalid-database-name', origin: 'protocol' });
    }
  });

  it('still reports a truncated hello with a bad name as malformed', () => {
    const bad = encodeMessage({ ...hello, database: '../etc' as HelloMessage['database'] });
    expect(thrown(() => decodeClientMessage(bad.subarray(0, bad.byteLength - 1))).kind).toBe('malformed-frame');
  });

  it('decodes a hello of another protocol version laid out as this one, so the server can reject it', () => {
    const future = { ...hello, protocolVersion: PROTOCOL_VERSION + 1 };
    expect(decodeClientMessage(encodeMessage(future))).toStrictEqual(future);
  });

  it('reports a protocol 1 hello (no secret, no frame limit) as protocol-version, so the server can reject it', () => {
    const v1 = frame(
      MESSAGE_TAGS.hello,
      varint(1),
      text('bookshop'),
      new Uint8Array(16).fill(1),
      text('bookshop'),
      varint(4),
      0,
      varint(0),
    );
    const error = thrown(() => decodeClientMessage(v1));
    expect(error).toMatchObject({ kind: 'protocol-version', origin: 'protocol' });
  });

  it('refuses a frame limit below the protocol minimum in a hello or an accept', () => {
    const small = { ...hello, maxFrameBytes: MIN_MAX_FRAME_BYTES - 1 };
    expect(thrown(() => encodeMessage(small)).kind).toBe('internal');
    const bytes = encodeMessage({ ...hello, maxFrameBytes: MIN_MAX_FRAME_BYTES });
    // The limit is the hello's last field: replace its varint with a smaller value.
    const limitBytes = varUintSize(MIN_MAX_FRAME_BYTES);
    const forged = frame(bytes.subarray(0, bytes.byteLength - limitBytes), varint(MIN_MAX_FRAME_BYTES - 1));
    expect(thrown(() => decodeClientMessage(forged)).kind).toBe('malformed-frame');
    const accept = serverOnly[0] as ServerMessage & { type: 'accept' };
    expect(thrown(() => encodeMessage({ ...accept, maxFrameBytes: 10 })).kind).toBe('internal');
  });

  it('refuses to encode a site secret of another length', () => {
    expect(thrown(() => encodeMessage({ ...hello, siteSecret: new Uint8Array(SITE_SECRET_BYTES - 1) })).kind).toBe('internal');
  });

  it('reports a hello of another protocol version that it cannot read as protocol-version', () => {
    const future = frame(MESSAGE_TAGS.hello, varint(PROTOCOL_VERSION + 1), 0xff, 0xff, 0xff);
    const error = thrown(() => decodeClientMessage(future));
    expect(error.kind).toBe('protocol-version');
    expect((error.cause as GreenlightError).kind).toBe('malformed-frame');
  });

  it('refuses a version number beyond 2^53 - 1', () => {
    const bad = frame(MESSAGE_TAGS.ack, varint(2n ** 53n));
    expect(thrown(() => decodeServerMessage(bad)).kind).toBe('malformed-frame');
  });

  it('refuses a varint of more than 10 bytes', () => {
    const bad = frame(MESSAGE_TAGS['caught-up'], ...Array<number>(10).fill(0x81), 0x01);
    expect(thrown(() => decodeServerMessage(bad)).message).toContain('longer than 10 bytes');
  });

  it.each([
    ['a positive integer beyond 2^63 - 1', 1, varint(2n ** 63n)],
    ['a negative integer below -2^63', 2, varint(2n ** 63n)],
  ])('refuses %s', (_, valueType, value) => {
    expect(thrown(() => decodeServerMessage(changesFrameWithValue(valueType, value))).kind).toBe('malformed-frame');
  });

  it.each([6, 99])('refuses unknown value type %i', (valueType) => {
    expect(thrown(() => decodeServerMessage(changesFrameWithValue(valueType))).message).toContain('unknown value type');
  });

  it('checks the hand-built change frame is otherwise valid', () => {
    expect(decodeServerMessage(changesFrameWithValue(0))).toMatchObject({ changes: [{ table: 't', val: null }] });
  });

  it('refuses a frame claiming 2^40 changes without allocating for them', () => {
    const bogus = frame(MESSAGE_TAGS.changes, varint(1), varint(2 ** 40), new Uint8Array(64));
    const error = thrown(() => decodeClientMessage(bogus));
    expect(error.kind).toBe('malformed-frame');
    expect(error.message).toContain('declares 1099511627776');
  });

  it('refuses a blob length beyond the frame', () => {
    const bad = changesFrameWithValue(5, varint(2 ** 50));
    expect(thrown(() => decodeServerMessage(bad)).message).toContain('blob value');
  });
});

describe('changeWireSize', () => {
  it('adds up to the changes frame minus its header', () => {
    const changes = values().map((val, i) => change(val, { dbVersion: i * 1000, seq: i, cid: `c${'é'.repeat(i)}` }));
    const throughVersion = 123_456;
    const encoded = encodeMessage({ type: 'changes', throughVersion, changes });
    const header = 1 + varUintSize(throughVersion) + varUintSize(changes.length);
    const sum = changes.reduce((total, c) => total + changeWireSize(c), 0);
    expect(sum).toBe(encoded.byteLength - header);
  });

  it('matches the encoder for random changes', () => {
    fc.assert(
      fc.property(fc.array(changeArbitrary, { maxLength: 20 }), (changes) => {
        const encoded = encodeMessage({ type: 'changes', throughVersion: 0, changes });
        const sum = changes.reduce((total, c) => total + changeWireSize(c), 0);
        expect(sum).toBe(encoded.byteLength - 1 - 1 - varUintSize(changes.length));
      }),
    );
  });

  function values(): SqlValue[] {
    return [null, 0, -1, 127, -128, 2 ** 40, -(2 ** 52), 1.25, -0, 2n ** 62n, -(2n ** 63n), '', 'a', '🎉'.repeat(50), new Uint8Array(300)];
  }
});

// ---- properties --------------------------------------------------------------------

// fast-check builds null-prototype records by default; decoded messages are plain objects.
function record<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true }) as fc.Arbitrary<T>;
}

const versionArbitrary = fc.maxSafeNat();
const textArbitrary = fc.string({ unit: 'binary', maxLength: 60 });
const siteIdArbitrary = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => siteIdFromBytes(bytes));
const databaseArbitrary = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/).map((name) => parseDatabaseName(name));

// bigints only outside the safe range: inside it they come back as numbers, by design.
const sqlValueArbitrary: fc.Arbitrary<SqlValue> = fc.oneof(
  fc.constant(null),
  fc.maxSafeInteger(),
  fc.double(),
  fc.double().map(realValue),
  fc.bigInt({ min: -(2n ** 63n), max: -(2n ** 53n) }),
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 63n - 1n }),
  textArbitrary,
  fc.uint8Array({ maxLength: 40 }),
);

const changeArbitrary: fc.Arbitrary<Change> = record({
  table: textArbitrary,
  pk: fc.uint8Array({ maxLength: 20 }),
  cid: textArbitrary,
  val: sqlValueArbitrary,
  colVersion: versionArbitrary,
  dbVersion: versionArbitrary,
  siteId: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  cl: versionArbitrary,
  seq: versionArbitrary,
});

const changesArbitrary = record({
  type: fc.constant('changes' as const),
  changes: fc.array(changeArbitrary, { maxLength: 8 }),
  throughVersion: versionArbitrary,
});

const heartbeatArbitrary = record({
  type: fc.constantFrom('ping' as const, 'pong' as const),
  sentAt: fc.double(),
  serverVersion: versionArbitrary,
});

const errorArbitrary = record({
  type: fc.constant('error' as const),
  code: fc.constantFrom(...PROTOCOL_ERROR_CODES),
  message: textArbitrary,
});

const clientMessageArbitrary: fc.Arbitrary<ClientMessage> = fc.oneof(
  record({
    type: fc.constant('hello' as const),
    protocolVersion: versionArbitrary,
    database: databaseArbitrary,
    clientSiteId: siteIdArbitrary,
    siteSecret: fc.uint8Array({ minLength: SITE_SECRET_BYTES, maxLength: SITE_SECRET_BYTES }),
    schemaName: textArbitrary,
    schemaVersion: versionArbitrary,
    lastServerSiteId: fc.option(siteIdArbitrary, { nil: null }),
    serverCursor: versionArbitrary,
    maxFrameBytes: fc.integer({ min: MIN_MAX_FRAME_BYTES, max: Number.MAX_SAFE_INTEGER }),
  }),
  changesArbitrary,
  heartbeatArbitrary,
  errorArbitrary,
);

const serverMessageArbitrary: fc.Arbitrary<ServerMessage> = fc.oneof(
  record({
    type: fc.constant('accept' as const),
    serverSiteId: siteIdArbitrary,
    schemaName: textArbitrary,
    schemaVersion: versionArbitrary,
    serverVersion: versionArbitrary,
    committedClientVersion: versionArbitrary,
    backlogChanges: versionArbitrary,
    backlogBytes: versionArbitrary,
    backlogRows: versionArbitrary,
    maxFrameBytes: fc.integer({ min: MIN_MAX_FRAME_BYTES, max: Number.MAX_SAFE_INTEGER }),
  }),
  record({
    type: fc.constant('reject' as const),
    reason: fc.constantFrom(...REJECT_REASONS),
    message: textArbitrary,
    serverProtocolVersion: versionArbitrary,
    serverSchemaName: textArbitrary,
    serverSchemaVersion: versionArbitrary,
  }),
  record({ type: fc.constant('ack' as const), committedClientVersion: versionArbitrary }),
  record({ type: fc.constant('caught-up' as const), serverVersion: versionArbitrary }),
  changesArbitrary,
  heartbeatArbitrary,
  errorArbitrary,
);

function decodesOrRefusesTyped(bytes: Uint8Array): void {
  for (const decode of [decodeClientMessage, decodeServerMessage]) {
    try {
      decode(bytes);
    } catch (error) {
      if (!isGreenlightError(error)) throw new Error(`untyped error escaped: ${String(error)}`, { cause: error });
      expect(error.origin).toBe('protocol');
    }
  }
}

describe('properties', () => {
  it('decodeClientMessage(encodeMessage(m)) equals m for any client message', () => {
    fc.assert(
      fc.property(clientMessageArbitrary, (message) => {
        expect(decodeClientMessage(encodeMessage(message))).toStrictEqual(message);
      }),
      { numRuns: 500 },
    );
  });

  it('decodeServerMessage(encodeMessage(m)) equals m for any server message', () => {
    fc.assert(
      fc.property(serverMessageArbitrary, (message) => {
        expect(decodeServerMessage(encodeMessage(message))).toStrictEqual(message);
      }),
      { numRuns: 500 },
    );
  });

  it('random bytes either decode or throw a GreenlightError', () => {
    const tagged = fc
      .tuple(fc.integer({ min: 0, max: 11 }), fc.uint8Array({ maxLength: 200 }))
      .map(([tag, body]) => new Uint8Array([tag, ...body]));
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), tagged), decodesOrRefusesTyped), { numRuns: 2000 });
  });

  it('valid frames with random bytes changed either decode or throw a GreenlightError', () => {
    const mutated = fc
      .tuple(
        fc.oneof(clientMessageArbitrary, serverMessageArbitrary).map((message) => encodeMessage(message)),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      )
      .map(([encoded, edits]) => {
        const bytes = encoded.slice();
        for (const [at, value] of edits) bytes[at % bytes.byteLength] = value;
        return bytes;
      });
    fc.assert(fc.property(mutated, decodesOrRefusesTyped), { numRuns: 1000 });
  });
});
