import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SITE_SECRET_BYTES } from '../protocol/messages.ts';
import { openMemoryDatabase } from '../sqlite/open-memory-database.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import { fromSqliteConnection } from './adapters/from-sqlite-connection.ts';
import { clearSyncMetadata, ensureSyncMetadata, readSyncMetadata } from './sync-metadata.ts';

/** greenlight_sync_meta as protocol 1 clients created it, before site secrets. */
const PROTOCOL_1_METADATA = `
CREATE TABLE greenlight_sync_meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  server_site_id TEXT,
  server_cursor INTEGER NOT NULL DEFAULT 0,
  acked_local_version INTEGER NOT NULL DEFAULT 0,
  counted_local_version INTEGER NOT NULL DEFAULT 0,
  pending_changes INTEGER NOT NULL DEFAULT 0,
  pending_rows INTEGER NOT NULL DEFAULT 0
);
INSERT INTO greenlight_sync_meta (id, server_site_id, server_cursor, acked_local_version) VALUES (1, '5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e', 7, 3);
`;

let connection: SqliteConnection;

beforeEach(async () => {
  connection = await openMemoryDatabase();
  connection.exec("CREATE TABLE items (id INTEGER PRIMARY KEY NOT NULL, title TEXT); SELECT crsql_as_crr('items');");
});

afterEach(() => connection.close());

async function secret(): Promise<Uint8Array> {
  const db = fromSqliteConnection(connection);
  return (await db.transaction((tx) => readSyncMetadata(tx))).siteSecret;
}

describe('the site secret in the sync metadata', () => {
  it('is made once, random, and kept across attaches', async () => {
    const db = fromSqliteConnection(connection);
    await ensureSyncMetadata(db);
    const first = await secret();
    expect(first).toHaveLength(SITE_SECRET_BYTES);
    expect(first.some((byte) => byte !== 0)).toBe(true);
    await ensureSyncMetadata(db);
    expect(await secret()).toEqual(first);
  });

  it('is added to metadata written before secrets existed, keeping the cursors', async () => {
    connection.exec(PROTOCOL_1_METADATA);
    const db = fromSqliteConnection(connection);
    await ensureSyncMetadata(db);
    expect(await secret()).toHaveLength(SITE_SECRET_BYTES);
    const meta = await db.transaction((tx) => readSyncMetadata(tx));
    expect(meta).toMatchObject({ serverSiteId: '5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e', serverCursor: 7, ackedLocalVersion: 3 });
  });

  it('is made anew when the database’s site id is not the one it was made for, and by Nuke and Resync', async () => {
    const db = fromSqliteConnection(connection);
    await ensureSyncMetadata(db);
    const first = await secret();
    connection.exec("UPDATE greenlight_sync_meta SET secret_site_id = '00000000000000000000000000000000'");
    await ensureSyncMetadata(db);
    const second = await secret();
    expect(second).not.toEqual(first);
    await db.transaction((tx) => clearSyncMetadata(tx));
    expect(await secret()).not.toEqual(second);
  });
});
