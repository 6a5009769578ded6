import type { SqlValue } from '../protocol/messages.ts';

/**
 * A synchronous connection to a cr-sqlite database, backed by the synchronous
 * wa-sqlite build. The server uses it (its work per database is strictly
 * sequential), and so do Node and worker clients through `fromSqliteConnection`.
 */
export interface SqliteConnection {
  /** Runs one or more statements; parameters bind to the first. */
  exec(sql: string, params?: readonly SqlValue[]): void;
  /** Runs one statement and returns its rows as arrays, in column order. */
  all<Row extends readonly SqlValue[] = SqlValue[]>(sql: string, params?: readonly SqlValue[]): Row[];
  /** Runs `fn` inside BEGIN IMMEDIATE ... COMMIT, rolling back if it throws. Not reentrant. */
  transaction<T>(fn: () => T): T;
  /** Called after each row the connection inserts, updates or deletes (SQLite's update hook). */
  onUpdate(listener: (table: string) => void): () => void;
  /** Number of rows changed by the last statement. */
  changes(): number;
  close(): void;
}
