import type { SiteId } from '../protocol/ids.ts';
import { isSiteId } from '../protocol/ids.ts';
import { GreenlightError } from '../errors.ts';
import { SITE_SECRET_BYTES } from '../protocol/messages.ts';
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
  /**
   * The random secret made with this database's site id: the server lets a
   * hello under that site id in only with it (see engine/server/site-secrets.ts).
   */
  readonly siteSecret: Uint8Array;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS greenlight_sync_meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  server_site_id TEXT,
  server_cursor INTEGER NOT NULL DEFAULT 0,
  acked_local_version INTEGER NOT NULL DEFAULT 0,
  counted_local_version INTEGER NOT NULL DEFAULT 0,
  pending_changes INTEGER NOT NULL DEFAULT 0,
  pending_rows INTEGER NOT NULL DEFAULT 0,
  site_secret BLOB,
  secret_site_id TEXT
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

/** Columns added after the first release: a database synced before them gets them on attach. */
const ADDED_COLUMNS = [
  ['site_secret', 'BLOB'],
  ['secret_site_id', 'TEXT'],
] as const;

/**
 * Creates the metadata tables if this database has none yet, adds columns an
 * older version did not have, and makes a site secret when there is none or
 * when it was made for another site id (a database whose cr-sqlite site id
 * changed under it). Idempotent.
 */
export async function ensureSyncMetadata(db: ClientDatabase): Promise<void> {
  await db.transaction(async (tx) => {
    for (const statement of SCHEMA.split(';')) {
      if (statement.trim() !== '') await tx.exec(statement);
    }
    const columns = new Set((await tx.all('SELECT name FROM pragma_table_info(?)', ['greenlight_sync_meta'])).map(([name]) => name));
    for (const [name, type] of ADDED_COLUMNS) {
      if (!columns.has(name)) await tx.exec(`ALTER TABLE greenlight_sync_meta ADD COLUMN ${name} ${type}`);
    }
    const [current] = await tx.all(
      'SELECT 1 FROM greenlight_sync_meta WHERE id = 1 AND site_secret IS NOT NULL AND secret_site_id = lower(hex(crsql_site_id()))',
    );
    if (current === undefined) await writeNewSiteSecret(tx);
  });
}

/** A new random secret for the database's current site id. */
async function writeNewSiteSecret(tx: ClientTransaction): Promise<void> {
  const secret = crypto.getRandomValues(new Uint8Array(SITE_SECRET_BYTES));
  await tx.exec('UPDATE greenlight_sync_meta SET site_secret = ?, secret_site_id = lower(hex(crsql_site_id())) WHERE id = 1', [secret]);
}

export async function readSyncMetadata(tx: ClientTransaction): Promise<SyncMetadata> {
  const rows = await tx.all(
    `SELECT server_site_id, server_cursor, acked_local_version, counted_local_version, pending_changes, pending_rows, site_secret
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
  const siteSecret = row[6];
  if (!(siteSecret instanceof Uint8Array) || siteSecret.byteLength !== SITE_SECRET_BYTES) {
    throw new GreenlightError('storage', 'storage', 'greenlight_sync_meta holds no site secret: the sync metadata was not ensured');
  }
  return {
    serverSiteId: siteId,
    serverCursor: integerOf(row[1], 'server_cursor'),
    ackedLocalVersion: integerOf(row[2], 'acked_local_version'),
    countedLocalVersion: integerOf(row[3], 'counted_local_version'),
    pending: { changes: integerOf(row[4], 'pending_changes'), rows: integerOf(row[5], 'pending_rows') },
    siteSecret,
  };
}

export async function writeServerSiteId(tx: ClientTransaction, siteId: SiteId): Promise<void> {
  await tx.exec('UPDATE greenlight_sync_meta SET server_site_id = ? WHERE id = 1', [siteId]);
}

/**
 * Nuke and Resync: forget the server, the cursors and every pending key, so the
 * database the host re-created starts from nothing whatever it held before; its
 * own local changes, if any, are counted again from version 0. The re-created
 * database has a new cr-sqlite site id, and it gets a new secret too: nothing
 * of the old identity is carried over.
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
  await writeNewSiteSecret(tx);
}
