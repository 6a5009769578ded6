/** Parsing of the greenlight-server command line, kept apart from start-up so it can be tested. */

import { isGreenlightError } from '../engine/errors.ts';
import { parseCorsOrigins } from '../engine/server/http-origin-policy.ts';
import { HTTP_BOUNDS_DEFAULTS, MIN_ADMIN_TOKEN_BYTES } from '../engine/server/http-security-options.ts';
import { isLoopbackHost } from '../engine/server/loopback-host.ts';
import { NODE_SERVER_DEFAULTS } from '../engine/server/node-sync-server.ts';
import { SERVER_CORE_DEFAULTS } from '../engine/server/sync-server-core.ts';

/** What a stranger can make the server spend on sync connections, each with a default (see "Limits" in server/README.md). */
export interface CliLimits {
  readonly maxDatabases: number;
  readonly idleDatabaseCloseMs: number;
  readonly handshakeTimeoutMs: number;
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
  /** Read by the CLI at start (`admin-token-file.ts`); preferred to `adminToken`, which shows in `ps`. */
  readonly adminTokenFile: string | undefined;
  readonly allowCreate: boolean;
  readonly limits: CliLimits;
  readonly corsOrigins: readonly string[];
  /** Listen on a non-loopback address although no client authentication exists. */
  readonly insecureNoAuth: boolean;
  /** Undefined: the server's defaults (`HTTP_BOUNDS_DEFAULTS`). */
  readonly httpHeadersTimeoutMs: number | undefined;
  readonly httpBodyTimeoutMs: number | undefined;
  readonly maxBufferedBodyBytes: number | undefined;
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
  --no-create          refuse databases that do not exist yet
  --help               show this help

Limits (see "Limits" in server/README.md):
  --max-databases <n>                most databases in the folder (default ${SERVER_CORE_DEFAULTS.maxDatabases})
  --idle-database-close-ms <ms>      close a database unused this long (default ${SERVER_CORE_DEFAULTS.idleDatabaseCloseMs})
  --handshake-timeout-ms <ms>        close a connection with no hello after this (default ${SERVER_CORE_DEFAULTS.handshakeTimeoutMs})
  --max-connections <n>              WebSocket connections in all (default ${NODE_SERVER_DEFAULTS.maxConnections})
  --max-connections-per-address <n>  WebSocket connections per remote address (default ${NODE_SERVER_DEFAULTS.maxConnectionsPerAddress})

Security (see server/README.md, "Security"):
  --admin-token-file <file>  open /exec, /reset and /meta to "Authorization: Bearer <token>",
                       the token being the file's content (at least ${MIN_ADMIN_TOKEN_BYTES} bytes)
  --admin-token <t>    the same with the token on the command line (visible to ps; prefer the file)
  --allow-exec         open /exec and /reset to everyone; only on a loopback --host (development)
  --cors-origin <o>    let web pages from origin <o> (e.g. http://localhost:6006) call the server;
                       repeat it or give a comma list (default: none)
  --insecure-no-auth   listen on a non-loopback --host although sync clients are not authenticated
  --http-headers-timeout-ms <n>  time for a request's or upgrade's headers (default ${HTTP_BOUNDS_DEFAULTS.httpHeadersTimeoutMs})
  --http-body-timeout-ms <n>     time for a request's body (default ${HTTP_BOUNDS_DEFAULTS.httpBodyTimeoutMs})
  --max-buffered-body-bytes <n>  request-body bytes held across all connections (default ${HTTP_BOUNDS_DEFAULTS.maxBufferedBodyBytes})
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
  '--max-connections': { field: 'maxConnections', min: 1 },
  '--max-connections-per-address': { field: 'maxConnectionsPerAddress', min: 1 },
} as const satisfies Record<string, { field: keyof CliLimits; min: number }>;

export const DEFAULT_LIMITS: CliLimits = {
  maxDatabases: SERVER_CORE_DEFAULTS.maxDatabases,
  idleDatabaseCloseMs: SERVER_CORE_DEFAULTS.idleDatabaseCloseMs,
  handshakeTimeoutMs: SERVER_CORE_DEFAULTS.handshakeTimeoutMs,
  maxConnections: NODE_SERVER_DEFAULTS.maxConnections,
  maxConnectionsPerAddress: NODE_SERVER_DEFAULTS.maxConnectionsPerAddress,
};

const VALUE_FLAGS = new Set([
  '--port',
  '--host',
  '--dir',
  '--schema',
  '--admin-token',
  '--admin-token-file',
  '--cors-origin',
  '--http-headers-timeout-ms',
  '--http-body-timeout-ms',
  '--max-buffered-body-bytes',
  ...Object.keys(LIMIT_FLAGS),
]);

export function parseCliArgs(args: readonly string[]): CliCommand {
  let port = DEFAULT_PORT;
  let host = DEFAULT_HOST;
  let dataDir = DEFAULT_DATA_DIR;
  let schemaPath: string | undefined;
  let allowExec = false;
  let adminToken: string | undefined;
  let adminTokenFile: string | undefined;
  let allowCreate = true;
  const limits: { -readonly [K in keyof CliLimits]: number } = { ...DEFAULT_LIMITS };
  const corsOrigins: string[] = [];
  let insecureNoAuth = false;
  let httpHeadersTimeoutMs: number | undefined;
  let httpBodyTimeoutMs: number | undefined;
  let maxBufferedBodyBytes: number | undefined;

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
      case '--admin-token-file':
        adminTokenFile = value;
        break;
      case '--allow-exec':
        allowExec = true;
        break;
      case '--cors-origin':
        corsOrigins.push(...parseOrigins(value ?? ''));
        break;
      case '--insecure-no-auth':
        insecureNoAuth = true;
        break;
      case '--http-headers-timeout-ms':
        httpHeadersTimeoutMs = parseCount(flag, value ?? '', 1);
        break;
      case '--http-body-timeout-ms':
        httpBodyTimeoutMs = parseCount(flag, value ?? '', 1);
        break;
      case '--max-buffered-body-bytes':
        maxBufferedBodyBytes = parseCount(flag, value ?? '', 1);
        break;
      case '--no-create':
        allowCreate = false;
        break;
      default:
        throw new CliUsageError(`unknown option ${JSON.stringify(arg)}`);
    }
  }
  const options: CliOptions = {
    port,
    host,
    dataDir,
    schemaPath,
    allowExec,
    adminToken,
    adminTokenFile,
    allowCreate,
    limits,
    corsOrigins,
    insecureNoAuth,
    httpHeadersTimeoutMs,
    httpBodyTimeoutMs,
    maxBufferedBodyBytes,
  };
  validateCliOptions(options);
  return { kind: 'serve', options };
}

function parseCount(flag: string, value: string, min: number): number {
  const count = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(count) || count < min) throw new CliUsageError(`${flag} must be a whole number >= ${min}, got ${JSON.stringify(value)}`);
  return count;
}

/**
 * Refuses the combinations that would open the server to strangers. No option
 * authenticates sync clients yet, so any address off this machine needs the
 * explicit --insecure-no-auth: an admin token guards the HTTP routes, not /sync.
 */
export function validateCliOptions(options: CliOptions): void {
  const loopback = isLoopbackHost(options.host);
  if (options.allowExec && !loopback) {
    throw new CliUsageError(
      `--allow-exec lets anyone who reaches the port run SQL, so it is accepted only on a loopback --host (127.0.0.1, ::1, localhost), not ${options.host}; use --admin-token-file instead`,
    );
  }
  if (!loopback && !options.insecureNoAuth) {
    throw new CliUsageError(
      `--host ${options.host} is not a loopback address, and sync clients are not authenticated: anyone who reaches it could read and write every database. ` +
        'Listen on 127.0.0.1 behind a reverse proxy you secure, or pass --insecure-no-auth if that is really what you want',
    );
  }
  if (options.adminToken !== undefined && options.adminTokenFile !== undefined) {
    throw new CliUsageError('give --admin-token-file or --admin-token, not both');
  }
  if (options.adminToken !== undefined && new TextEncoder().encode(options.adminToken).length < MIN_ADMIN_TOKEN_BYTES) {
    throw new CliUsageError(`--admin-token must be at least ${MIN_ADMIN_TOKEN_BYTES} bytes long`);
  }
}

function parseOrigins(value: string): string[] {
  try {
    return parseCorsOrigins([value]);
  } catch (error) {
    throw new CliUsageError(`--cors-origin: ${isGreenlightError(error) ? error.message : String(error)}`);
  }
}


function parsePort(value: string): number {
  const port = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port > 65535) throw new CliUsageError(`--port must be 0 to 65535, got ${JSON.stringify(value)}`);
  return port;
}
