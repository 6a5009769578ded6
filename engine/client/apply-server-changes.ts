import { GreenlightError, toGreenlightError } from '../errors.ts';
import { countDistinctRows } from '../protocol/change-row-key.ts';
import { changeWireSize } from '../protocol/codec.ts';
import type { Change, ChangesMessage, SqlValue } from '../protocol/messages.ts';
import { readWrittenDbVersionAsync } from '../sqlite/written-db-version.ts';
import type { ClientDatabase, ClientTransaction } from './client-database.ts';
import { CHANGE_COLUMNS, changeToParams } from './change-rows.ts';
import { dropMergedOverPending } from './pending-tracker.ts';
import type { PendingCount } from './sync-status.ts';

/** Multi-row inserts of a few hundred rows were measured fastest for cr-sqlite's merge. */
export const APPLY_CHUNK_ROWS = 300;

export interface AppliedServerChanges {
  readonly changes: number;
  /** Distinct (table, pk) rows the message touched. */
  readonly rows: number;
  readonly bytes: number;
  readonly serverVersion: number;
  /** The pending count after the merge took over any keys we had pending. */
  readonly pending: PendingCount;
}

const insertSqlByRows = new Map<number, string>();

function insertSql(rowCount: number): string {
  let sql = insertSqlByRows.get(rowCount);
  if (sql === undefined) {
    const row = '(?, ?, ?, ?, ?, ?, ?, ?, ?)';
    sql = `INSERT INTO crsql_changes (${CHANGE_COLUMNS}) VALUES ${Array.from({ length: rowCount }, () => row).join(', ')}`;
    insertSqlByRows.set(rowCount, sql);
  }
  return sql;
}

/** Inserts changes into crsql_changes in multi-row chunks, inside the caller's transaction. */
export async function insertChanges(tx: ClientTransaction, changes: readonly Change[], chunkRows = APPLY_CHUNK_ROWS): Promise<void> {
  for (let start = 0; start < changes.length; start += chunkRows) {
    const chunk = changes.slice(start, start + chunkRows);
    const params: SqlValue[] = [];
    for (const change of chunk) params.push(...changeToParams(change));
    await tx.exec(insertSql(chunk.length), params);
  }
}

/**
 * Applies one server `changes` message as one transaction: the changes, the
 * pending tracker's adjustment and the new server cursor commit together or not
 * at all. A message holds whole server db_versions, so it is never split.
 */
export async function applyServerChanges(db: ClientDatabase, message: ChangesMessage): Promise<AppliedServerChanges> {
  let pending: PendingCount;
  try {
    pending = await db.transaction(async (tx) => {
      const before = await readWrittenDbVersionAsync(tx);
      await insertChanges(tx, message.changes);
      const after = await dropMergedOverPending(tx, before);
      await tx.exec('UPDATE greenlight_sync_meta SET server_cursor = MAX(server_cursor, ?) WHERE id = 1', [message.throughVersion]);
      return after;
    });
  } catch (error) {
    throw new GreenlightError(
      'apply-failed',
      'client',
      `could not apply ${message.changes.length} server changes through version ${message.throughVersion}: ${toGreenlightError(error, 'storage', 'storage').message}`,
      { cause: error },
    );
  }
  let bytes = 0;
  for (const change of message.changes) bytes += changeWireSize(change);
  return { changes: message.changes.length, rows: countDistinctRows(message.changes), bytes, serverVersion: message.throughVersion, pending };
}
