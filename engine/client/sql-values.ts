import { GreenlightError } from '../errors.ts';
import type { SqlValue } from '../protocol/messages.ts';
import { isSqlReal } from '../protocol/sql-value.ts';

/** Reads an INTEGER column the sync metadata relies on; anything else is corrupt storage. */
export function integerOf(value: SqlValue | undefined, what: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)) {
    return Number(value);
  }
  throw new GreenlightError('storage', 'storage', `${what}: expected an integer, got ${describe(value)}`);
}

export function textOf(value: SqlValue | undefined, what: string): string {
  if (typeof value === 'string') return value;
  throw new GreenlightError('storage', 'storage', `${what}: expected text, got ${describe(value)}`);
}

export function blobOf(value: SqlValue | undefined, what: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new GreenlightError('storage', 'storage', `${what}: expected a blob, got ${describe(value)}`);
}

function describe(value: SqlValue | undefined): string {
  if (value === undefined) return 'no value';
  if (value === null) return 'NULL';
  if (value instanceof Uint8Array) return `a ${value.byteLength}-byte blob`;
  if (isSqlReal(value)) return `REAL ${value.real}`;
  return `${typeof value} ${String(value).slice(0, 40)}`;
}
