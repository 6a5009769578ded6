import type { SqlValue } from '../protocol/messages.ts';
import { readWrittenDbVersionAsync } from '../sqlite/written-db-version.ts';
import type { ClientTransaction } from './client-database.ts';
import { blobOf, integerOf, textOf } from './sql-values.ts';
import { readSyncMetadata } from './sync-metadata.ts';
import type { PendingCount } from './sync-status.ts';

/**
 * The pending tracker (G3): which local changes the server has not yet
 * acknowledged, kept exact and persisted in the host database.
 *
 * It mirrors the set `crsql_changes WHERE site_id = crsql_site_id() AND
 * db_version > acked` one key (table, pk, cid) at a time, so every update costs
 * time in proportion to what changed, never to the size of the database:
 * counting `crsql_changes` grows with the database and would make each commit
 * slower than the last.
 *
 * Every function runs inside the caller's transaction, so the tracker commits
 * together with the changes, cursors or acks that moved it.
 */

const DELETE_SENTINEL = '-1';

interface ChangeKey {
  readonly table: string;
  readonly pk: Uint8Array;
  readonly cid: string;
  readonly cl: number;
}

/** Counts local commits newer than what was counted before. Returns the new total. */
export async function countLocalCommits(tx: ClientTransaction): Promise<PendingCount> {
  const meta = await readSyncMetadata(tx);
  const current = await readWrittenDbVersionAsync(tx);
  // Versions at or below the ack are committed on the server already: an ack can
  // overtake the count when changes are sent before this runs.
  const from = Math.max(meta.countedLocalVersion, meta.ackedLocalVersion);
  if (current <= from) {
    if (current > meta.countedLocalVersion) await writeCounted(tx, current);
    return meta.pending;
  }
  // crsql_changes is read once, into a scratch table the counting then joins.
  await tx.exec(`CREATE TEMP TABLE IF NOT EXISTS ${NEW_CHANGES} (tbl TEXT, pk BLOB, cid TEXT, cl INTEGER, db_version INTEGER, seq INTEGER)`);
  await tx.exec(
    `INSERT INTO ${NEW_CHANGES} SELECT "table", pk, cid, cl, db_version, seq FROM crsql_changes
      WHERE db_version > ? AND db_version <= ? AND site_id = crsql_site_id()`,
    [from, current],
  );
  const lifecycle = await tx.all(`SELECT 1 FROM ${NEW_CHANGES} WHERE cid = '${DELETE_SENTINEL}' LIMIT 1`);
  const added = lifecycle.length > 0 ? await countInOrder(tx) : await countInBulk(tx);
  await tx.exec(`DELETE FROM ${NEW_CHANGES}`);
  await writeCounted(tx, current);
  return adjustCounts(tx, meta.pending, added.changes, added.rows);
}

// Per connection and never committed to the host's database file.
const NEW_CHANGES = 'temp.greenlight_new_local_changes';

/**
 * Without deletes or re-creations every new change only adds or refreshes its
 * own entry, so a few statements over the whole set do what `countInOrder`
 * does change by change: a 500,000-change import is counted in a fraction of
 * the time, and the event loop is held that much less.
 */
async function countInBulk(tx: ClientTransaction): Promise<PendingCount> {
  await tx.exec(`INSERT OR IGNORE INTO greenlight_pending_changes (tbl, pk, cid, db_version) SELECT tbl, pk, cid, db_version FROM ${NEW_CHANGES}`);
  const changes = await changedRowCount(tx);
  await tx.exec(
    `UPDATE greenlight_pending_changes AS p SET db_version = n.db_version FROM ${NEW_CHANGES} AS n
      WHERE p.tbl = n.tbl AND p.pk = n.pk AND p.cid = n.cid AND p.db_version <> n.db_version`,
  );
  const newestPerRow = `SELECT tbl, pk, MAX(db_version) AS db_version FROM ${NEW_CHANGES} GROUP BY tbl, pk`;
  await tx.exec(`INSERT OR IGNORE INTO greenlight_pending_rows (tbl, pk, db_version) ${newestPerRow}`);
  const rows = await changedRowCount(tx);
  await tx.exec(
    `UPDATE greenlight_pending_rows AS r SET db_version = n.db_version FROM (${newestPerRow}) AS n
      WHERE r.tbl = n.tbl AND r.pk = n.pk AND r.db_version <> n.db_version`,
  );
  return { changes, rows };
}

/** Change by change in commit order, for ranges holding deletes or re-creations. */
async function countInOrder(tx: ClientTransaction): Promise<PendingCount> {
  const rows = await tx.all(`SELECT tbl, pk, cid, cl, db_version FROM ${NEW_CHANGES} ORDER BY db_version, seq`);
  let addedChanges = 0;
  let addedRows = 0;
  for (const row of rows) {
    const key = keyOf(row);
    const version = integerOf(row[4], 'crsql_changes.db_version');
    if (key.cid === DELETE_SENTINEL) {
      // A delete drops the row's column entries from crsql_changes; a re-create
      // (odd causal length) starts a new life that supersedes entries before it.
      const isDelete = key.cl % 2 === 0;
      addedChanges -= await deleteEntries(
        tx,
        `tbl = ? AND pk = ? AND cid <> '${DELETE_SENTINEL}'${isDelete ? '' : ' AND db_version < ?'}`,
        isDelete ? [key.table, key.pk] : [key.table, key.pk, version],
      );
    }
    const existing = await tx.all('SELECT 1 FROM greenlight_pending_changes WHERE tbl = ? AND pk = ? AND cid = ?', [
      key.table,
      key.pk,
      key.cid,
    ]);
    if (existing.length === 0) {
      await tx.exec('INSERT INTO greenlight_pending_changes (tbl, pk, cid, db_version) VALUES (?, ?, ?, ?)', [
        key.table,
        key.pk,
        key.cid,
        version,
      ]);
      addedChanges += 1;
    } else {
      await tx.exec('UPDATE greenlight_pending_changes SET db_version = ? WHERE tbl = ? AND pk = ? AND cid = ?', [
        version,
        key.table,
        key.pk,
        key.cid,
      ]);
    }
    // Rows arrive in version order, so this version is the row's newest.
    const rowExists = await tx.all('SELECT 1 FROM greenlight_pending_rows WHERE tbl = ? AND pk = ?', [key.table, key.pk]);
    if (rowExists.length === 0) {
      await tx.exec('INSERT INTO greenlight_pending_rows (tbl, pk, db_version) VALUES (?, ?, ?)', [key.table, key.pk, version]);
      addedRows += 1;
    } else {
      await tx.exec('UPDATE greenlight_pending_rows SET db_version = ? WHERE tbl = ? AND pk = ?', [version, key.table, key.pk]);
    }
  }
  return { changes: addedChanges, rows: addedRows };
}

async function changedRowCount(tx: ClientTransaction): Promise<number> {
  return integerOf((await tx.all('SELECT changes()'))[0]?.[0], 'changes()');
}

/**
 * After server changes were inserted into crsql_changes in this transaction,
 * drops pending keys that the merge took over: cr-sqlite reports the winner's
 * site id for an overwritten key, and a winning delete removes the row's other
 * entries. `beforeVersion` is the newest written version read before the
 * inserts; the merge recorded its winners above it.
 */
export async function dropMergedOverPending(tx: ClientTransaction, beforeVersion: number): Promise<PendingCount> {
  const meta = await readSyncMetadata(tx);
  if (meta.pending.rows === 0) return meta.pending;
  const winners = await tx.all(
    `SELECT c."table", c.pk, c.cid, c.cl FROM crsql_changes AS c
       JOIN greenlight_pending_rows AS p ON p.tbl = c."table" AND p.pk = c.pk
      WHERE c.db_version > ? AND c.site_id IS NOT crsql_site_id()`,
    [beforeVersion],
  );
  if (winners.length === 0) return meta.pending;
  let removedChanges = 0;
  const touchedRows = new Map<string, ChangeKey>();
  for (const row of winners) {
    const key = keyOf(row);
    touchedRows.set(rowIdentity(key), key);
    if (key.cid === DELETE_SENTINEL && key.cl % 2 === 0) {
      removedChanges += await deleteEntries(tx, 'tbl = ? AND pk = ?', [key.table, key.pk]);
    } else {
      removedChanges += await deleteEntries(tx, 'tbl = ? AND pk = ? AND cid = ?', [key.table, key.pk, key.cid]);
      if (key.cid === DELETE_SENTINEL) removedChanges += await dropEntriesNoLongerOurs(tx, key);
    }
  }
  let removedRows = 0;
  for (const key of touchedRows.values()) {
    if (await refreshRowVersion(tx, key)) removedRows += 1;
  }
  return adjustCounts(tx, meta.pending, -removedChanges, -removedRows);
}

/** The server durably committed every local change through `version`. */
export async function acknowledgeThrough(tx: ClientTransaction, version: number): Promise<PendingCount> {
  const meta = await readSyncMetadata(tx);
  if (version <= meta.ackedLocalVersion) return meta.pending;
  const removedChanges = await deleteEntries(tx, 'db_version <= ?', [version]);
  // A row's version is its newest pending entry: at or below the ack, all of it is acknowledged.
  const removedRows = integerOf(
    (await tx.all('SELECT COUNT(*) FROM greenlight_pending_rows WHERE db_version <= ?', [version]))[0]?.[0],
    'pending row count',
  );
  if (removedRows > 0) await tx.exec('DELETE FROM greenlight_pending_rows WHERE db_version <= ?', [version]);
  await tx.exec('UPDATE greenlight_sync_meta SET acked_local_version = ? WHERE id = 1', [version]);
  return adjustCounts(tx, meta.pending, -removedChanges, -removedRows);
}

/**
 * A re-created row (odd causal length) that the merge won may or may not keep
 * our column entries; look each one up among our changes of its version, which
 * costs in proportion to that one commit.
 */
async function dropEntriesNoLongerOurs(tx: ClientTransaction, row: ChangeKey): Promise<number> {
  const entries = await tx.all('SELECT cid, db_version FROM greenlight_pending_changes WHERE tbl = ? AND pk = ?', [row.table, row.pk]);
  let removed = 0;
  for (const [cid, version] of entries) {
    const stillOurs = await tx.all(
      `SELECT 1 FROM crsql_changes
        WHERE db_version = ? AND site_id = crsql_site_id() AND "table" = ? AND pk = ? AND cid = ?`,
      [version ?? null, row.table, row.pk, cid ?? null],
    );
    if (stillOurs.length === 0) {
      removed += await deleteEntries(tx, 'tbl = ? AND pk = ? AND cid = ?', [row.table, row.pk, cid ?? null]);
    }
  }
  return removed;
}

/** Re-derives a row's newest pending version; returns true when the row has none left. */
async function refreshRowVersion(tx: ClientTransaction, row: ChangeKey): Promise<boolean> {
  const newest = (await tx.all('SELECT MAX(db_version) FROM greenlight_pending_changes WHERE tbl = ? AND pk = ?', [row.table, row.pk]))[0]?.[0];
  if (newest === null || newest === undefined) {
    await tx.exec('DELETE FROM greenlight_pending_rows WHERE tbl = ? AND pk = ?', [row.table, row.pk]);
    return true;
  }
  await tx.exec('UPDATE greenlight_pending_rows SET db_version = ? WHERE tbl = ? AND pk = ?', [newest, row.table, row.pk]);
  return false;
}

async function deleteEntries(tx: ClientTransaction, where: string, params: readonly SqlValue[]): Promise<number> {
  const count = integerOf(
    (await tx.all(`SELECT COUNT(*) FROM greenlight_pending_changes WHERE ${where}`, params))[0]?.[0],
    'pending change count',
  );
  if (count > 0) await tx.exec(`DELETE FROM greenlight_pending_changes WHERE ${where}`, params);
  return count;
}

async function writeCounted(tx: ClientTransaction, version: number): Promise<void> {
  await tx.exec('UPDATE greenlight_sync_meta SET counted_local_version = ? WHERE id = 1', [version]);
}

async function adjustCounts(
  tx: ClientTransaction,
  before: PendingCount,
  changesDelta: number,
  rowsDelta: number,
): Promise<PendingCount> {
  if (changesDelta === 0 && rowsDelta === 0) return before;
  const after = { changes: before.changes + changesDelta, rows: before.rows + rowsDelta };
  await tx.exec('UPDATE greenlight_sync_meta SET pending_changes = ?, pending_rows = ? WHERE id = 1', [after.changes, after.rows]);
  return after;
}

function keyOf(row: readonly SqlValue[]): ChangeKey {
  return {
    table: textOf(row[0], 'crsql_changes.table'),
    pk: blobOf(row[1], 'crsql_changes.pk'),
    cid: textOf(row[2], 'crsql_changes.cid'),
    cl: integerOf(row[3], 'crsql_changes.cl'),
  };
}

function rowIdentity(key: ChangeKey): string {
  let hex = '';
  for (const byte of key.pk) hex += byte.toString(16).padStart(2, '0');
  return `${key.table}\u0000${hex}`;
}
