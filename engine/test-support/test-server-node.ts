import { startSyncServer, type RunningSyncServer, type SyncServerOptions } from '../server/node-sync-server.ts';
import { TEST_SCHEMA } from './test-client-database.ts';

/** Starts a server on 127.0.0.1, an ephemeral port and `dataDir`, with the test schema. */
export function startTestServer(dataDir: string, options: Partial<SyncServerOptions> = {}): Promise<RunningSyncServer> {
  return startSyncServer({ dataDir, schema: TEST_SCHEMA, port: 0, host: '127.0.0.1', ...options });
}

export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

export async function requestJson(
  server: RunningSyncServer,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; token?: string } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${server.httpUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : (JSON.parse(text) as unknown), headers: response.headers };
}

/** Runs SQL through `/exec` on a server started with `allowExec`, failing on any error. */
export async function execSql(server: RunningSyncServer, database: string, sql: string, params: unknown[] = []): Promise<{ rows: unknown[][]; dbVersion: number }> {
  const response = await requestJson(server, 'POST', `/${database}/exec`, { body: { sql, params } });
  if (response.status !== 200) throw new Error(`exec failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as { rows: unknown[][]; dbVersion: number };
}
