import type { ServerDatabaseMeta } from '../server/server-database.ts';
import type { ContractExecResult, ContractSqlParam, TransportEnvironment } from './transport-environment.ts';

/**
 * A server's scripting routes (`/:db/exec`, `/:db/meta`, `/:db/reset`) over
 * fetch: on Node against the real HTTP server, in the browser against msw.
 */
export function httpAdmin(httpUrl: string): Pick<TransportEnvironment, 'exec' | 'meta' | 'reset'> {
  const route = (database: string, action: string): string => `${httpUrl}/${encodeURIComponent(database)}/${action}`;
  return {
    exec: (database, sql, params: readonly ContractSqlParam[] = []) =>
      request<ContractExecResult>(route(database, 'exec'), { method: 'POST', body: JSON.stringify({ sql, params }) }),
    meta: (database) => request<ServerDatabaseMeta>(route(database, 'meta'), { method: 'GET' }),
    reset: (database) => request<ServerDatabaseMeta>(route(database, 'reset'), { method: 'POST' }),
  };
}

async function request<T>(url: string, init: RequestInit): Promise<T> {
  const response = await fetch(url, { ...init, headers: { 'content-type': 'application/json' } });
  const body: unknown = await response.json();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url} answered ${response.status}: ${JSON.stringify(body)}`);
  return body as T;
}
