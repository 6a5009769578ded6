import { describe, expect, it } from 'vitest';
import { thrown } from '../test-support/thrown.ts';
import { ByteReader } from './byte-reader.ts';
import { ByteWriter, textWireSize, utf8ByteLength, varUintSize } from './byte-writer.ts';

describe('ByteWriter', () => {
  it('writes varints as unsigned LEB128', () => {
    const writer = new ByteWriter();
    writer.varUint(0);
    writer.varUint(127);
    writer.varUint(128);
    writer.varUint(300);
    expect([...writer.finish()]).toEqual([0x00, 0x7f, 0x80, 0x01, 0xac, 0x02]);
  });

  it('writes the largest safe integer and 2^64 - 1 and sizes them as written', () => {
    const writer = new ByteWriter();
    writer.varUint(Number.MAX_SAFE_INTEGER);
    expect(writer.byteLength).toBe(varUintSize(Number.MAX_SAFE_INTEGER));
    writer.varUint64((1n << 64n) - 1n);
    const reader = new ByteReader(writer.finish());
    expect(reader.varUint('a')).toBe(Number.MAX_SAFE_INTEGER);
    expect(reader.varUint64('b')).toBe((1n << 64n) - 1n);
    reader.expectEnd();
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('refuses %s as a varint', (value) => {
    expect(thrown(() => new ByteWriter().varUint(value)).kind).toBe('internal');
  });

  it('refuses a bigint varint outside 0 .. 2^64 - 1', () => {
    expect(thrown(() => new ByteWriter().varUint64(1n << 64n)).kind).toBe('internal');
    expect(thrown(() => new ByteWriter().varUint64(-1n)).kind).toBe('internal');
  });

  it('grows past its initial capacity without losing earlier bytes', () => {
    const writer = new ByteWriter({ initialCapacity: 4 });
    const blob = new Uint8Array(1000).map((_, i) => i % 251);
    writer.u8(9);
    writer.lengthPrefixedBytes(blob);
    writer.f64(-0);
    const reader = new ByteReader(writer.finish());
    expect(reader.u8('tag')).toBe(9);
    expect(reader.lengthPrefixedBytes('blob')).toEqual(blob);
    expect(Object.is(reader.f64('real'), -0)).toBe(true);
    reader.expectEnd();
  });

  it('hands out copies, so the next frame cannot change an earlier one', () => {
    const writer = new ByteWriter();
    writer.u8(1);
    const first = writer.finish();
    writer.u8(2);
    writer.finish();
    expect([...first]).toEqual([1]);
  });

  it('keeps working after releasing a buffer grown beyond the retained capacity', () => {
    const writer = new ByteWriter({ initialCapacity: 8, retainedCapacity: 64 });
    writer.raw(new Uint8Array(500).fill(3));
    expect(writer.finish().byteLength).toBe(500);
    writer.text('after');
    expect(new ByteReader(writer.finish()).text('text')).toBe('after');
  });

  // Lengths chosen so the reserved length prefix is longer than, or as long as, the real one.
  it.each([
    ['', 0],
    ['a'.repeat(42), 42],
    ['a'.repeat(43), 43],
    ['é'.repeat(42), 84],
    ['a'.repeat(10_000), 10_000],
    ['a'.repeat(20_000), 20_000],
    ['日'.repeat(50_000), 150_000],
    ['x🎉'.repeat(30), 150],
  ])('writes text of %# with a length prefix of its UTF-8 bytes', (text, bytes) => {
    const writer = new ByteWriter({ initialCapacity: 16 });
    writer.u8(0xee);
    writer.text(text);
    writer.u8(0xff);
    expect(utf8ByteLength(text)).toBe(bytes);
    expect(writer.byteLength).toBe(2 + textWireSize(text));
    const reader = new ByteReader(writer.finish());
    expect(reader.u8('before')).toBe(0xee);
    expect(reader.text('text')).toBe(text);
    expect(reader.u8('after')).toBe(0xff);
    reader.expectEnd();
  });

  it('refuses text with a lone surrogate rather than replacing it', () => {
    expect(thrown(() => new ByteWriter().text('a\ud83c')).kind).toBe('internal');
    expect(thrown(() => new ByteWriter().text('\udc00'.repeat(100))).kind).toBe('internal');
  });
});
