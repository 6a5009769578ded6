import type { SiteId } from '../protocol/ids.ts';
import { isSiteId } from '../protocol/ids.ts';
import { GreenlightError } from '../errors.ts';
import type { ClientDatabase, ClientTransaction } from './client-database.ts';
import { integerOf } from './sql-values.ts';
import type { PendingCount } from './sync-status.ts';

/**
 * Greenlight's bookkeeping lives in the host's database, beside the data it
 * describes, so that a cursor can never run ahead of (or lag behind) the changes
 * it covers: both are written by the same transaction.
 */
export interface SyncMetadata {
  /** The server identity this database last synced with; null before the first accept. */
  readonly serverSiteId: SiteId | null;
  /** The server db_version through which server changes are applied here. */
  readonly serverCursor: number;
  /** Every local change with db_version <= this is durably committed on the server. */
  readonly ackedLocalVersion: number;
  /** Local db_version through which the pending tracker has counted local commits. */
  readonly countedLocalVersion: number;
  readonly pending: PendingCount;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS greenlight_sync_meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  server_site_id TEXT,
  server_cursor INTEGER NOT NULL DEFAULT 0,
  acked_local_version INTEGER NOT NULL DEFAULT 0,
  counted_local_version INTEGER NOT NULL DEFAULT 0,
  pending_changes INTEGER NOT NULL DEFAULT 0,
  pending_rows INTEGER NOT NULL DEFAULT 0
);
INSERT OR IGNORE INTO greenlight_sync_meta (id) VALUES (1);
CREATE TABLE IF NOT EXISTS greenlight_pending_changes (
  tbl TEXT NOT NULL,
  pk BLOB NOT NULL,
  cid TEXT NOT NULL,
  db_version INTEGER NOT NULL,
  PRIMARY KEY (tbl, pk, cid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS greenlight_pending_changes_version ON greenlight_pending_changes (db_version);
CREATE TABLE IF NOT EXISTS greenlight_pending_rows (
  tbl TEXT NOT NULL,
  pk BLOB NOT NULL,
  db_version INTEGER NOT NULL,
  PRIMARY KEY (tbl, pk)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS greenlight_pending_rows_version ON greenlight_pending_rows (db_version);
`;

/** Creates the metadata tables if this database has none yet. Idempotent. */
export async function ensureSyncMetadata(db: ClientDatabase): Promise<void> {
  await db.transaction(async (tx) => {
    for (const statement of SCHEMA.split(';')) {
      if (statement.trim() !== '') await tx.exec(statement);
    }
  });
}

export async function readSyncMetadata(tx: ClientTransaction): Promise<SyncMetadata> {
  const rows = await tx.all(
    `SELECT server_site_id, server_cursor, acked_local_version, counted_local_version, pending_changes, pending_rows
       FROM greenlight_sync_meta WHERE id = 1`,
  );
  const row = rows[0];
  if (row === undefined) {
    throw new GreenlightError('storage', 'storage', 'greenlight_sync_meta has no row: the sync metadata was not created');
  }
  const siteId = row[0];
  if (siteId !== null && (typeof siteId !== 'string' || !isSiteId(siteId))) {
    throw new GreenlightError('storage', 'storage', 'greenlight_sync_meta holds a malformed server site id');
  }
  return {
    serverSiteId: siteId,
    serverCursor: integerOf(row[1], 'server_cursor'),
    ackedLocalVersion: integerOf(row[2], 'acked_local_version'),
    countedLocalVersion: integerOf(row[3], 'counted_local_version'),
    pending: { changes: integerOf(row[4], 'pending_changes'), rows: integerOf(row[5], 'pending_rows') },
  };
}

export async function writeServerSiteId(tx: ClientTransaction, siteId: SiteId): Promise<void> {
  await tx.exec('UPDATE greenlight_sync_meta SET server_site_id = ? WHERE id = 1', [siteId]);
}

/**
 * Nuke and Resync: forget the server, the cursors and every pending key, so the
 * database the host re-created starts from nothing whatever it held before; its
 * own local changes, if any, are counted again from version 0.
 */
export async function clearSyncMetadata(tx: ClientTransaction): Promise<void> {
  await tx.exec('DELETE FROM greenlight_pending_changes');
  await tx.exec('DELETE FROM greenlight_pending_rows');
  await tx.exec(
    `UPDATE greenlight_sync_meta
        SET server_site_id = NULL, server_cursor = 0, acked_local_version = 0,
            counted_local_version = 0, pending_changes = 0, pending_rows = 0
      WHERE id = 1`,
  );
}
