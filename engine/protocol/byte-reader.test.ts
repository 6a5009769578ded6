import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { thrown } from '../test-support/thrown.ts';
import { ByteReader } from './byte-reader.ts';

function reader(...bytes: number[]): ByteReader {
  return new ByteReader(new Uint8Array(bytes));
}

describe('ByteReader', () => {
  it('reports what it was reading and where when a frame ends early', () => {
    const error = thrown(() => {
      const r = reader(0x05, 0x80);
      r.u8('tag');
      r.varUint('throughVersion');
    });
    expect(error).toMatchObject({ kind: 'malformed-frame', origin: 'protocol' });
    expect(error.message).toContain('throughVersion');
    expect(error.message).toContain('offset 1');
  });

  it('refuses a varint of more than 10 bytes', () => {
    const bytes = [...Array<number>(10).fill(0x80), 0x00];
    expect(thrown(() => reader(...bytes).varUint('n')).message).toContain('longer than 10 bytes');
    expect(thrown(() => reader(...bytes).varUint64('n')).message).toContain('longer than 10 bytes');
  });

  it('refuses a number beyond 2^53 - 1 where a safe integer is expected', () => {
    // 2^53 = 0x20000000000000
    const bytes = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10];
    expect(thrown(() => reader(...bytes).varUint('version')).message).toContain('exceeds 2^53 - 1');
    expect(reader(...bytes).varUint64('integer')).toBe(2n ** 53n);
  });

  it('reads a 64-bit varint as a number while it is safe and as a bigint beyond', () => {
    expect(reader(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f).varUint64('n')).toBe(Number.MAX_SAFE_INTEGER);
    expect(reader(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01).varUint64('n')).toBe(2n ** 64n - 1n);
    expect(thrown(() => reader(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02).varUint64('n')).message).toContain(
      'exceeds 2^64 - 1',
    );
  });

  it('keeps a leading byte order mark as text', () => {
    expect(reader(3, 0xef, 0xbb, 0xbf).text('t')).toBe('\ufeff');
  });

  it.each([
    ['an invalid byte', [1, 0xff]],
    ['an encoded surrogate', [3, 0xed, 0xa0, 0x80]],
    ['an overlong encoding', [2, 0xc0, 0x80]],
    ['a cut multi-byte sequence', [2, 0xe6, 0x97]],
  ])('refuses %s in UTF-8 text, keeping the decoder error as cause', (_, bytes) => {
    const error = thrown(() => reader(...bytes).text('schemaName'));
    expect(error.kind).toBe('malformed-frame');
    expect(error.message).toContain('schemaName is not valid UTF-8');
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it('refuses a length that runs past the end before reading it', () => {
    expect(thrown(() => reader(0xff, 0x7f, 1, 2).lengthPrefixedBytes('blob')).message).toContain('truncated while reading blob');
  });

  it('copies bytes out of a Buffer view, so reusing the frame cannot change them', () => {
    const backing = Buffer.from([0xaa, 3, 1, 2, 3, 0xbb]);
    const r = new ByteReader(backing.subarray(1, 5));
    const blob = r.lengthPrefixedBytes('blob');
    r.expectEnd();
    backing.fill(0);
    expect(blob).toStrictEqual(new Uint8Array([1, 2, 3]));
  });

  it('refuses trailing bytes', () => {
    const r = reader(1, 2);
    r.u8('tag');
    expect(thrown(() => r.expectEnd()).message).toContain('1 unexpected trailing bytes');
  });

  it('refuses a declared count that the remaining bytes cannot hold', () => {
    const r = reader(0, 0, 0);
    expect(thrown(() => r.expectRoomFor(2 ** 40, 24, 'change count', 0)).message).toContain('change count declares');
    expect(() => r.expectRoomFor(1, 3, 'change count', 0)).not.toThrow();
  });
});
