import { GreenlightError } from '../errors.ts';
import type { SqlValue } from '../protocol/messages.ts';
import { assertWellFormedText, decodeStoredText, isIntegerNumber, isSqlReal, realValue } from '../protocol/sql-value.ts';
import { SQLITE, SQLITE_DATATYPE, SQLITE_OPEN } from './sqlite-constants.ts';
import type { SqliteConnection } from './sqlite-connection.ts';
import type { SqliteWasmModule } from './sqlite-module.ts';
import { StatementCache, type CachedStatement } from './statement-cache.ts';
import { sqliteStorageError } from './storage-error.ts';

const STATEMENT_CACHE_SIZE = 64;
const SCRIPT_MEMORY_SIZE = 256;
const TWO_POW_32 = 0x1_0000_0000;
const MAX_INT64 = 0x7fff_ffff_ffff_ffffn;
const MIN_INT64 = -0x8000_0000_0000_0000n;

export interface OpenWasmConnectionOptions {
  /** Name of a VFS registered on the module; the module's default when absent. */
  readonly vfs?: string;
  /** Called once the database is closed, e.g. to release a per-path guard. */
  readonly onClose?: () => void;
}

/** Opens a database through the synchronous wasm module's C API. */
export function openWasmConnection(
  module: SqliteWasmModule,
  filename: string,
  options: OpenWasmConnectionOptions = {},
): SqliteConnection {
  const scratch = module._malloc(8);
  const filenamePointer = allocateUtf8(module, filename);
  const vfsPointer = options.vfs === undefined ? 0 : allocateUtf8(module, options.vfs);
  try {
    const flags = SQLITE_OPEN.READWRITE | SQLITE_OPEN.CREATE;
    const rc = module._sqlite3_open_v2(filenamePointer, scratch, flags, vfsPointer);
    const db = module.getValue(scratch, '*');
    if (rc !== SQLITE.OK) {
      const message = db === 0 ? 'out of memory' : module.UTF8ToString(module._sqlite3_errmsg(db));
      if (db !== 0) module._sqlite3_close(db);
      throw sqliteStorageError(rc, message, `cannot open ${filename}`);
    }
    module._RegisterExtensionFunctions(db);
    return new WasmSqliteConnection(module, db, scratch, options.onClose);
  } catch (error) {
    module._free(scratch);
    options.onClose?.();
    throw error;
  } finally {
    module._sqlite3_free(filenamePointer);
    if (vfsPointer !== 0) module._sqlite3_free(vfsPointer);
  }
}

function allocateUtf8(module: SqliteWasmModule, text: string): number {
  const bytes = module.lengthBytesUTF8(text);
  const pointer = module._sqlite3_malloc(bytes + 1);
  if (pointer === 0) throw sqliteStorageError(SQLITE.NOMEM, 'out of memory');
  module.stringToUTF8(text, pointer, bytes + 1);
  return pointer;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** A prepared statement, and whether it belongs to the cache or must be finalized after use. */
type Prepared = { readonly pointer: number; readonly cached: CachedStatement | undefined };

class WasmSqliteConnection implements SqliteConnection {
  private readonly statements: StatementCache;
  /** SQL texts found to hold more than one statement; they run through `runScript`. */
  private readonly scripts = new Set<string>();
  private readonly listeners = new Set<(table: string) => void>();
  // SQLite forbids touching the connection from inside the update hook, so the
  // hook only records tables and listeners run once the statement has finished.
  private pendingTables: string[] = [];
  private readonly sqliteFree: number;
  private inTransaction = false;
  private closed = false;

  constructor(
    private readonly module: SqliteWasmModule,
    private readonly db: number,
    private readonly scratch: number,
    private readonly onClosed: (() => void) | undefined,
  ) {
    this.sqliteFree = module._getSqliteFree();
    this.statements = new StatementCache(STATEMENT_CACHE_SIZE, (pointer) => module._sqlite3_finalize(pointer));
    module.updateHook(db, (_operation, _database, table) => {
      if (!this.closed && this.listeners.size > 0) this.pendingTables.push(table);
    });
  }

  exec(sql: string, params: readonly SqlValue[] = []): void {
    this.assertOpen();
    if (this.scripts.has(sql)) {
      this.runScript(sql, params);
      return;
    }
    const prepared = this.prepareSingle(sql);
    if (prepared === undefined) {
      this.runScript(sql, params);
      return;
    }
    this.run(prepared, params, false);
  }

  all<Row extends readonly SqlValue[] = SqlValue[]>(sql: string, params: readonly SqlValue[] = []): Row[] {
    this.assertOpen();
    const prepared = this.scripts.has(sql) ? undefined : this.prepareSingle(sql);
    if (prepared === undefined) {
      throw new GreenlightError('internal', 'storage', 'all() runs exactly one statement; use exec() for scripts');
    }
    return this.run(prepared, params, true) as unknown as Row[];
  }

  transaction<T>(fn: () => T): T {
    this.assertOpen();
    if (this.inTransaction || this.module._sqlite3_get_autocommit(this.db) === 0) {
      throw new GreenlightError('internal', 'storage', 'transaction() called while a transaction is already open');
    }
    this.exec('BEGIN IMMEDIATE');
    this.inTransaction = true;
    try {
      const result = fn();
      if (isPromiseLike(result)) {
        result.then(undefined, () => undefined);
        throw new GreenlightError(
          'internal',
          'storage',
          'transaction() needs a synchronous function; its promise would outlive the transaction',
        );
      }
      this.exec('COMMIT');
      return result;
    } catch (error) {
      throw this.rollBackAfter(error);
    } finally {
      this.inTransaction = false;
    }
  }

  onUpdate(listener: (table: string) => void): () => void {
    const wrapped = (table: string): void => listener(table);
    this.listeners.add(wrapped);
    return () => {
      this.listeners.delete(wrapped);
    };
  }

  changes(): number {
    this.assertOpen();
    return this.module._sqlite3_changes(this.db);
  }

  close(): void {
    if (this.closed) return;
    const module = this.module;
    try {
      this.exec('SELECT crsql_finalize()');
    } finally {
      this.closed = true;
      this.listeners.clear();
      this.pendingTables = [];
      this.statements.clear();
      const rc = module._sqlite3_close(this.db);
      const message = rc === SQLITE.OK ? '' : module.UTF8ToString(module._sqlite3_errmsg(this.db));
      module._free(this.scratch);
      this.onClosed?.();
      if (rc !== SQLITE.OK) throw sqliteStorageError(rc, message, 'close');
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new GreenlightError('closed', 'storage', 'the database connection is closed');
  }

  /** Rolls back whatever the failed transaction left open and returns the error to throw. */
  private rollBackAfter(error: unknown): unknown {
    // SQLite rolls back by itself after some failures (SQLITE_FULL, I/O errors).
    if (this.module._sqlite3_get_autocommit(this.db) !== 0) return error;
    try {
      this.exec('ROLLBACK');
      return error;
    } catch (rollbackError) {
      const reason = rollbackError instanceof Error ? rollbackError.message : String(rollbackError);
      const original = error instanceof Error ? error.message : String(error);
      return new GreenlightError('storage', 'storage', `${original}; then ROLLBACK failed: ${reason}`, {
        cause: error,
      });
    }
  }

  /**
   * Prepares `sql` when it is one statement (cached by its text); returns undefined
   * when it holds more, remembering that so the next call skips straight to a script.
   */
  private prepareSingle(sql: string): Prepared | undefined {
    const cached = this.statements.get(sql);
    if (cached !== undefined && !cached.busy) {
      cached.busy = true;
      return { pointer: cached.pointer, cached };
    }
    const module = this.module;
    assertWellFormedText(sql, 'storage', 'the SQL text');
    const sqlPointer = allocateUtf8(module, sql);
    try {
      const rc = module._sqlite3_prepare_v2(this.db, sqlPointer, -1, this.scratch, this.scratch + 4);
      if (rc !== SQLITE.OK) throw this.errorFor(rc);
      const pointer = module.getValue(this.scratch, '*');
      const tail = module.getValue(this.scratch + 4, '*');
      if (module.UTF8ToString(tail).trim() !== '') {
        if (pointer !== 0) module._sqlite3_finalize(pointer);
        this.rememberScript(sql);
        return undefined;
      }
      if (pointer === 0) {
        this.rememberScript(sql);
        return undefined;
      }
      if (cached !== undefined) return { pointer, cached: undefined };
      return { pointer, cached: this.statements.add(sql, pointer) };
    } finally {
      module._sqlite3_free(sqlPointer);
    }
  }

  private rememberScript(sql: string): void {
    if (this.scripts.size >= SCRIPT_MEMORY_SIZE) this.scripts.clear();
    this.scripts.add(sql);
  }

  /** Runs each statement of `sql` in turn, binding `params` to the first. */
  private runScript(sql: string, params: readonly SqlValue[]): void {
    const module = this.module;
    const sqlPointer = allocateUtf8(module, sql);
    try {
      let cursor = sqlPointer;
      let first = true;
      while (module.HEAPU8[cursor] !== 0) {
        const rc = module._sqlite3_prepare_v2(this.db, cursor, -1, this.scratch, this.scratch + 4);
        if (rc !== SQLITE.OK) throw this.errorFor(rc);
        const pointer = module.getValue(this.scratch, '*');
        const tail = module.getValue(this.scratch + 4, '*');
        if (tail <= cursor) break;
        cursor = tail;
        if (pointer === 0) continue;
        this.run({ pointer, cached: undefined }, first ? params : [], false);
        first = false;
      }
    } finally {
      module._sqlite3_free(sqlPointer);
    }
  }

  private run(prepared: Prepared, params: readonly SqlValue[], collect: boolean): SqlValue[][] {
    const module = this.module;
    const { pointer } = prepared;
    const rows: SqlValue[][] = [];
    try {
      this.bindAll(pointer, params);
      const columns = collect ? module._sqlite3_column_count(pointer) : 0;
      for (;;) {
        const rc = module._sqlite3_step(pointer);
        if (rc === SQLITE.DONE) break;
        if (rc !== SQLITE.ROW) throw this.errorFor(rc);
        if (collect) rows.push(this.readRow(pointer, columns));
      }
    } finally {
      if (prepared.cached === undefined) {
        module._sqlite3_finalize(pointer);
      } else {
        module._sqlite3_reset(pointer);
        module._sqlite3_clear_bindings(pointer);
        prepared.cached.busy = false;
      }
      this.deliverUpdates();
    }
    return rows;
  }

  private bindAll(pointer: number, params: readonly SqlValue[]): void {
    const expected = this.module._sqlite3_bind_parameter_count(pointer);
    if (params.length !== expected) {
      throw new GreenlightError(
        'internal',
        'storage',
        `statement takes ${expected} parameter(s), got ${params.length}`,
      );
    }
    for (let index = 0; index < params.length; index++) {
      const rc = this.bindValue(pointer, index + 1, params[index] as SqlValue);
      if (rc !== SQLITE.OK) throw this.errorFor(rc);
    }
  }

  private bindValue(pointer: number, index: number, value: SqlValue): number {
    const module = this.module;
    if (value === null) return module._sqlite3_bind_null(pointer, index);
    switch (typeof value) {
      case 'number':
        if (isIntegerNumber(value)) {
          return module._sqlite3_bind_int64(pointer, index, value >>> 0, Math.floor(value / TWO_POW_32));
        }
        return module._sqlite3_bind_double(pointer, index, value);
      case 'bigint':
        if (value > MAX_INT64 || value < MIN_INT64) {
          throw new GreenlightError('storage', 'storage', `integer ${value} does not fit in 64 bits`);
        }
        return module._sqlite3_bind_int64(
          pointer,
          index,
          Number(BigInt.asUintN(32, value)),
          Number(BigInt.asIntN(32, value >> 32n)),
        );
      case 'string': {
        assertWellFormedText(value, 'storage', `parameter ${index}`);
        const bytes = module.lengthBytesUTF8(value);
        const text = module._sqlite3_malloc(bytes + 1);
        if (text === 0) return SQLITE.NOMEM;
        module.stringToUTF8(value, text, bytes + 1);
        return module._sqlite3_bind_text(pointer, index, text, bytes, this.sqliteFree);
      }
      default:
        if (value instanceof Uint8Array) {
          // A NULL pointer would bind SQL NULL, so an empty blob still gets one byte.
          const blob = module._sqlite3_malloc(Math.max(value.byteLength, 1));
          if (blob === 0) return SQLITE.NOMEM;
          module.HEAPU8.set(value, blob);
          return module._sqlite3_bind_blob(pointer, index, blob, value.byteLength, this.sqliteFree);
        }
        // A REAL binds as a double whatever its value, so REAL 1.0 stays REAL.
        if (isSqlReal(value)) return module._sqlite3_bind_double(pointer, index, value.real);
        throw new GreenlightError('storage', 'storage', `cannot bind a value of type ${typeof value}`);
    }
  }

  private readRow(pointer: number, columns: number): SqlValue[] {
    const module = this.module;
    const row: SqlValue[] = new Array<SqlValue>(columns);
    for (let column = 0; column < columns; column++) {
      switch (module._sqlite3_column_type(pointer, column)) {
        case SQLITE_DATATYPE.INTEGER: {
          const low = module._sqlite3_column_int64(pointer, column) >>> 0;
          const high = module.getTempRet0();
          const value = high * TWO_POW_32 + low;
          row[column] = Number.isSafeInteger(value) ? value : (BigInt(high) << 32n) | BigInt(low);
          break;
        }
        case SQLITE_DATATYPE.FLOAT:
          row[column] = realValue(module._sqlite3_column_double(pointer, column));
          break;
        case SQLITE_DATATYPE.TEXT: {
          const text = module._sqlite3_column_text(pointer, column);
          const bytes = module._sqlite3_column_bytes(pointer, column);
          row[column] = decodeStoredText(module.HEAPU8.subarray(text, text + bytes), column);
          break;
        }
        case SQLITE_DATATYPE.BLOB: {
          const blob = module._sqlite3_column_blob(pointer, column);
          const bytes = module._sqlite3_column_bytes(pointer, column);
          row[column] = module.HEAPU8.slice(blob, blob + bytes);
          break;
        }
        default:
          row[column] = null;
      }
    }
    return row;
  }


  private errorFor(rc: number): GreenlightError {
    return sqliteStorageError(rc, this.module.UTF8ToString(this.module._sqlite3_errmsg(this.db)));
  }

  private deliverUpdates(): void {
    if (this.pendingTables.length === 0) return;
    const tables = this.pendingTables;
    this.pendingTables = [];
    for (const table of tables) {
      for (const listener of this.listeners) {
        try {
          listener(table);
        } catch (error) {
          // A listener's bug must not undo or fail a statement that already ran;
          // rethrown asynchronously it still reaches the host's error reporting.
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    }
  }
}
