import { fileURLToPath } from 'node:url';
import { isGreenlightError } from '../engine/errors.ts';
import { isLoopbackHost } from '../engine/server/loopback-host.ts';
import { loadSchemaFile, startSyncServer } from '../engine/server/node-sync-server.ts';
import { readAdminTokenFile } from './admin-token-file.ts';
import { CliUsageError, parseCliArgs, USAGE } from './cli-args.ts';

/** The greenlight-server command: `npx tsx server/cli.ts --help`. */
async function main(): Promise<void> {
  const command = parseCliArgs(process.argv.slice(2));
  if (command.kind === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const { options } = command;
  const adminToken = options.adminTokenFile === undefined ? options.adminToken : readAdminTokenFile(options.adminTokenFile);
  const schema = await loadSchemaFile(options.schemaPath ?? fileURLToPath(new URL('./schema.sql', import.meta.url)));
  const server = await startSyncServer({
    dataDir: options.dataDir,
    schema,
    port: options.port,
    host: options.host,
    allowExec: options.allowExec,
    allowCreate: options.allowCreate,
    ...options.limits,
    ...(adminToken === undefined ? {} : { adminToken }),
    corsOrigins: options.corsOrigins,
    ...(options.httpHeadersTimeoutMs === undefined ? {} : { httpHeadersTimeoutMs: options.httpHeadersTimeoutMs }),
    ...(options.httpBodyTimeoutMs === undefined ? {} : { httpBodyTimeoutMs: options.httpBodyTimeoutMs }),
    ...(options.maxBufferedBodyBytes === undefined ? {} : { maxBufferedBodyBytes: options.maxBufferedBodyBytes }),
    onError: (error) => console.error(`greenlight-server: ${error.kind}: ${error.message}`),
  });
  // Tests and scripts read the port from this line; keep its shape.
  const exposure = isLoopbackHost(options.host)
    ? 'loopback only (sync clients are not authenticated)'
    : 'WITHOUT authentication (--insecure-no-auth): anyone who reaches this address can read and write every database';
  console.log(`greenlight-server listening on ${server.httpUrl} (${server.wsUrl}), data in ${options.dataDir}; ${exposure}`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`greenlight-server: ${signal}, closing`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('greenlight-server: close failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  if (error instanceof CliUsageError) {
    console.error(`greenlight-server: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  console.error(`greenlight-server: ${isGreenlightError(error) ? `${error.kind}: ${error.message}` : String(error)}`);
  process.exit(1);
});
