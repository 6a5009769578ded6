import type { Change, SqlValue } from '../protocol/messages.ts';
import { blobOf, integerOf, textOf } from './sql-values.ts';

/** The crsql_changes columns in the order `changeFromRow` reads them. */
export const CHANGE_COLUMNS = '"table", pk, cid, val, col_version, db_version, site_id, cl, seq';

/** Builds a wire Change from one crsql_changes row selected with CHANGE_COLUMNS. */
export function changeFromRow(row: readonly SqlValue[]): Change {
  return {
    table: textOf(row[0], 'crsql_changes.table'),
    pk: blobOf(row[1], 'crsql_changes.pk'),
    cid: textOf(row[2], 'crsql_changes.cid'),
    val: row[3] ?? null,
    colVersion: integerOf(row[4], 'crsql_changes.col_version'),
    dbVersion: integerOf(row[5], 'crsql_changes.db_version'),
    siteId: blobOf(row[6], 'crsql_changes.site_id'),
    cl: integerOf(row[7], 'crsql_changes.cl'),
    seq: integerOf(row[8], 'crsql_changes.seq'),
  };
}

/** The values of one change in CHANGE_COLUMNS order, for a multi-row insert. */
export function changeToParams(change: Change): SqlValue[] {
  return [
    change.table,
    change.pk,
    change.cid,
    change.val,
    change.colVersion,
    change.dbVersion,
    change.siteId,
    change.cl,
    change.seq,
  ];
}
