import type { Change } from './messages.ts';

/**
 * What "a row" means in progress counts: one (table, primary key). The server
 * counts a backlog's rows for the accept and the client counts each applied
 * batch's rows with this same key, so "rows done" and "rows total" agree.
 */
export function changeRowKey(change: Change): string {
  // The length prefix keeps any table name from running into the key bytes.
  let key = `${change.table.length}:${change.table}`;
  for (const byte of change.pk) key += String.fromCharCode(byte);
  return key;
}

/** Distinct rows that the changes touch. */
export function countDistinctRows(changes: readonly Change[]): number {
  const rows = new Set<string>();
  for (const change of changes) rows.add(changeRowKey(change));
  return rows.size;
}
