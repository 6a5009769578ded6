import { siteIdFromBytes, type SiteId } from '../protocol/ids.ts';
import type { Change, SqlValue } from '../protocol/messages.ts';
import { openMemoryDatabase } from '../sqlite/open-memory-database.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import type { ServerSchema } from '../server/server-schema.ts';

/** A small schema for the server, transport and mock tests. */
export const TEST_SCHEMA: ServerSchema = {
  name: 'test-shop',
  version: 3,
  sql: `
    CREATE TABLE items (id TEXT PRIMARY KEY NOT NULL, title TEXT, qty INTEGER);
    SELECT crsql_as_crr('items');
  `,
};

/**
 * A client-side cr-sqlite database in memory, standing in for a real client so
 * the server receives changes cr-sqlite actually produced.
 */
export class TestClientDatabase {
  readonly connection: SqliteConnection;
  readonly siteId: SiteId;

  private constructor(connection: SqliteConnection, siteId: SiteId) {
    this.connection = connection;
    this.siteId = siteId;
  }

  static async open(schema: ServerSchema = TEST_SCHEMA): Promise<TestClientDatabase> {
    const connection = await openMemoryDatabase();
    connection.exec(schema.sql);
    const site = connection.all('SELECT crsql_site_id()')[0]?.[0];
    if (!(site instanceof Uint8Array)) throw new Error('no site id');
    return new TestClientDatabase(connection, siteIdFromBytes(site));
  }

  /** Writes one item per id, in one transaction (one client db_version). */
  writeItems(items: readonly { id: string; title: string; qty: number }[]): void {
    this.connection.transaction(() => {
      for (const item of items) {
        this.connection.exec('INSERT OR REPLACE INTO items (id, title, qty) VALUES (?, ?, ?)', [item.id, item.title, item.qty]);
      }
    });
  }

  dbVersion(): number {
    return Number(this.connection.all('SELECT crsql_db_version()')[0]?.[0] ?? 0);
  }

  /** This client's own changes after `since`, as it would send them. */
  localChanges(since = 0): Change[] {
    return this.connection
      .all(
        `SELECT "table", pk, cid, val, col_version, db_version, site_id, cl, seq FROM crsql_changes
          WHERE db_version > ? AND site_id = crsql_site_id() ORDER BY db_version, seq`,
        [since],
      )
      .map(([table, pk, cid, val, colVersion, dbVersion, siteId, cl, seq]) => ({
        table: String(table),
        pk: pk as Uint8Array,
        cid: String(cid),
        val: val ?? null,
        colVersion: Number(colVersion),
        dbVersion: Number(dbVersion),
        siteId: siteId as Uint8Array,
        cl: Number(cl),
        seq: Number(seq),
      }));
  }

  items(): SqlValue[][] {
    return this.connection.all('SELECT id, title, qty FROM items ORDER BY id');
  }

  close(): void {
    this.connection.close();
  }
}
