import type { Change, SqlValue } from '../protocol/messages.ts';
import type { ClientDatabase, ClientTransaction } from './client-database.ts';
import { parseUnsyncedChangesExport } from './parse-unsynced-changes-export.ts';
import type { UnsyncedChangesExport } from './sync-client-api.ts';
import { UnsyncedChangesExportError } from './unsynced-changes-export-error.ts';

export interface AppliedUnsyncedChanges {
  /** Changes written. */
  readonly changes: number;
  /** Distinct (table, primary key) rows they touched. */
  readonly rows: number;
}

/** cr-sqlite's column id for a row's existence; its causal length is even once deleted. */
const ROW_SENTINEL = '-1';

interface TableShape {
  readonly quoted: string;
  /** Primary key columns, quoted, in key order (the order cr-sqlite packs them in). */
  readonly keys: readonly string[];
  readonly columns: ReadonlySet<string>;
}

/**
 * Gets a user's lost work back: writes the changes of an unsynced-changes export
 * (say, saved before Nuke and Resync) into `db` as new local writes, in their
 * original order and in one transaction, all or nothing.
 *
 * Why local writes, not an `INSERT INTO crsql_changes` with the original site id:
 * the exported changes were made by the old database's site id, which the
 * re-created database is not. Merged under that id they would never count as
 * pending here and never be sent (a client sends its own site's changes, and the
 * server acknowledges per client site), and their old column versions could lose
 * to what the resync just downloaded, dropping the very edits being restored.
 * Written as local writes they are this database's newest edits: counted as
 * pending, sent, acknowledged, and winning over the rows they overwrite, as if the
 * user had made them again now. Values and primary keys are exactly the
 * exported ones; a column change is an upsert of that column, a deleted row is
 * deleted, a re-created row is inserted if missing.
 *
 * The document is validated first (`UnsyncedChangesExportError` with a `problem`
 * and a `path`), and every change must name a synced table and one of its columns.
 * `db` must have the same schema as the database the export came from; a
 * running SyncClient on it picks the writes up like any host commit.
 */
export async function applyUnsyncedChangesExport(db: ClientDatabase, doc: UnsyncedChangesExport): Promise<AppliedUnsyncedChanges> {
  const { changes } = parseUnsyncedChangesExport(doc);
  const ordered = changes
    .map((change, index) => ({ change, path: `changes[${index}]` }))
    .sort((a, b) => a.change.dbVersion - b.change.dbVersion || a.change.seq - b.change.seq);
  return db.transaction(async (tx) => {
    const shapes = new Map<string, TableShape>();
    const rows = new Set<string>();
    for (const { change, path } of ordered) {
      let shape = shapes.get(change.table);
      if (shape === undefined) {
        shape = await readTableShape(tx, change.table, `${path}.table`);
        shapes.set(change.table, shape);
      }
      const keyValues = await unpackPrimaryKey(tx, change.pk, shape, `${path}.pk`);
      await writeChange(tx, shape, keyValues, change, path);
      rows.add(`${change.table}\u0000${change.pk.join(',')}`);
    }
    return { changes: ordered.length, rows: rows.size };
  });
}

async function readTableShape(tx: ClientTransaction, table: string, path: string): Promise<TableShape> {
  const clock = await tx.all("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [`${table}__crsql_clock`]);
  const info = await tx.all('SELECT name, pk FROM pragma_table_info(?)', [table]);
  if (clock.length === 0 || info.length === 0) {
    throw new UnsyncedChangesExportError('unknown-table', path, `this database has no synced (crr) table ${JSON.stringify(table)}`);
  }
  const keys = info
    .filter((row) => Number(row[1]) > 0)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((row) => quote(String(row[0])));
  return { quoted: quote(table), keys, columns: new Set(info.filter((row) => Number(row[1]) === 0).map((row) => String(row[0]))) };
}

async function unpackPrimaryKey(tx: ClientTransaction, pk: Uint8Array, shape: TableShape, path: string): Promise<SqlValue[]> {
  let cells: SqlValue[][];
  try {
    cells = await tx.all('SELECT cell FROM crsql_unpack_columns(?)', [pk]);
  } catch (error) {
    throw new UnsyncedChangesExportError('bad-value', path, 'not a cr-sqlite packed primary key', { cause: error });
  }
  if (cells.length !== shape.keys.length) {
    throw new UnsyncedChangesExportError('bad-value', path, `holds ${cells.length} key values, the table has ${shape.keys.length} key columns`);
  }
  return cells.map((cell) => cell[0] ?? null);
}

async function writeChange(tx: ClientTransaction, shape: TableShape, keyValues: SqlValue[], change: Change, path: string): Promise<void> {
  const keys = shape.keys.join(', ');
  if (change.cid === ROW_SENTINEL) {
    if (change.cl % 2 === 0) {
      await tx.exec(`DELETE FROM ${shape.quoted} WHERE ${shape.keys.map((key) => `${key} = ?`).join(' AND ')}`, keyValues);
    } else {
      await tx.exec(`INSERT INTO ${shape.quoted} (${keys}) VALUES (${placeholders(keyValues.length)}) ON CONFLICT DO NOTHING`, keyValues);
    }
    return;
  }
  if (!shape.columns.has(change.cid)) {
    throw new UnsyncedChangesExportError('unknown-column', `${path}.cid`, `table ${shape.quoted} has no column ${JSON.stringify(change.cid)}`);
  }
  const column = quote(change.cid);
  await tx.exec(
    `INSERT INTO ${shape.quoted} (${keys}, ${column}) VALUES (${placeholders(keyValues.length + 1)})
       ON CONFLICT (${keys}) DO UPDATE SET ${column} = excluded.${column}`,
    [...keyValues, change.val],
  );
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}
