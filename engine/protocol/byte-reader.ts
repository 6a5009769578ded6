import { GreenlightError } from '../errors.ts';
import { MAX_VARINT_BYTES } from './byte-writer.ts';
import { decodeExactUtf8 } from './sql-value.ts';

// Below this many bytes a plain loop beats a TextDecoder call, and short text
// (table and column names) is almost always ASCII.
const SHORT_TEXT_BYTES = 32;
// After this many varint bytes a value no longer fits exactly in a JS number.
const NUMBER_VARINT_BYTES = 7;
const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Reads protocol values from one frame, checking every read against the bytes
 * that are left. Every failure is a GreenlightError of kind 'malformed-frame'
 * that names what was being read and at which offset.
 */
export class ByteReader {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private position = 0;

  constructor(bytes: Uint8Array) {
    // A Node Buffer's slice() shares memory; a plain view makes slice() copy.
    this.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.position;
  }

  get remaining(): number {
    return this.bytes.byteLength - this.position;
  }

  /** Refuses a frame with bytes after its last field. */
  expectEnd(): void {
    if (this.remaining !== 0) {
      throw this.malformed(`${this.remaining} unexpected trailing bytes`, this.position);
    }
  }

  /** Refuses a declared count before anything is allocated for it. */
  expectRoomFor(count: number, minimumBytesEach: number, what: string, at: number): void {
    if (count * minimumBytesEach > this.remaining) {
      throw this.malformed(
        `${what} declares ${count} items, which need at least ${count * minimumBytesEach} bytes, but ${this.remaining} are left`,
        at,
      );
    }
  }

  malformed(problem: string, at: number = this.position): GreenlightError {
    return new GreenlightError('malformed-frame', 'protocol', `malformed frame at offset ${at}: ${problem}`);
  }

  u8(what: string): number {
    const value = this.bytes[this.position];
    if (value === undefined) throw this.truncated(what, 1);
    this.position++;
    return value;
  }

  /** Unsigned LEB128 that must be a safe integer. */
  varUint(what: string): number {
    const start = this.position;
    const bytes = this.bytes;
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      const byte = bytes[this.position];
      if (byte === undefined) throw this.truncated(what, 1, start);
      this.position++;
      // Exact below 2^53; above it the sum may round, but never down to a safe integer.
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) throw this.malformed(`${what} exceeds 2^53 - 1`, start);
        return result;
      }
      multiplier *= 0x80;
    }
    throw this.malformed(`${what} is a varint longer than ${MAX_VARINT_BYTES} bytes`, start);
  }

  /** Unsigned LEB128 up to 2^64 - 1: a number when it is a safe integer, else a bigint. */
  varUint64(what: string): number | bigint {
    const start = this.position;
    const bytes = this.bytes;
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < NUMBER_VARINT_BYTES; i++) {
      const byte = bytes[this.position];
      if (byte === undefined) throw this.truncated(what, 1, start);
      this.position++;
      result += (byte & 0x7f) * multiplier;
      if (byte < 0x80) return result;
      multiplier *= 0x80;
    }
    let big = BigInt(result);
    let shift = BigInt(NUMBER_VARINT_BYTES * 7);
    for (let i = NUMBER_VARINT_BYTES; i < MAX_VARINT_BYTES; i++) {
      const byte = bytes[this.position];
      if (byte === undefined) throw this.truncated(what, 1, start);
      this.position++;
      big |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) {
        if (big >> 64n !== 0n) throw this.malformed(`${what} exceeds 2^64 - 1`, start);
        return big <= MAX_SAFE_BIGINT ? Number(big) : big;
      }
      shift += 7n;
    }
    throw this.malformed(`${what} is a varint longer than ${MAX_VARINT_BYTES} bytes`, start);
  }

  /** IEEE 754 double, little-endian. */
  f64(what: string): number {
    if (this.remaining < 8) throw this.truncated(what, 8);
    const value = this.view.getFloat64(this.position, true);
    this.position += 8;
    return value;
  }

  /** A copy of the next `length` bytes. */
  raw(length: number, what: string): Uint8Array {
    if (this.remaining < length) throw this.truncated(what, length);
    const start = this.position;
    this.position += length;
    return this.bytes.slice(start, this.position);
  }

  lengthPrefixedBytes(what: string): Uint8Array {
    const length = this.varUint(`length of ${what}`);
    return this.raw(length, what);
  }

  /** Length-prefixed UTF-8; invalid UTF-8 is refused, never replaced. */
  text(what: string): string {
    const length = this.varUint(`length of ${what}`);
    if (this.remaining < length) throw this.truncated(what, length);
    const start = this.position;
    const end = start + length;
    const bytes = this.bytes;
    if (length <= SHORT_TEXT_BYTES) {
      let ascii = '';
      let i = start;
      for (; i < end; i++) {
        const byte = bytes[i] as number;
        if (byte >= 0x80) break;
        ascii += String.fromCharCode(byte);
      }
      if (i === end) {
        this.position = end;
        return ascii;
      }
    }
    let value: string;
    try {
      value = decodeExactUtf8(bytes.subarray(start, end));
    } catch (error) {
      throw new GreenlightError('malformed-frame', 'protocol', `malformed frame at offset ${start}: ${what} is not valid UTF-8`, {
        cause: error,
      });
    }
    this.position = end;
    return value;
  }

  private truncated(what: string, needed: number, at: number = this.position): GreenlightError {
    return this.malformed(`truncated while reading ${what}: needs ${needed} more bytes, ${this.remaining} left`, at);
  }
}
