import type { Change } from '../protocol/messages.ts';
import type { ClientDatabase } from './client-database.ts';
import { CHANGE_COLUMNS, changeFromRow } from './change-rows.ts';

/** A run of whole local db_versions to send: the server acks `throughVersion` once it commits them. */
export interface LocalChangeBatch {
  readonly changes: readonly Change[];
  readonly throughVersion: number;
}

/**
 * Reads this site's own changes after `afterVersion`, up to `upToVersion`, in
 * whole db_versions of about `maxChanges` (one larger version is never split).
 * Versions holding only merged server changes are covered by `throughVersion`
 * without contributing changes, so the ack moves past them too.
 */
export async function readLocalChangeBatch(
  db: ClientDatabase,
  afterVersion: number,
  upToVersion: number,
  maxChanges: number,
): Promise<LocalChangeBatch> {
  const rows = await db.all(
    `SELECT ${CHANGE_COLUMNS} FROM crsql_changes
      WHERE db_version > ? AND db_version <= ? AND site_id = crsql_site_id()
      ORDER BY db_version, seq LIMIT ?`,
    [afterVersion, upToVersion, maxChanges + 1],
  );
  const changes = rows.map(changeFromRow);
  const overflow = changes[maxChanges];
  if (overflow === undefined) return { changes, throughVersion: upToVersion };
  const whole = changes.filter((change) => change.dbVersion < overflow.dbVersion);
  if (whole.length > 0) return { changes: whole, throughVersion: overflow.dbVersion - 1 };
  const oneVersion = await db.all(
    `SELECT ${CHANGE_COLUMNS} FROM crsql_changes
      WHERE db_version = ? AND site_id = crsql_site_id() ORDER BY seq`,
    [overflow.dbVersion],
  );
  return { changes: oneVersion.map(changeFromRow), throughVersion: overflow.dbVersion };
}
