/** Parsing of the greenlight-server command line, kept apart from start-up so it can be tested. */

import { NODE_SERVER_DEFAULTS } from '../engine/server/node-sync-server.ts';
import { SERVER_CORE_DEFAULTS } from '../engine/server/sync-server-core.ts';

/** What a stranger can make the server spend, each with a default (see "Limits" in server/README.md). */
export interface CliLimits {
  readonly maxDatabases: number;
  readonly idleDatabaseCloseMs: number;
  readonly handshakeTimeoutMs: number;
  readonly httpHeadersTimeoutMs: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
}

export interface CliOptions {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** Undefined: the demo schema beside the CLI. */
  readonly schemaPath: string | undefined;
  readonly allowExec: boolean;
  readonly adminToken: string | undefined;
  readonly allowCreate: boolean;
  readonly limits: CliLimits;
}

export type CliCommand = { readonly kind: 'help' } | { readonly kind: 'serve'; readonly options: CliOptions };

export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DATA_DIR = './data';

export const USAGE = `Usage: greenlight-server [options]

Serves a folder of cr-sqlite databases to Greenlight sync clients.

Options:
  --port <n>           port to listen on; 0 picks a free one (default ${DEFAULT_PORT})
  --host <address>     address to listen on (default ${DEFAULT_HOST})
  --dir <folder>       folder holding one <name>.sqlite3 per database (default ${DEFAULT_DATA_DIR})
  --schema <file.sql>  schema for new databases; its first line is
                       "-- greenlight-schema: <name> <version>" (default server/schema.sql)
  --allow-exec         open POST /:db/exec and /:db/reset to everyone (tests, development)
  --admin-token <t>    open them to "Authorization: Bearer <t>"
  --no-create          refuse databases that do not exist yet
  --help               show this help

Limits (see "Limits" in server/README.md):
  --max-databases <n>                most databases in the folder (default ${SERVER_CORE_DEFAULTS.maxDatabases})
  --idle-database-close-ms <ms>      close a database unused this long (default ${SERVER_CORE_DEFAULTS.idleDatabaseCloseMs})
  --handshake-timeout-ms <ms>        close a connection with no hello after this (default ${SERVER_CORE_DEFAULTS.handshakeTimeoutMs})
  --http-headers-timeout-ms <ms>     close a request whose headers take longer (default ${NODE_SERVER_DEFAULTS.httpHeadersTimeoutMs})
  --max-connections <n>              WebSocket connections in all (default ${NODE_SERVER_DEFAULTS.maxConnections})
  --max-connections-per-address <n>  WebSocket connections per remote address (default ${NODE_SERVER_DEFAULTS.maxConnectionsPerAddress})
`;

/** A command line the server cannot run; the message says what to fix. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

// Each limit flag and the CliLimits field it sets; 0 is refused except for --max-databases.
const LIMIT_FLAGS = {
  '--max-databases': { field: 'maxDatabases', min: 0 },
  '--idle-database-close-ms': { field: 'idleDatabaseCloseMs', min: 1 },
  '--handshake-timeout-ms': { field: 'handshakeTimeoutMs', min: 1 },
  '--http-headers-timeout-ms': { field: 'httpHeadersTimeoutMs', min: 1 },
  '--max-connections': { field: 'maxConnections', min: 1 },
  '--max-connections-per-address': { field: 'maxConnectionsPerAddress', min: 1 },
} as const satisfies Record<string, { field: keyof CliLimits; min: number }>;

export const DEFAULT_LIMITS: CliLimits = {
  maxDatabases: SERVER_CORE_DEFAULTS.maxDatabases,
  idleDatabaseCloseMs: SERVER_CORE_DEFAULTS.idleDatabaseCloseMs,
  handshakeTimeoutMs: SERVER_CORE_DEFAULTS.handshakeTimeoutMs,
  httpHeadersTimeoutMs: NODE_SERVER_DEFAULTS.httpHeadersTimeoutMs,
  maxConnections: NODE_SERVER_DEFAULTS.maxConnections,
  maxConnectionsPerAddress: NODE_SERVER_DEFAULTS.maxConnectionsPerAddress,
};

const VALUE_FLAGS = new Set(['--port', '--host', '--dir', '--schema', '--admin-token', ...Object.keys(LIMIT_FLAGS)]);

export function parseCliArgs(args: readonly string[]): CliCommand {
  let port = DEFAULT_PORT;
  let host = DEFAULT_HOST;
  let dataDir = DEFAULT_DATA_DIR;
  let schemaPath: string | undefined;
  let allowExec = false;
  let adminToken: string | undefined;
  let allowCreate = true;
  const limits: { -readonly [K in keyof CliLimits]: number } = { ...DEFAULT_LIMITS };

  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const equals = arg.indexOf('=');
    const flag = arg.startsWith('--') && equals > 0 ? arg.slice(0, equals) : arg;
    let value: string | undefined;
    if (VALUE_FLAGS.has(flag)) {
      value = equals > 0 && flag !== arg ? arg.slice(equals + 1) : args[++i];
      if (value === undefined || value === '') throw new CliUsageError(`${flag} needs a value`);
    }
    if (Object.hasOwn(LIMIT_FLAGS, flag)) {
      const { field, min } = LIMIT_FLAGS[flag as keyof typeof LIMIT_FLAGS];
      limits[field] = parseCount(flag, value ?? '', min);
      continue;
    }
    switch (flag) {
      case '--help':
      case '-h':
        return { kind: 'help' };
      case '--port':
        port = parsePort(value ?? '');
        break;
      case '--host':
        host = value ?? host;
        break;
      case '--dir':
        dataDir = value ?? dataDir;
        break;
      case '--schema':
        schemaPath = value;
        break;
      case '--admin-token':
        adminToken = value;
        break;
      case '--allow-exec':
        allowExec = true;
        break;
      case '--no-create':
        allowCreate = false;
        break;
      default:
        throw new CliUsageError(`unknown option ${JSON.stringify(arg)}`);
    }
  }
  return { kind: 'serve', options: { port, host, dataDir, schemaPath, allowExec, adminToken, allowCreate, limits } };
}

function parseCount(flag: string, value: string, min: number): number {
  const count = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(count) || count < min) throw new CliUsageError(`${flag} must be a whole number >= ${min}, got ${JSON.stringify(value)}`);
  return count;
}

function parsePort(value: string): number {
  const port = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port > 65535) throw new CliUsageError(`--port must be 0 to 65535, got ${JSON.stringify(value)}`);
  return port;
}
