import type { CreateWebSocket } from '../client/websocket-like.ts';
import type { ServerDatabaseMeta } from '../server/server-database.ts';
import type { ServerSchema } from '../server/server-schema.ts';

/** What every server under contract is started with. */
export interface ContractServerOptions {
  readonly schema: ServerSchema;
  readonly heartbeatIntervalMs: number;
}

/** A JSON-safe SQL parameter, as the `/exec` route takes it. */
export type ContractSqlParam = string | number | null;

/** The `/exec` answer: rows as JSON values, and the version after the commit. */
export interface ContractExecResult {
  readonly rows: readonly (readonly unknown[])[];
  readonly dbVersion: number;
}

/**
 * One running server and the means to talk to it, from the contract's side:
 * its WebSocket endpoint, a socket factory for that transport, and the
 * server-side scripting routes.
 */
export interface TransportEnvironment {
  /** The WebSocket endpoint. */
  readonly url: string;
  readonly createWebSocket: CreateWebSocket;
  exec(database: string, sql: string, params?: readonly ContractSqlParam[]): Promise<ContractExecResult>;
  meta(database: string): Promise<ServerDatabaseMeta>;
  /** Re-creates the database with a new identity. */
  reset(database: string): Promise<ServerDatabaseMeta>;
  close(): Promise<void>;
}

export type MakeTransportEnvironment = (options: ContractServerOptions) => Promise<TransportEnvironment>;
