import type { SqlValue } from '../protocol/messages.ts';

/**
 * The small async database interface the sync client needs from the host's
 * cr-sqlite database. The host owns the database; Greenlight only attaches.
 * Adapters: `fromCrsqliteWasm` (browser `@vlcn.io/crsqlite-wasm` DB) and
 * `fromSqliteConnection` (the synchronous wa-sqlite build in Node and workers).
 */
export interface ClientDatabase {
  exec(sql: string, params?: readonly SqlValue[]): Promise<void>;
  all<Row extends readonly SqlValue[] = SqlValue[]>(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  /**
   * Runs `fn` in one transaction; everything it does commits together or not at
   * all. Greenlight writes changes and the cursors describing them through one call.
   */
  transaction<T>(fn: (tx: ClientTransaction) => Promise<T>): Promise<T>;
  /** Called (possibly many times per commit) when rows change; the client coalesces. */
  onUpdate(listener: () => void): () => void;
}

export interface ClientTransaction {
  exec(sql: string, params?: readonly SqlValue[]): Promise<void>;
  all<Row extends readonly SqlValue[] = SqlValue[]>(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
}
