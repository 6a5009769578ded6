import { fromSqliteConnection } from '../../engine/client/adapters/from-sqlite-connection.ts';
import { createSyncClient, type SyncClient } from '../../engine/client/sync-client.ts';
import type { SyncTimingOptions } from '../../engine/client/sync-events.ts';
import type { CreateWebSocket } from '../../engine/client/websocket-like.ts';
import type { ServerSchema } from '../../engine/server/server-schema.ts';
import { openMemoryDatabase } from '../../engine/sqlite/open-memory-database.ts';
import type { SqliteConnection } from '../../engine/sqlite/sqlite-connection.ts';
import { freezableSyncClient, type FreezableSyncClient } from './freezable-sync-client.ts';
import { registerLiveView } from './live-scenario-freezer.ts';
import { SCENARIO_TIMING } from './scenario-timing.ts';
import { switchableOnlineSignal, type SwitchableOnlineSignal } from './switchable-online-signal.ts';

export interface ScenarioClientOptions {
  readonly url: string;
  /** The mock backend's factory, or the page's own WebSocket for the real server. */
  readonly createWebSocket: CreateWebSocket;
  readonly database: string;
  /** The schema the local database is created with and announces in its handshake. */
  readonly schema: ServerSchema;
  readonly timing?: Partial<SyncTimingOptions>;
}

/**
 * A live client as a scenario story holds it: a real sync client on an in-memory
 * cr-sqlite database that the story owns (and Nuke and Resync re-creates), with a
 * device network the story can switch off. Like mocks' `createInMemorySyncClient`,
 * plus the network switch and a WebSocket of the story's choosing (a paced link,
 * or the real server).
 */
export interface ScenarioClient {
  readonly client: SyncClient;
  /** What the scenario's views read: the client, frozen by the test run before its screenshot. */
  readonly view: FreezableSyncClient;
  /** The local database now; Nuke and Resync replaces it. */
  readonly connection: SqliteConnection;
  readonly network: SwitchableOnlineSignal;
  /** Stops the client and closes its database. */
  close(): Promise<void>;
}

export async function openScenarioClient(options: ScenarioClientOptions): Promise<ScenarioClient> {
  const openLocal = async (): Promise<SqliteConnection> => {
    const opened = await openMemoryDatabase();
    opened.exec(options.schema.sql);
    return opened;
  };
  let connection = await openLocal();
  const network = switchableOnlineSignal();
  const client = createSyncClient({
    db: fromSqliteConnection(connection),
    url: options.url,
    database: options.database,
    schema: { name: options.schema.name, version: options.schema.version },
    createWebSocket: options.createWebSocket,
    timing: { ...SCENARIO_TIMING, ...options.timing },
    onlineSignal: network,
    resetDatabase: async () => {
      connection.close();
      connection = await openLocal();
      return fromSqliteConnection(connection);
    },
  });
  const view = freezableSyncClient(client);
  const unregister = registerLiveView(view);
  return {
    client,
    view,
    get connection() {
      return connection;
    },
    network,
    close: async () => {
      unregister();
      await client.stop();
      connection.close();
    },
  };
}
