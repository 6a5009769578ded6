import { fromSqliteConnection } from '../engine/client/adapters/from-sqlite-connection.ts';
import { createSyncClient, type SyncClient } from '../engine/client/sync-client.ts';
import type { SyncTimingOptions } from '../engine/client/sync-events.ts';
import type { ServerSchema } from '../engine/server/server-schema.ts';
import { openMemoryDatabase } from '../engine/sqlite/open-memory-database.ts';
import type { SqliteConnection } from '../engine/sqlite/sqlite-connection.ts';
import type { MockSyncBackend } from './mock-sync-backend.ts';

export interface InMemorySyncClientOptions {
  readonly database: string;
  /** The schema the local database is created with; default the backend's current one. */
  readonly schema?: ServerSchema;
  readonly timing?: Partial<SyncTimingOptions>;
}

/** A real sync client on a local in-memory database, connected to a mock backend. */
export interface InMemorySyncClient {
  readonly client: SyncClient;
  /** The local database, as the host app holds it; Nuke and Resync replaces it. */
  readonly connection: SqliteConnection;
  /** Stops the client and closes its database. */
  close(): Promise<void>;
}

/**
 * What a story or browser test needs to watch a live client against the mock:
 * the local database is created with the schema, like a host app's, and can be
 * nuked and re-created.
 */
export async function createInMemorySyncClient(backend: MockSyncBackend, options: InMemorySyncClientOptions): Promise<InMemorySyncClient> {
  const schema = options.schema ?? backend.schema;
  const openLocal = async (): Promise<SqliteConnection> => {
    const connection = await openMemoryDatabase();
    connection.exec(schema.sql);
    return connection;
  };
  let connection = await openLocal();
  const client = createSyncClient({
    db: fromSqliteConnection(connection),
    url: backend.url,
    database: options.database,
    schema: { name: schema.name, version: schema.version },
    createWebSocket: backend.createWebSocket,
    ...(options.timing === undefined ? {} : { timing: options.timing }),
    resetDatabase: async () => {
      connection.close();
      connection = await openLocal();
      return fromSqliteConnection(connection);
    },
  });
  return {
    client,
    get connection() {
      return connection;
    },
    close: async () => {
      await client.stop();
      connection.close();
    },
  };
}
