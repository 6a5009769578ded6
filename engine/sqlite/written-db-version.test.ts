import { afterEach, describe, expect, it } from 'vitest';
import { openMemoryDatabase } from './open-memory-database.ts';
import type { SqliteConnection } from './sqlite-connection.ts';
import { readWrittenDbVersion, readWrittenDbVersionAsync } from './written-db-version.ts';

const open: SqliteConnection[] = [];

async function database(sql: string): Promise<SqliteConnection> {
  const connection = await openMemoryDatabase();
  open.push(connection);
  connection.exec(sql);
  return connection;
}

afterEach(() => {
  for (const connection of open.splice(0)) connection.close();
});

const TWO_CRRS = `
  CREATE TABLE items (id INTEGER PRIMARY KEY NOT NULL, title TEXT);
  SELECT crsql_as_crr('items');
  CREATE TABLE notes (id INTEGER PRIMARY KEY NOT NULL, body TEXT);
  SELECT crsql_as_crr('notes');
  CREATE TABLE plain (x INTEGER);
`;

describe('readWrittenDbVersion', () => {
  it('is 0 for a database without changes, or without CRRs at all', async () => {
    expect(readWrittenDbVersion(await database(TWO_CRRS))).toBe(0);
    expect(readWrittenDbVersion(await database('CREATE TABLE plain (x INTEGER)'))).toBe(0);
  });

  it('is the newest version across every CRR', async () => {
    const connection = await database(TWO_CRRS);
    connection.exec("INSERT INTO items VALUES (1, 'a')");
    connection.exec("INSERT INTO notes VALUES (1, 'b')");
    expect(readWrittenDbVersion(connection)).toBe(2);
    expect(await readWrittenDbVersionAsync({ all: async (sql, params) => connection.all(sql, params) })).toBe(2);
  });

  it('does not follow crsql_db_version() past a write that changed nothing, whose version the next change reuses', async () => {
    const connection = await database(TWO_CRRS);
    connection.exec("INSERT INTO items VALUES (1, 'a')");
    connection.exec("UPDATE items SET title = 'a' WHERE id = 1");
    expect(connection.all('SELECT crsql_db_version()')).toEqual([[2]]);
    expect(readWrittenDbVersion(connection)).toBe(1);

    connection.exec('INSERT INTO plain VALUES (1)');
    connection.exec("INSERT INTO items VALUES (2, 'b')");
    // The version crsql_db_version() had announced now holds a real change.
    expect(connection.all('SELECT db_version FROM crsql_changes WHERE pk = crsql_pack_columns(2) LIMIT 1')).toEqual([[2]]);
    expect(readWrittenDbVersion(connection)).toBe(2);
  });
});
