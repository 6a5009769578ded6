import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMemoryDatabase } from '../sqlite/open-memory-database.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import { scanPackedKey, type PackedKeyType } from './packed-key.ts';

type Decoded = { readonly ok: true; readonly columns: { type: PackedKeyType; bytes: number[] }[] } | { readonly ok: false; readonly problem: string };

/** The columns scanPackedKey visits, or its problem. */
function decodePackedKey(key: Uint8Array): Decoded {
  const columns: { type: PackedKeyType; bytes: number[] }[] = [];
  const problem = scanPackedKey(key, (type, _offset, start, end) => {
    columns.push({ type, bytes: [...key.subarray(start, end)] });
    return null;
  });
  return problem === null ? { ok: true, columns } : { ok: false, problem };
}

function bytes(...values: number[]): Uint8Array {
  return new Uint8Array(values);
}

describe('scanPackedKey', () => {
  let db: SqliteConnection;

  beforeAll(async () => {
    db = await openMemoryDatabase();
  });

  afterAll(() => db.close());

  function pack(sql: string): Uint8Array {
    const value = db.all(`SELECT crsql_pack_columns(${sql})`)[0]?.[0];
    if (!(value instanceof Uint8Array)) throw new Error('crsql_pack_columns returned no blob');
    return value;
  }

  it.each([
    ['0'],
    ['1'],
    ['127'],
    ['128'],
    ['255'],
    ['256'],
    ['-1'],
    ['-256'],
    ['9223372036854775807'],
    ['-9223372036854775808'],
    ['2.5'],
    ["''"],
    ["'a'"],
    ["'é😀'"],
    ["x''"],
    ["x'00ff'"],
    ['NULL'],
    [`'${'x'.repeat(300)}'`],
    [`'${'y'.repeat(70_000)}'`],
    ["'k', 1, x'01', 2.5"],
  ])('reads what crsql_pack_columns(%s) makes', (sql) => {
    const key = pack(sql);
    const decoded = decodePackedKey(key);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.columns).toHaveLength(sql.startsWith("'k'") ? 4 : 1);
  });

  it('gives each column its class and payload', () => {
    const decoded = decodePackedKey(pack("'ab', 300, x'0102', 1.5, NULL"));
    if (!decoded.ok) throw new Error(decoded.problem);
    expect(decoded.columns.map((column) => [column.type, column.bytes])).toEqual([
      ['text', [0x61, 0x62]],
      ['integer', [0x01, 0x2c]],
      ['blob', [1, 2]],
      ['real', [0x3f, 0xf8, 0, 0, 0, 0, 0, 0]],
      ['null', []],
    ]);
  });

  it.each([
    ['an empty key', bytes(), 'empty'],
    ['a missing column', bytes(2, 0x09, 5), 'missing'],
    ['an unknown type', bytes(1, 0x06), 'unknown type'],
    ['a type of 0', bytes(1, 0x00), 'unknown type'],
    ['an integer over 8 bytes', bytes(1, (9 << 3) | 1, 1, 2, 3, 4, 5, 6, 7, 8, 9), 'claims 9 bytes'],
    ['a truncated integer', bytes(1, (2 << 3) | 1, 1), 'truncated'],
    ['an integer with a leading zero byte', bytes(1, (2 << 3) | 1, 0, 5), 'shortest form'],
    ['a real with length bits', bytes(1, (1 << 3) | 2, 0, 0, 0, 0, 0, 0, 0, 0), 'length bits'],
    ['a truncated real', bytes(1, 2, 0, 0, 0), 'truncated'],
    ['a null with length bits', bytes(1, (1 << 3) | 5), 'length bits'],
    ['a text longer than the key', bytes(1, (1 << 3) | 3, 5, 0x61), 'truncated'],
    ['a text length with a leading zero', bytes(1, (2 << 3) | 3, 0, 1, 0x61), 'shortest form'],
    ['a 5-byte length', bytes(1, (5 << 3) | 4, 0, 0, 0, 0, 1, 0), 'length'],
    ['a negative length', bytes(1, (4 << 3) | 4, 0x80, 0, 0, 0), 'negative length'],
    ['trailing bytes', bytes(1, 0x09, 5, 0), 'follow'],
  ])('refuses %s', (_name, key, problem) => {
    const decoded = decodePackedKey(key);
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.problem).toContain(problem);
  });
});
