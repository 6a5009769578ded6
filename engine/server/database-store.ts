import type { DatabaseName } from '../protocol/ids.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';

/**
 * Where a server keeps its databases, one per validated name. The server core
 * opens each database once and keeps the connection until it closes, resets
 * or (idle) releases it, and opens it again on demand.
 */
export interface DatabaseStore {
  exists(name: DatabaseName): Promise<boolean>;
  /** How many databases the store holds (the server's `maxDatabases` starts from it). */
  count(): Promise<number>;
  /** Opens the database, creating an empty one when it does not exist. */
  open(name: DatabaseName): Promise<SqliteConnection>;
  /** Removes the database; the caller has closed its connection first. */
  delete(name: DatabaseName): Promise<void>;
}
