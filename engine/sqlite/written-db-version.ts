import { GreenlightError } from '../errors.ts';
import type { SqlValue } from '../protocol/messages.ts';

/**
 * The highest db_version that a change in the database actually carries: the
 * one safe "everything up to here exists" mark for sending, counting and
 * announcing changes.
 *
 * `crsql_db_version()` is not that mark. A statement that fires cr-sqlite's
 * triggers but changes no value (an UPDATE writing the value already there)
 * moves it one past every change, and after the next commit that writes only
 * ordinary tables, the next real change is given that same version. A cursor
 * that had already moved to it would skip that change for good: never sent,
 * never counted as pending, never fanned out to peers.
 *
 * Reading the maximum of each CRR's clock table costs one index lookup per
 * table (cr-sqlite indexes their db_version), so this stays cheap however large
 * the database grows.
 */

const CLOCK_TABLE_SUFFIX = '__crsql_clock';
const CLOCK_TABLES_SQL = `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%\\_\\_crsql\\_clock' ESCAPE '\\'`;

interface SyncReader {
  all(sql: string, params?: readonly SqlValue[]): readonly (readonly SqlValue[])[];
}

interface AsyncReader {
  all(sql: string, params?: readonly SqlValue[]): Promise<readonly (readonly SqlValue[])[]>;
}

/** For a synchronous connection (the server's). */
export function readWrittenDbVersion(connection: SyncReader): number {
  const sql = highestVersionSql(connection.all(CLOCK_TABLES_SQL));
  return sql === null ? 0 : versionOf(connection.all(sql));
}

/** For the client's asynchronous database or transaction. */
export async function readWrittenDbVersionAsync(db: AsyncReader): Promise<number> {
  const sql = highestVersionSql(await db.all(CLOCK_TABLES_SQL));
  return sql === null ? 0 : versionOf(await db.all(sql));
}

function highestVersionSql(rows: readonly (readonly SqlValue[])[]): string | null {
  const tables = rows.map(([name]) => String(name)).filter((name) => name.endsWith(CLOCK_TABLE_SUFFIX));
  if (tables.length === 0) return null;
  const perTable = tables.map((name) => `SELECT MAX(db_version) AS v FROM "${name.replaceAll('"', '""')}"`);
  return `SELECT MAX(v) FROM (${perTable.join(' UNION ALL ')})`;
}

function versionOf(rows: readonly (readonly SqlValue[])[]): number {
  const value = rows[0]?.[0] ?? null;
  if (value === null) return 0;
  const version = typeof value === 'bigint' ? Number(value) : value;
  if (typeof version !== 'number' || !Number.isSafeInteger(version)) {
    throw new GreenlightError('storage', 'storage', `cr-sqlite reported a db_version that is not an integer: ${String(value)}`);
  }
  return version;
}
