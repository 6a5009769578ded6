import { afterEach, describe, expect, it } from 'vitest';
import type { DatabaseName } from '../protocol/ids.ts';
import { openMemoryDatabase } from '../sqlite/open-memory-database.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import { TEST_SCHEMA } from '../test-support/test-client-database.ts';
import { readBacklog } from './read-backlog.ts';
import { ServerDatabase } from './server-database.ts';

const OTHER_SITE = new Uint8Array(16).fill(9);
const open: SqliteConnection[] = [];

afterEach(() => {
  for (const connection of open.splice(0)) connection.close();
});

/** A server database with `versions` commits of `rowsPerVersion` rows (two changes each). */
async function databaseWith(versions: number, rowsPerVersion: number): Promise<{ connection: SqliteConnection; database: ServerDatabase }> {
  const connection = await openMemoryDatabase();
  open.push(connection);
  const database = ServerDatabase.attach('shop' as DatabaseName, connection, TEST_SCHEMA);
  for (let version = 0; version < versions; version++) {
    connection.exec(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${rowsPerVersion - 1})
       INSERT INTO items (id, title, qty) SELECT 'v${version}-' || i, 'title', i FROM n`,
    );
  }
  return { connection, database };
}

describe('readBacklog', () => {
  it('returns what one read would, in order, across pages, and gives the event loop back between them', async () => {
    // 1,500 versions of 40 changes: 60,000 changes, read in several pages.
    const { database } = await databaseWith(1_500, 20);
    const through = database.dbVersion();
    let turnsGiven = 0;
    const counter = setInterval(() => (turnsGiven += 1), 0);
    const backlog = await readBacklog(database, 0, through, OTHER_SITE, () => false);
    clearInterval(counter);
    expect(backlog).toEqual(database.changesBetween(0, through, OTHER_SITE));
    expect(backlog).toHaveLength(60_000);
    expect(turnsGiven).toBeGreaterThan(1);
  });

  it('reads from the cursor on, and stops once the client is gone', async () => {
    const { database } = await databaseWith(3_000, 10);
    const through = database.dbVersion();
    expect(await readBacklog(database, 2_900, through, OTHER_SITE, () => false)).toHaveLength(100 * 20);
    let pages = 0;
    expect(await readBacklog(database, 0, through, OTHER_SITE, () => ++pages > 1)).toBeNull();
  });

  it('loses nothing to a commit between pages: an overwritten change moves above the version read through', async () => {
    const { connection, database } = await databaseWith(3_000, 10);
    const through = database.dbVersion();
    let overwritten = false;
    const backlog = await readBacklog(database, 0, through, OTHER_SITE, () => {
      if (!overwritten) connection.exec("UPDATE items SET title = 'changed' WHERE id = 'v2999-0'");
      overwritten = true;
      return false;
    });
    const inBacklog = (backlog ?? []).filter((change) => change.val === 'changed');
    const afterwards = database.changesBetween(through, database.dbVersion(), OTHER_SITE).filter((change) => change.val === 'changed');
    // The new value is not in the backlog but right after it, where the first fan-out sends it.
    expect(inBacklog).toHaveLength(0);
    expect(afterwards).toHaveLength(1);
  });
});
