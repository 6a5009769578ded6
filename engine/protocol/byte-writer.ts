import { GreenlightError } from '../errors.ts';

/** A LEB128 varint of a 64-bit value never needs more than this many bytes. */
export const MAX_VARINT_BYTES = 10;

const INITIAL_CAPACITY = 64 * 1024;
// A buffer grown for one huge frame is not worth keeping for the small frames that follow.
const DEFAULT_RETAINED_CAPACITY = 1024 * 1024;
// Strings this short take a plain loop (ASCII is the common case for table and
// column names) and, even at 3 UTF-8 bytes per unit, their length fits in one byte.
const SHORT_TEXT_UNITS = 42;
const LONE_SURROGATE = /\p{Surrogate}/u;
const MAX_UINT64 = (1n << 64n) - 1n;

const encoder = new TextEncoder();

/** Bytes that `ByteWriter.varUint` writes for `value`. */
export function varUintSize(value: number): number {
  let size = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/** Bytes of the UTF-8 form of a well-formed string, computed without encoding it. */
export function utf8ByteLength(value: string): number {
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && isLowSurrogate(value.charCodeAt(i + 1))) {
      // A surrogate pair is one code point of 4 bytes.
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** Bytes that `ByteWriter.text` writes for `value`. */
export function textWireSize(value: string): number {
  const bytes = utf8ByteLength(value);
  return varUintSize(bytes) + bytes;
}

/** Bytes that `ByteWriter.lengthPrefixedBytes` writes for `value`. */
export function bytesWireSize(value: Uint8Array): number {
  return varUintSize(value.byteLength) + value.byteLength;
}

function refuse(message: string): never {
  throw new GreenlightError('internal', 'protocol', `cannot encode: ${message}`);
}

/**
 * Appends protocol values to one growable buffer that is reused from frame to
 * frame; `finish` hands out a copy of exactly the bytes written.
 *
 * Values that cannot be represented on the wire are refused with a
 * GreenlightError of kind 'internal': they are a bug in the sender, never
 * something to round or replace silently.
 */
export class ByteWriter {
  private buffer: Uint8Array;
  private view: DataView;
  private length = 0;
  private readonly retainedCapacity: number;

  constructor(options: { initialCapacity?: number; retainedCapacity?: number } = {}) {
    this.buffer = new Uint8Array(options.initialCapacity ?? INITIAL_CAPACITY);
    this.view = new DataView(this.buffer.buffer);
    this.retainedCapacity = options.retainedCapacity ?? DEFAULT_RETAINED_CAPACITY;
  }

  /** Bytes written since the last `finish` or `reset`. */
  get byteLength(): number {
    return this.length;
  }

  reset(): void {
    this.length = 0;
  }

  /** Returns a copy of the bytes written and starts a new, empty frame. */
  finish(): Uint8Array {
    const bytes = this.buffer.slice(0, this.length);
    this.length = 0;
    if (this.buffer.byteLength > this.retainedCapacity) {
      this.buffer = new Uint8Array(Math.min(INITIAL_CAPACITY, this.retainedCapacity));
      this.view = new DataView(this.buffer.buffer);
    }
    return bytes;
  }

  u8(value: number): void {
    this.ensure(1);
    this.buffer[this.length++] = value;
  }

  /** Unsigned LEB128 of a non-negative safe integer. */
  varUint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) refuse(`${value} is not a non-negative safe integer`);
    this.ensure(MAX_VARINT_BYTES);
    const buffer = this.buffer;
    let position = this.length;
    while (value >= 0x80) {
      buffer[position++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    buffer[position++] = value;
    this.length = position;
  }

  /** Unsigned LEB128 of a value up to 2^64 - 1, for integers beyond the safe range. */
  varUint64(value: bigint): void {
    if (value < 0n || value > MAX_UINT64) refuse(`${value} does not fit in 64 unsigned bits`);
    this.ensure(MAX_VARINT_BYTES);
    const buffer = this.buffer;
    let position = this.length;
    while (value >= 0x80n) {
      buffer[position++] = Number(value & 0x7fn) | 0x80;
      value >>= 7n;
    }
    buffer[position++] = Number(value);
    this.length = position;
  }

  /** IEEE 754 double, little-endian; NaN, infinities and -0 survive. */
  f64(value: number): void {
    this.ensure(8);
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  /** Bytes as they are, with no length: for fields of fixed size. */
  raw(value: Uint8Array): void {
    this.ensure(value.byteLength);
    this.buffer.set(value, this.length);
    this.length += value.byteLength;
  }

  /** A varint byte count, then the bytes. */
  lengthPrefixedBytes(value: Uint8Array): void {
    this.varUint(value.byteLength);
    this.raw(value);
  }

  /** A varint byte count, then the UTF-8 bytes. A string with a lone surrogate is refused. */
  text(value: string): void {
    const units = value.length;
    if (units <= SHORT_TEXT_UNITS) {
      this.ensure(1 + units * 3);
      const buffer = this.buffer;
      const start = this.length + 1;
      let position = start;
      let i = 0;
      for (; i < units; i++) {
        const unit = value.charCodeAt(i);
        if (unit >= 0x80) break;
        buffer[position++] = unit;
      }
      if (i < units) {
        checkWellFormed(value);
        position = start + encoder.encodeInto(value, buffer.subarray(start, start + units * 3)).written;
      }
      buffer[this.length] = position - start;
      this.length = position;
      return;
    }
    checkWellFormed(value);
    // Encode straight into the buffer behind room for the largest possible length,
    // then close the gap if the real length needs fewer varint bytes.
    const maxBytes = units * 3;
    const reserved = varUintSize(maxBytes);
    this.ensure(reserved + maxBytes);
    const start = this.length + reserved;
    const written = encoder.encodeInto(value, this.buffer.subarray(start, start + maxBytes)).written;
    const needed = varUintSize(written);
    if (needed !== reserved) this.buffer.copyWithin(this.length + needed, start, start + written);
    this.varUint(written);
    this.length += written;
  }

  private ensure(extra: number): void {
    const required = this.length + extra;
    if (required <= this.buffer.byteLength) return;
    const grown = new Uint8Array(Math.max(required, this.buffer.byteLength * 2));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }
}

function checkWellFormed(value: string): void {
  // TextEncoder would replace a lone surrogate with U+FFFD, changing the data.
  if (LONE_SURROGATE.test(value)) refuse('text contains a lone UTF-16 surrogate');
}
