/**
 * cr-sqlite's packed primary key (`crsql_pack_columns`), the `pk` of every
 * `crsql_changes` row:
 *
 *   u8 column count, then per column a type byte and its payload.
 *
 * The low 3 bits of the type byte are SQLite's storage class (1 INTEGER, 2 REAL,
 * 3 TEXT, 4 BLOB, 5 NULL); the high 5 bits say how many bytes follow for an
 * INTEGER (its big-endian two's-complement value) or for the length of a TEXT or
 * BLOB (then that many bytes). cr-sqlite writes the fewest bytes that hold the
 * value: no bytes for 0 or an empty text, otherwise up to the most significant
 * non-zero byte (so every negative integer takes 8). A REAL is 8 bytes of
 * big-endian IEEE 754 and its type byte has no length bits; NULL has no payload.
 *
 * `scanPackedKey` reads that layout strictly: only the canonical form, which is
 * the only one cr-sqlite produces, so two different byte strings never name the
 * same row.
 */

export const PACKED_KEY_TYPES = {
  integer: 1,
  real: 2,
  text: 3,
  blob: 4,
  null: 5,
} as const;
export type PackedKeyType = keyof typeof PACKED_KEY_TYPES;

/** Indexed by the type byte's low 3 bits. */
const TYPE_BY_CODE: readonly (PackedKeyType | undefined)[] = Array.from({ length: 8 }, (_, code) =>
  (Object.keys(PACKED_KEY_TYPES) as PackedKeyType[]).find((type) => PACKED_KEY_TYPES[type] === code),
);

/** cr-sqlite sizes a TEXT or BLOB length as a 32-bit integer. */
const MAX_LENGTH_BYTES = 4;
const MAX_INTEGER_BYTES = 8;
const REAL_BYTES = 8;

/**
 * Walks a packed key column by column without building anything, for a server
 * that reads one key per change it receives: `visit` gets each column's class,
 * the offset of its type byte, and where its payload lies
 * (`key.subarray(start, end)`: an INTEGER's or REAL's bytes, a TEXT's or BLOB's
 * content, nothing for NULL), and may return a problem to stop.
 * Returns what is wrong with the key (or what `visit` said), or null.
 */
export function scanPackedKey(
  key: Uint8Array,
  visit: (type: PackedKeyType, offset: number, start: number, end: number, index: number, count: number) => string | null,
): string | null {
  if (key.byteLength === 0) return 'the key is empty';
  const count = key[0] ?? 0;
  let at = 1;
  for (let index = 0; index < count; index++) {
    const offset = at;
    if (at >= key.byteLength) return `column ${index} is missing (the key declares ${count})`;
    const typeByte = key[at++] ?? 0;
    const type = TYPE_BY_CODE[typeByte & 0x07];
    const lengthBytes = typeByte >> 3;
    if (type === undefined) return `column ${index} has unknown type ${typeByte & 0x07} at byte ${offset}`;
    let start = at;
    switch (type) {
      case 'null':
      case 'real': {
        if (lengthBytes !== 0) return `column ${index} (${type}) has length bits at byte ${offset}`;
        at += type === 'real' ? REAL_BYTES : 0;
        if (at > key.byteLength) return `column ${index} (${type}) is truncated`;
        break;
      }
      case 'integer': {
        if (lengthBytes > MAX_INTEGER_BYTES) return `column ${index} (integer) claims ${lengthBytes} bytes`;
        if (at + lengthBytes > key.byteLength) return `column ${index} (integer) is truncated`;
        if (lengthBytes > 0 && key[at] === 0) return `column ${index} (integer) is not in its shortest form`;
        at += lengthBytes;
        break;
      }
      case 'text':
      case 'blob': {
        if (lengthBytes > MAX_LENGTH_BYTES) return `column ${index} (${type}) claims a ${lengthBytes}-byte length`;
        if (at + lengthBytes > key.byteLength) return `column ${index} (${type}) length is truncated`;
        if (lengthBytes > 0 && key[at] === 0) return `column ${index} (${type}) length is not in its shortest form`;
        if (lengthBytes === MAX_LENGTH_BYTES && (key[at] ?? 0) >= 0x80) return `column ${index} (${type}) has a negative length`;
        let length = 0;
        for (let i = 0; i < lengthBytes; i++) length = length * 256 + (key[at + i] ?? 0);
        at += lengthBytes;
        start = at;
        at += length;
        if (at > key.byteLength) return `column ${index} (${type}) is truncated: ${length} bytes declared`;
        break;
      }
    }
    const problem = visit(type, offset, start, at, index, count);
    if (problem !== null) return problem;
  }
  if (at !== key.byteLength) return `${key.byteLength - at} bytes follow the last of its ${count} columns`;
  return null;
}
