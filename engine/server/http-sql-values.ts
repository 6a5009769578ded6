import { GreenlightError } from '../errors.ts';
import type { SqlValue } from '../protocol/messages.ts';

/** How a BLOB travels in the JSON of the HTTP routes. */
export interface JsonBlob {
  readonly blob: string;
}

export type JsonSqlValue = null | number | string | JsonBlob;

const HEX_PATTERN = /^(?:[0-9a-fA-F]{2})*$/;

/**
 * SQL values as JSON: integers beyond 2^53 become decimal strings (JSON numbers
 * would silently round them) and blobs become `{ blob: "<hex>" }`.
 */
export function sqlValueToJson(value: SqlValue): JsonSqlValue {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Uint8Array) {
    let hex = '';
    for (const byte of value) hex += byte.toString(16).padStart(2, '0');
    return { blob: hex };
  }
  return value;
}

/** Reads a bound parameter of `/exec`; anything that is not a SQL value is a typed error. */
export function sqlValueFromJson(value: unknown, index: number): SqlValue {
  if (value === null || typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'object' && typeof (value as { blob?: unknown }).blob === 'string') {
    const hex = (value as JsonBlob).blob;
    if (HEX_PATTERN.test(hex)) {
      const bytes = new Uint8Array(hex.length / 2);
      for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
      return bytes;
    }
  }
  throw new GreenlightError(
    'http',
    'server',
    `params[${index}] must be null, a finite number, a string or { "blob": "<hex>" }`,
  );
}
