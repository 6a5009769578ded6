// wa-sqlite declares its dist modules inside its root typings, which only load on request.
/// <reference types="@vlcn.io/wa-sqlite" />
import SQLiteESMFactory from '@vlcn.io/wa-sqlite/dist/crsqlite-sync.mjs';
import { GreenlightError } from '../errors.ts';

/**
 * The part of the Emscripten module of wa-sqlite's synchronous cr-sqlite build that
 * this layer calls. We call the exported C functions directly rather than through
 * wa-sqlite's `SQLite.Factory`, because that API wraps step, prepare, reset,
 * finalize, open and close in `async` functions even in the synchronous build,
 * and SqliteConnection must be synchronous.
 */
export interface SqliteWasmModule {
  readonly HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  _sqlite3_malloc(bytes: number): number;
  _sqlite3_free(pointer: number): void;
  _getSqliteFree(): number;
  _RegisterExtensionFunctions(db: number): void;
  _sqlite3_open_v2(filename: number, ppDb: number, flags: number, vfsName: number): number;
  _sqlite3_close(db: number): number;
  _sqlite3_errmsg(db: number): number;
  _sqlite3_get_autocommit(db: number): number;
  _sqlite3_changes(db: number): number;
  _sqlite3_prepare_v2(db: number, sql: number, bytes: number, ppStmt: number, pzTail: number): number;
  _sqlite3_step(stmt: number): number;
  _sqlite3_reset(stmt: number): number;
  _sqlite3_clear_bindings(stmt: number): number;
  _sqlite3_finalize(stmt: number): number;
  _sqlite3_bind_parameter_count(stmt: number): number;
  _sqlite3_bind_null(stmt: number, index: number): number;
  _sqlite3_bind_int64(stmt: number, index: number, low: number, high: number): number;
  _sqlite3_bind_double(stmt: number, index: number, value: number): number;
  _sqlite3_bind_text(stmt: number, index: number, pointer: number, bytes: number, destructor: number): number;
  _sqlite3_bind_blob(stmt: number, index: number, pointer: number, bytes: number, destructor: number): number;
  _sqlite3_column_count(stmt: number): number;
  _sqlite3_column_type(stmt: number, column: number): number;
  /** Returns the low 32 bits; the high 32 bits are then in `getTempRet0()`. */
  _sqlite3_column_int64(stmt: number, column: number): number;
  _sqlite3_column_double(stmt: number, column: number): number;
  _sqlite3_column_text(stmt: number, column: number): number;
  _sqlite3_column_blob(stmt: number, column: number): number;
  _sqlite3_column_bytes(stmt: number, column: number): number;
  getTempRet0(): number;
  getValue(pointer: number, type: '*' | 'i32'): number;
  lengthBytesUTF8(text: string): number;
  stringToUTF8(text: string, pointer: number, maxBytes: number): void;
  UTF8ToString(pointer: number, maxBytes?: number): string;
  updateHook(db: number, hook: (operation: number, database: string, table: string, rowid: bigint) => void): void;
  registerVFS(vfs: object, makeDefault: boolean): number;
}

/** Where the wasm comes from: its bytes, or a URL the module fetches it from. */
export type SqliteWasmSource = { readonly wasmBinary: Uint8Array } | { readonly wasmUrl: string };

const WASM_SPECIFIER = '@vlcn.io/wa-sqlite/dist/crsqlite-sync.wasm';

let modulePromise: Promise<SqliteWasmModule> | undefined;

/**
 * Instantiates the wasm module once per process or page; every database shares it.
 *
 * Choice of wasm source, so that one browser-safe file serves Node and the browser:
 * - An explicit `source` wins (a host bundle can hand over a Vite `?url` import).
 * - In Node (detected by `process.getBuiltinModule`, Node >= 20.16) the bytes are
 *   read from the installed package. `getBuiltinModule` is a runtime lookup, not an
 *   import, so a browser bundle never pulls in a `node:` builtin.
 * - Elsewhere the module locates `crsqlite-sync.wasm` itself through
 *   `new URL(..., import.meta.url)`, which Vite rewrites into an emitted asset when
 *   `@vlcn.io/wa-sqlite` is excluded from dependency pre-bundling.
 * Only the first call's `source` matters; a failed load is forgotten so it can be retried.
 */
export function loadSqliteModule(source?: SqliteWasmSource): Promise<SqliteWasmModule> {
  modulePromise ??= instantiate(source ?? nodeWasmSource()).catch((error: unknown) => {
    modulePromise = undefined;
    throw new GreenlightError('storage', 'storage', 'could not load the cr-sqlite wasm module', { cause: error });
  });
  return modulePromise;
}

async function instantiate(source: SqliteWasmSource | undefined): Promise<SqliteWasmModule> {
  const config: Record<string, unknown> = {};
  if (source !== undefined && 'wasmBinary' in source) config['wasmBinary'] = source.wasmBinary;
  if (source !== undefined && 'wasmUrl' in source) {
    const url = source.wasmUrl;
    config['locateFile'] = () => url;
  }
  return (await SQLiteESMFactory(config)) as SqliteWasmModule;
}

function nodeWasmSource(): SqliteWasmSource | undefined {
  if (typeof process === 'undefined' || typeof process.getBuiltinModule !== 'function') return undefined;
  const fs = process.getBuiltinModule('node:fs');
  const nodeModule = process.getBuiltinModule('node:module');
  const path = nodeModule.createRequire(import.meta.url).resolve(WASM_SPECIFIER);
  return { wasmBinary: fs.readFileSync(path) };
}
