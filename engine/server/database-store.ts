import type { DatabaseName } from '../protocol/ids.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';

/**
 * Where a server keeps its databases, one per validated name. The server core
 * opens each database once and keeps the connection until it closes or resets it.
 */
export interface DatabaseStore {
  exists(name: DatabaseName): Promise<boolean>;
  /** Opens the database, creating an empty one when it does not exist. */
  open(name: DatabaseName): Promise<SqliteConnection>;
  /** Removes the database; the caller has closed its connection first. */
  delete(name: DatabaseName): Promise<void>;
}
