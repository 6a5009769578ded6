import { CRR_TABLE_NAMES_SQL } from '../sqlite/crr-table-names.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';

/**
 * What a key column may hold, from its declared type: the storage classes that
 * cr-sqlite can report for it. A TEXT column converts every number written to it
 * into text (so a number in its key names a row no honest peer can name), and
 * an `INTEGER PRIMARY KEY` holds only integers; other affinities keep what they
 * are given.
 */
export type KeyAffinity = 'text' | 'rowid' | 'any';

export interface CrrKeyColumn {
  readonly name: string;
  readonly affinity: KeyAffinity;
}

/** One conflict-free replicated table: its primary key, in key order, and its other columns. */
export interface CrrTable {
  readonly name: string;
  readonly keyColumns: readonly CrrKeyColumn[];
  readonly valueColumns: ReadonlySet<string>;
}

export type CrrTables = ReadonlyMap<string, CrrTable>;

/** The tables of a database that cr-sqlite replicates (`CRR_TABLE_NAMES_SQL`), with their columns. */
export function readCrrTables(connection: SqliteConnection): CrrTables {
  const names = connection.all<[string]>(CRR_TABLE_NAMES_SQL);
  const tables = new Map<string, CrrTable>();
  for (const [name] of names) {
    const columns = connection.all<[string, string, number | bigint]>('SELECT name, type, pk FROM pragma_table_info(?)', [name]);
    const keys = columns.filter(([, , pk]) => Number(pk) > 0).sort((a, b) => Number(a[2]) - Number(b[2]));
    const keyColumns = keys.map(([column, type]) => ({
      name: column,
      affinity: keyAffinity(type, keys.length),
    }));
    const valueColumns = new Set(columns.filter(([, , pk]) => Number(pk) === 0).map(([column]) => column));
    tables.set(name, { name, keyColumns, valueColumns });
  }
  return tables;
}

/** SQLite's affinity rules (https://sqlite.org/datatype3.html#determination_of_column_affinity), as far as keys need them. */
function keyAffinity(declaredType: string, keyCount: number): KeyAffinity {
  const type = declaredType.toUpperCase();
  // Only a single-column key declared exactly INTEGER is the rowid.
  if (keyCount === 1 && type.trim() === 'INTEGER') return 'rowid';
  if (type.includes('INT')) return 'any';
  if (type.includes('CHAR') || type.includes('CLOB') || type.includes('TEXT')) return 'text';
  return 'any';
}
