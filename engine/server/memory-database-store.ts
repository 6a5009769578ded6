import { openMemoryDatabase } from '../sqlite/open-memory-database.ts';
import type { DatabaseName } from '../protocol/ids.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import type { DatabaseStore } from './database-store.ts';

/**
 * Databases in memory, for the in-browser mock server and tests. The store owns
 * each database: the connection it hands out ignores `close`, so a server core
 * can be closed and a new one started on the same store without losing data,
 * the way a real server restarts on the same folder. `delete` really drops it.
 */
export class MemoryDatabaseStore implements DatabaseStore {
  readonly #databases = new Map<DatabaseName, SqliteConnection>();

  async exists(name: DatabaseName): Promise<boolean> {
    return this.#databases.has(name);
  }

  async count(): Promise<number> {
    return this.#databases.size;
  }

  async open(name: DatabaseName): Promise<SqliteConnection> {
    let database = this.#databases.get(name);
    if (database === undefined) {
      database = await openMemoryDatabase();
      this.#databases.set(name, database);
    }
    return keptOpen(database);
  }

  async delete(name: DatabaseName): Promise<void> {
    const database = this.#databases.get(name);
    this.#databases.delete(name);
    database?.close();
  }

  /** Drops every database. */
  close(): void {
    for (const database of this.#databases.values()) database.close();
    this.#databases.clear();
  }
}

function keptOpen(database: SqliteConnection): SqliteConnection {
  return {
    exec: (sql, params) => database.exec(sql, params),
    all: (sql, params) => database.all(sql, params),
    transaction: (fn) => database.transaction(fn),
    onUpdate: (listener) => database.onUpdate(listener),
    changes: () => database.changes(),
    close: () => {},
  };
}
