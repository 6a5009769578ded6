import { GreenlightError, type ErrorOrigin } from '../errors.ts';

/**
 * Greenlight's SQLite values: every JavaScript value below names exactly one of
 * SQLite's five storage classes, so a value read from one database is written
 * into the next one with the storage class it had.
 *
 * | JavaScript | storage class |
 * | --- | --- |
 * | `null` | NULL |
 * | a number that is a safe integer, other than -0 | INTEGER |
 * | a bigint | INTEGER (read back as a number when it is a safe integer) |
 * | any other number: fractions, -0, NaN, ±Infinity, integral doubles beyond 2^53 | REAL |
 * | `{ real: n }` (`SqlReal`), whatever n is | REAL |
 * | a string | TEXT |
 * | a Uint8Array | BLOB |
 *
 * Why a wrapper only for the REALs a number cannot name: cr-sqlite breaks a tie
 * between two writes of one column by comparing the values, and it orders an
 * INTEGER 1 and a REAL 1.0 differently, so a REAL 1.0 that comes back as the
 * number 1 and is written as an INTEGER makes replicas diverge for good. Every
 * other REAL is a number no INTEGER could be, and reading it as a plain number
 * keeps host code and arithmetic as they are; a REAL that is an integral safe
 * number (1.0, 0.0, -3.0) is read as `{ real: 1 }`. A plain tagged object rather
 * than a class, so it survives `structuredClone` and `postMessage` to a worker.
 */
export interface SqlReal {
  readonly real: number;
}

export type SqlValue = null | number | bigint | string | Uint8Array | SqlReal;

export type StorageClass = 'null' | 'integer' | 'real' | 'text' | 'blob';

/** True when `value`, as a plain number, names an INTEGER: a safe integer other than -0. */
export function isIntegerNumber(value: number): boolean {
  return Number.isSafeInteger(value) && !Object.is(value, -0);
}

/** The one SqlValue a REAL is read as: a plain number unless that would name an INTEGER. */
export function realValue(value: number): number | SqlReal {
  return isIntegerNumber(value) ? { real: value } : value;
}

/** A REAL, whatever its value, for code that writes one: `sqlReal(1)` binds REAL 1.0. */
export function sqlReal(value: number): SqlReal {
  return { real: value };
}

export function isSqlReal(value: unknown): value is SqlReal {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Uint8Array) &&
    typeof (value as { readonly real?: unknown }).real === 'number'
  );
}

/** The storage class `value` is written with; undefined for something that is not a SqlValue. */
export function storageClassOf(value: unknown): StorageClass | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'number':
      return isIntegerNumber(value) ? 'integer' : 'real';
    case 'bigint':
      return 'integer';
    case 'string':
      return 'text';
    default:
      if (value instanceof Uint8Array) return 'blob';
      return isSqlReal(value) ? 'real' : undefined;
  }
}

// With the u flag a surrogate pair is one code point outside Cs, so only a lone
// surrogate (which UTF-8 cannot encode) matches.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Refuses text that is not valid Unicode before it reaches SQLite: UTF-8 cannot
 * hold a lone surrogate, and wasm SQLite's encoder would swallow the character
 * after it, so writing it would store something else than the caller holds.
 */
export function assertWellFormedText(text: string, origin: ErrorOrigin, what: string): void {
  if (!LONE_SURROGATE.test(text)) return;
  const at = text.search(LONE_SURROGATE);
  const unit = text.charCodeAt(at).toString(16).toUpperCase();
  throw new GreenlightError(
    'invalid-value',
    origin,
    `${what} is not valid Unicode: a lone surrogate U+${unit} at index ${at}; UTF-8 cannot store it, so nothing was written`,
  );
}

// Byte-exact: a leading U+FEFF stays part of the text (`ignoreBOM`), and invalid
// UTF-8 is an error rather than U+FFFD (`fatal`).
const exactUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes text SQLite or the wire hands over, byte for byte; throws a TypeError on invalid UTF-8. */
export function decodeExactUtf8(bytes: Uint8Array): string {
  return exactUtf8.decode(bytes);
}

/** A TEXT column's bytes as read from SQLite; invalid UTF-8 there is corrupt storage. */
export function decodeStoredText(bytes: Uint8Array, column: number): string {
  try {
    return exactUtf8.decode(bytes);
  } catch (error) {
    throw new GreenlightError('storage', 'storage', `column ${column} holds TEXT that is not valid UTF-8`, { cause: error });
  }
}
