import { GreenlightError } from '../errors.ts';
import type { SqlValue } from '../protocol/messages.ts';
import { realFromJson, realToJson, type JsonReal } from '../protocol/sql-value-json.ts';
import { isIntegerNumber, isSqlReal, realValue } from '../protocol/sql-value.ts';

/** How a BLOB travels in the JSON of the HTTP routes. */
export interface JsonBlob {
  readonly blob: string;
}

/** A REAL that a bare JSON number would not keep a REAL: integral, -0, NaN, ±Infinity. */
export interface JsonTaggedReal {
  readonly real: JsonReal;
}

/** An INTEGER beyond 2^53, which a JSON number would round. */
export interface JsonBigInteger {
  readonly integer: string;
}

export type JsonSqlValue = null | number | string | JsonBlob | JsonTaggedReal | JsonBigInteger;

const HEX_PATTERN = /^(?:[0-9a-fA-F]{2})*$/;
const INTEGER_TEXT = /^-?(?:0|[1-9][0-9]*)$/;
const MAX_INT64 = 0x7fff_ffff_ffff_ffffn;
const MIN_INT64 = -0x8000_0000_0000_0000n;

/**
 * SQL values as JSON, each storage class unmistakable (server README, "/exec"):
 * NULL is null, TEXT a string, an INTEGER a JSON number (`{ "integer": "<decimal>" }`
 * beyond 2^53), a REAL with a fraction a JSON number, any other REAL
 * `{ "real": n }` (n a string for -0, NaN, ±Infinity), a BLOB `{ "blob": "<hex>" }`.
 * So a JSON number is an INTEGER exactly when it is integral.
 */
export function sqlValueToJson(value: SqlValue): JsonSqlValue {
  if (value === null || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (isIntegerNumber(value) || (Number.isFinite(value) && !Number.isInteger(value))) return value;
    return { real: realToJson(value) };
  }
  if (typeof value === 'bigint') return isIntegerNumber(Number(value)) ? Number(value) : { integer: value.toString() };
  if (isSqlReal(value)) return { real: realToJson(value.real) };
  let hex = '';
  for (const byte of value) hex += byte.toString(16).padStart(2, '0');
  return { blob: hex };
}

/**
 * Reads a bound parameter of `/exec` in the same forms; anything that is not a
 * SQL value is a typed error. A bare JSON number is read as JavaScript reads it:
 * an INTEGER when integral (so `1.0` is INTEGER 1: write `{ "real": 1 }`), else a REAL.
 */
export function sqlValueFromJson(value: unknown, index: number): SqlValue {
  if (value === null || typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1) {
    const tagged = value as { readonly blob?: unknown; readonly real?: unknown; readonly integer?: unknown };
    if (typeof tagged.blob === 'string' && HEX_PATTERN.test(tagged.blob)) {
      const hex = tagged.blob;
      const bytes = new Uint8Array(hex.length / 2);
      for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
      return bytes;
    }
    const real = realFromJson(tagged.real);
    if (real !== undefined) return realValue(real);
    const integer = integerFromJson(tagged.integer);
    if (integer !== undefined) return integer;
  }
  throw new GreenlightError(
    'http',
    'server',
    `params[${index}] must be null, a finite number, a string, { "real": number | "NaN" | "Infinity" | "-Infinity" | "-0" }, { "integer": "<decimal>" } or { "blob": "<hex>" }`,
  );
}

function integerFromJson(value: unknown): number | bigint | undefined {
  // -0 would name a REAL; as an integer it is 0.
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value || 0 : undefined;
  if (typeof value !== 'string' || !INTEGER_TEXT.test(value)) return undefined;
  const big = BigInt(value);
  if (big > MAX_INT64 || big < MIN_INT64) return undefined;
  return isIntegerNumber(Number(big)) ? Number(big) : big;
}
