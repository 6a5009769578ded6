import { NodeFsVfs } from './node-fs-vfs.ts';
import type { SqliteConnection } from './sqlite-connection.ts';
import { loadSqliteModule } from './sqlite-module.ts';
import { openWasmConnection } from './wasm-sqlite-connection.ts';

// cr-sqlite ignores WAL in the wasm builds, so a rollback journal it is. EXTRA rather
// than FULL: in DELETE mode the commit point is the journal's unlink, and only EXTRA
// makes SQLite fsync the directory after it, so an acknowledged commit cannot be
// rolled back by a hot journal that reappears after a power cut.
const FILE_PRAGMAS = 'PRAGMA journal_mode = DELETE; PRAGMA synchronous = EXTRA; PRAGMA temp_store = MEMORY;';

let defaultVfs: NodeFsVfs | undefined;

/**
 * Opens (creating if needed) a cr-sqlite database file. Node only. A path may be
 * open on one connection at a time in this process; a second open throws a
 * storage error until the first is closed.
 */
export async function openFileDatabase(path: string): Promise<SqliteConnection> {
  defaultVfs ??= new NodeFsVfs();
  return openFileDatabaseOn(defaultVfs, path);
}

/** Like `openFileDatabase`, through a given VFS (tests use one that injects faults). */
export async function openFileDatabaseOn(vfs: NodeFsVfs, path: string): Promise<SqliteConnection> {
  const module = await loadSqliteModule();
  vfs.registerOn(module);
  const claim = vfs.claim(path);
  const connection = openWasmConnection(module, claim.name, { vfs: vfs.name, onClose: claim.release });
  try {
    connection.exec(FILE_PRAGMAS);
  } catch (error) {
    connection.close();
    throw error;
  }
  return connection;
}
