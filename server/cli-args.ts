/** Parsing of the greenlight-server command line, kept apart from start-up so it can be tested. */

export interface CliOptions {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** Undefined: the demo schema beside the CLI. */
  readonly schemaPath: string | undefined;
  readonly allowExec: boolean;
  readonly adminToken: string | undefined;
  readonly allowCreate: boolean;
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
`;

/** A command line the server cannot run; the message says what to fix. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

const VALUE_FLAGS = new Set(['--port', '--host', '--dir', '--schema', '--admin-token']);

export function parseCliArgs(args: readonly string[]): CliCommand {
  let port = DEFAULT_PORT;
  let host = DEFAULT_HOST;
  let dataDir = DEFAULT_DATA_DIR;
  let schemaPath: string | undefined;
  let allowExec = false;
  let adminToken: string | undefined;
  let allowCreate = true;

  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const equals = arg.indexOf('=');
    const flag = arg.startsWith('--') && equals > 0 ? arg.slice(0, equals) : arg;
    let value: string | undefined;
    if (VALUE_FLAGS.has(flag)) {
      value = equals > 0 && flag !== arg ? arg.slice(equals + 1) : args[++i];
      if (value === undefined || value === '') throw new CliUsageError(`${flag} needs a value`);
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
  return { kind: 'serve', options: { port, host, dataDir, schemaPath, allowExec, adminToken, allowCreate } };
}

function parsePort(value: string): number {
  const port = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port > 65535) throw new CliUsageError(`--port must be 0 to 65535, got ${JSON.stringify(value)}`);
  return port;
}
