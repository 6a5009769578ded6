import type { Change } from '../protocol/messages.ts';
import { realToJson } from '../protocol/sql-value-json.ts';
import { isIntegerNumber, isSqlReal } from '../protocol/sql-value.ts';
import type { ClientDatabase } from './client-database.ts';
import { CHANGE_COLUMNS, changeFromRow } from './change-rows.ts';
import { countLocalCommits } from './pending-tracker.ts';
import { readSyncMetadata } from './sync-metadata.ts';
import type { ExportedChange, UnsyncedChangesExport } from './sync-client-api.ts';
import type { PendingCount } from './sync-status.ts';

export interface CollectedUnsyncedChanges {
  readonly document: UnsyncedChangesExport;
  /** The pending count in the same transaction: `document.changes.length === pending.changes`. */
  readonly pending: PendingCount;
}

/**
 * Collects the local changes the server has not acknowledged, as a JSON-safe
 * document a user can keep before Nuke and Resync deletes them.
 *
 * Commits the pending tracker has not counted yet are counted first, in the same
 * transaction, so the document and the pending count the user was shown describe
 * the same set: `crsql_changes` of this site after the acknowledged version holds
 * one entry per (table, pk, column) still ours, which is exactly what the tracker
 * mirrors (a key a server change took over reports the server's site id).
 */
export async function exportUnsyncedChanges(
  db: ClientDatabase,
  database: string,
  clientSiteId: string,
  exportedAt: Date,
): Promise<CollectedUnsyncedChanges> {
  const { rows, pending } = await db.transaction(async (tx) => {
    const counted = await countLocalCommits(tx);
    const meta = await readSyncMetadata(tx);
    const unacknowledged = await tx.all(
      `SELECT ${CHANGE_COLUMNS} FROM crsql_changes
        WHERE site_id = crsql_site_id() AND db_version > ? ORDER BY db_version, seq`,
      [meta.ackedLocalVersion],
    );
    return { rows: unacknowledged, pending: counted };
  });
  return {
    document: {
      format: 'greenlight-unsynced-changes',
      formatVersion: 1,
      database,
      clientSiteId,
      exportedAt: exportedAt.toISOString(),
      changes: rows.map((row) => exportChange(changeFromRow(row))),
    },
    pending,
  };
}

function exportChange(change: Change): ExportedChange {
  return {
    table: change.table,
    pk: toBase64(change.pk),
    cid: change.cid,
    val: exportValue(change.val),
    colVersion: change.colVersion,
    dbVersion: change.dbVersion,
    siteId: toHex(change.siteId),
    cl: change.cl,
    seq: change.seq,
  };
}

function exportValue(value: Change['val']): ExportedChange['val'] {
  if (value === null) return null;
  if (typeof value === 'bigint') return { integer: value.toString() };
  if (typeof value === 'number') return isIntegerNumber(value) ? { integer: String(value) } : { real: realToJson(value) };
  if (typeof value === 'string') return { text: value };
  if (isSqlReal(value)) return { real: realToJson(value.real) };
  return { blob: toBase64(value) };
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
