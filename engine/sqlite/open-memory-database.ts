import type { SqliteConnection } from './sqlite-connection.ts';
import { loadSqliteModule } from './sqlite-module.ts';
import { openWasmConnection } from './wasm-sqlite-connection.ts';

/**
 * Opens a fresh, private in-memory cr-sqlite database. Safe in the browser and in
 * Node; every call gets its own database, gone when it is closed.
 */
export async function openMemoryDatabase(): Promise<SqliteConnection> {
  const module = await loadSqliteModule();
  return openWasmConnection(module, ':memory:');
}
