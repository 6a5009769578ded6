import { GreenlightError } from '../../errors.ts';
import type { SqlValue } from '../../protocol/messages.ts';
import { assertWellFormedText, decodeStoredText, isIntegerNumber, isSqlReal, realValue } from '../../protocol/sql-value.ts';
import { SQLITE, SQLITE_DATATYPE } from '../../sqlite/sqlite-constants.ts';

/**
 * Runs statements on a `@vlcn.io/crsqlite-wasm` DB (or one of its transactions)
 * through wa-sqlite's statement API, binding and reading each value with its
 * storage class.
 *
 * Why not `execA`: it reads a REAL 1.0 as the number 1 and binds every number that
 * fits 32 bits with `sqlite3_bind_int`, so a REAL would come back and go out as an
 * INTEGER (see `sql-value.ts` for why that makes replicas diverge); it binds -0 as
 * INTEGER 0; and it decodes text with a decoder that drops a leading U+FEFF.
 * Here a REAL binds with `bind_double`, a column is read by `column_type`, and
 * text is read as its bytes and decoded exactly.
 */

/** The part of wa-sqlite's API (crsqlite-wasm's `db.api`) used here. */
interface StatementApi {
  str_new(db: number, sql: string): number;
  str_value(str: number): number;
  str_finish(str: number): void;
  prepare_v2(db: number, sql: number): Promise<{ stmt: number; sql: number } | null>;
  bind_parameter_count(stmt: number): number;
  bind_null(stmt: number, index: number): number;
  bind_int(stmt: number, index: number, value: number): number;
  bind_int64(stmt: number, index: number, value: bigint): number;
  bind_double(stmt: number, index: number, value: number): number;
  bind_text(stmt: number, index: number, value: string): number;
  bind_blob(stmt: number, index: number, value: Uint8Array): number;
  step(stmt: number): Promise<number>;
  column_count(stmt: number): number;
  column_type(stmt: number, column: number): number;
  column(stmt: number, column: number): unknown;
  column_double(stmt: number, column: number): number;
  column_blob(stmt: number, column: number): Uint8Array;
  finalize(stmt: number): Promise<number> | number;
}

/** What crsqlite-wasm's DB and TX objects carry: the API, the connection and the mutex that serialises calls. */
interface StatementTarget {
  readonly api: StatementApi;
  readonly db: number;
  readonly __mutex: { runExclusive<T>(task: () => Promise<T>): Promise<T> };
  /** crsqlite-wasm's reads in flight, shared by identical queries; its own writes clear it. */
  readonly cache?: { clear(): void };
}

const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;
const MAX_INT64 = 0x7fff_ffff_ffff_ffffn;
const MIN_INT64 = -0x8000_0000_0000_0000n;


/** Checks that `handle` (a crsqlite-wasm DB or TX) exposes the statement API this module relies on. */
export function statementTarget(handle: unknown): StatementTarget {
  const candidate = handle as Partial<StatementTarget> | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    typeof candidate.db !== 'number' ||
    typeof candidate.api?.prepare_v2 !== 'function' ||
    typeof candidate.__mutex?.runExclusive !== 'function'
  ) {
    throw new GreenlightError('internal', 'client', 'this crsqlite-wasm DB does not expose api, db and __mutex (a version Greenlight does not know)');
  }
  return candidate as StatementTarget;
}

/**
 * Runs every statement of `sql` in turn, `params` bound to the first one (as the
 * synchronous connection does), and returns the rows of the first statement
 * that has columns.
 */
export function runStatements(target: StatementTarget, sql: string, params: readonly SqlValue[]): Promise<SqlValue[][]> {
  // Any statement may write, and a read of the host's queued after it must not
  // join one that started before it.
  target.cache?.clear();
  return target.__mutex.runExclusive(async () => {
    const { api, db } = target;
    const str = api.str_new(db, sql);
    let result: SqlValue[][] | undefined;
    let first = true;
    let next = api.str_value(str);
    let stmt = 0;
    try {
      for (;;) {
        const prepared = await api.prepare_v2(db, next);
        if (prepared === null) break;
        stmt = prepared.stmt;
        next = prepared.sql;
        bindAll(api, stmt, first ? params : []);
        first = false;
        const columns = api.column_count(stmt);
        const rows: SqlValue[][] = [];
        while ((await api.step(stmt)) === SQLITE.ROW) {
          if (result === undefined && columns > 0) rows.push(readRow(api, stmt, columns));
        }
        if (result === undefined && columns > 0) result = rows;
        const finished = stmt;
        stmt = 0;
        await api.finalize(finished);
      }
    } finally {
      if (stmt !== 0) await api.finalize(stmt);
      api.str_finish(str);
    }
    return result ?? [];
  });
}

function bindAll(api: StatementApi, stmt: number, params: readonly SqlValue[]): void {
  const expected = api.bind_parameter_count(stmt);
  if (params.length !== expected) {
    throw new GreenlightError('internal', 'storage', `statement takes ${expected} parameter(s), got ${params.length}`);
  }
  for (let index = 0; index < params.length; index++) bindValue(api, stmt, index + 1, params[index] as SqlValue);
}

// wa-sqlite answers some refusals (a bigint out of range) with a result code
// instead of an exception; anything but OK is an error here.
function bindValue(api: StatementApi, stmt: number, index: number, value: SqlValue): void {
  let rc: number;
  if (value === null) {
    rc = api.bind_null(stmt, index);
  } else {
    switch (typeof value) {
      case 'number':
        if (!isIntegerNumber(value)) rc = api.bind_double(stmt, index, value);
        else if (value >= INT32_MIN && value <= INT32_MAX) rc = api.bind_int(stmt, index, value);
        else rc = api.bind_int64(stmt, index, BigInt(value));
        break;
      case 'bigint':
        if (value > MAX_INT64 || value < MIN_INT64) {
          throw new GreenlightError('storage', 'storage', `integer ${value} does not fit in 64 bits`);
        }
        rc = api.bind_int64(stmt, index, value);
        break;
      case 'string':
        assertWellFormedText(value, 'storage', `parameter ${index}`);
        // wa-sqlite's bind_text passes the text NUL-terminated, so it would be cut
        // at the first U+0000; refused rather than stored shortened.
        if (value.includes('\u0000')) {
          throw new GreenlightError(
            'invalid-value',
            'storage',
            `parameter ${index} holds U+0000, which the crsqlite-wasm build cannot bind without cutting the text there; nothing was written`,
          );
        }
        rc = api.bind_text(stmt, index, value);
        break;
      default:
        if (value instanceof Uint8Array) rc = api.bind_blob(stmt, index, value);
        else if (isSqlReal(value)) rc = api.bind_double(stmt, index, value.real);
        else throw new GreenlightError('storage', 'storage', `cannot bind a value of type ${typeof value}`);
    }
  }
  if (rc !== SQLITE.OK) throw new GreenlightError('storage', 'storage', `binding parameter ${index} failed with SQLite code ${rc}`);
}

function readRow(api: StatementApi, stmt: number, columns: number): SqlValue[] {
  const row = new Array<SqlValue>(columns);
  for (let column = 0; column < columns; column++) {
    switch (api.column_type(stmt, column)) {
      case SQLITE_DATATYPE.INTEGER: {
        // wa-sqlite answers a number down to -2^53, which is not a safe integer
        // (and so would name a REAL); that one value becomes a bigint.
        const value = api.column(stmt, column) as number | bigint;
        row[column] = typeof value === 'number' && !Number.isSafeInteger(value) ? BigInt(value) : value;
        break;
      }
      case SQLITE_DATATYPE.FLOAT:
        row[column] = realValue(api.column_double(stmt, column));
        break;
      case SQLITE_DATATYPE.TEXT:
        // sqlite3_column_blob on TEXT gives its UTF-8 bytes as stored.
        row[column] = decodeStoredText(api.column_blob(stmt, column), column);
        break;
      case SQLITE_DATATYPE.BLOB:
        row[column] = api.column_blob(stmt, column);
        break;
      default:
        row[column] = null;
    }
  }
  return row;
}

