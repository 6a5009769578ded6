import type { DatabaseName } from '../engine/protocol/ids.ts';
import type { DatabaseStore } from '../engine/server/database-store.ts';
import { MemoryDatabaseStore } from '../engine/server/memory-database-store.ts';
import type { SqliteConnection } from '../engine/sqlite/sqlite-connection.ts';

/**
 * The server's in-memory store, plus the list of databases it holds, so that a
 * scripted schema change can migrate every one of them.
 */
export class ListedMemoryStore implements DatabaseStore {
  readonly #store = new MemoryDatabaseStore();
  readonly #names = new Set<DatabaseName>();

  exists(name: DatabaseName): Promise<boolean> {
    return this.#store.exists(name);
  }

  count(): Promise<number> {
    return this.#store.count();
  }

  async open(name: DatabaseName): Promise<SqliteConnection> {
    const connection = await this.#store.open(name);
    this.#names.add(name);
    return connection;
  }

  async delete(name: DatabaseName): Promise<void> {
    this.#names.delete(name);
    await this.#store.delete(name);
  }

  names(): DatabaseName[] {
    return [...this.#names];
  }

  close(): void {
    this.#names.clear();
    this.#store.close();
  }
}
