import { GreenlightError } from '../errors.ts';
import { sqliteCodeName } from './sqlite-constants.ts';

/** What a storage error's `cause` holds when SQLite itself reported the failure. */
export interface SqliteFailure {
  readonly sqliteCode: number;
  readonly sqliteCodeName: string;
  readonly sqliteMessage: string;
}

export function sqliteStorageError(code: number, sqliteMessage: string, context?: string): GreenlightError {
  const codeName = sqliteCodeName(code);
  const prefix = context === undefined ? '' : `${context}: `;
  const cause: SqliteFailure = { sqliteCode: code, sqliteCodeName: codeName, sqliteMessage };
  return new GreenlightError('storage', 'storage', `${prefix}${sqliteMessage} (${codeName})`, { cause });
}

function isSqliteFailure(value: unknown): value is SqliteFailure {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { sqliteCode?: unknown }).sqliteCode === 'number' &&
    typeof (value as { sqliteCodeName?: unknown }).sqliteCodeName === 'string'
  );
}

/** The SQLite result code behind a storage error, if SQLite reported it. */
export function sqliteCodeOf(error: unknown): number | undefined {
  if (!(error instanceof GreenlightError) || !isSqliteFailure(error.cause)) return undefined;
  return error.cause.sqliteCode;
}

/**
 * Turns what a SQLite binding threw into a storage error: wa-sqlite's `SQLiteError`
 * (a message and a numeric `code`) keeps its code; typed errors pass through.
 */
export function toStorageError(error: unknown): GreenlightError {
  if (error instanceof GreenlightError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'number') return sqliteStorageError(code, message);
  return new GreenlightError('storage', 'storage', message, { cause: error });
}
