import { GreenlightError } from '../../errors.ts';
import type { SqlValue } from '../../protocol/messages.ts';
import type { SqliteConnection } from '../../sqlite/sqlite-connection.ts';
import type { ClientDatabase, ClientTransaction } from '../client-database.ts';

/**
 * Attaches a synchronous connection (Node, workers) as a ClientDatabase.
 *
 * A transaction's function is async, so between its awaits other callers could
 * reach the same connection and their statements would land inside the open
 * transaction. Every call therefore goes through one queue: a transaction holds
 * it from BEGIN to COMMIT, and calls made meanwhile wait their turn. The host
 * must not use the connection directly while a transaction of this adapter runs.
 */
export function fromSqliteConnection(connection: SqliteConnection): ClientDatabase {
  let tail: Promise<unknown> = Promise.resolve();

  function enqueue<T>(task: () => T | Promise<T>): Promise<T> {
    const run = tail.then(task);
    tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  return {
    exec: (sql, params) => enqueue(() => connection.exec(sql, params)),
    all: <Row extends readonly SqlValue[] = SqlValue[]>(sql: string, params?: readonly SqlValue[]) =>
      enqueue(() => connection.all<Row>(sql, params)),
    transaction: (fn) => enqueue(() => runTransaction(connection, fn)),
    onUpdate: (listener) => connection.onUpdate(() => listener()),
  };
}

async function runTransaction<T>(connection: SqliteConnection, fn: (tx: ClientTransaction) => Promise<T>): Promise<T> {
  let open = true;
  const assertOpen = (): void => {
    if (!open) throw new GreenlightError('internal', 'client', 'transaction handle used after its transaction ended');
  };
  const tx: ClientTransaction = {
    exec: async (sql, params) => {
      assertOpen();
      connection.exec(sql, params);
    },
    all: async <Row extends readonly SqlValue[] = SqlValue[]>(sql: string, params?: readonly SqlValue[]) => {
      assertOpen();
      return connection.all<Row>(sql, params);
    },
  };
  connection.exec('BEGIN IMMEDIATE');
  try {
    const result = await fn(tx);
    open = false;
    connection.exec('COMMIT');
    return result;
  } catch (error) {
    open = false;
    try {
      connection.exec('ROLLBACK');
    } catch {
      // After SQLITE_FULL or an I/O error SQLite may already have rolled back, and
      // then ROLLBACK fails for want of a transaction; the first error is the one to report.
    }
    throw error;
  }
}
