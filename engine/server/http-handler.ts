import { GreenlightError, toGreenlightError } from '../errors.ts';
import { parseDatabaseName, type DatabaseName } from '../protocol/ids.ts';
import { PROTOCOL_VERSION, type SqlValue } from '../protocol/messages.ts';
import { SQLITE } from '../sqlite/sqlite-constants.ts';
import { sqliteCodeOf } from '../sqlite/storage-error.ts';
import { sqlValueFromJson, sqlValueToJson } from './http-sql-values.ts';
import type { SyncServerCore } from './sync-server-core.ts';

export interface HttpRequest {
  readonly method: string;
  /** The request target, e.g. `/books/meta?x=1`; the query string is ignored. */
  readonly path: string;
  /** Header names in any case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON-serializable, or null for an empty body. */
  readonly body: unknown;
}

export interface HttpAccessOptions {
  /** Open `/exec` and `/reset` to everyone (tests, local development). */
  readonly allowExec?: boolean;
  /** Open `/exec` and `/reset` to requests carrying `Authorization: Bearer <adminToken>`. */
  readonly adminToken?: string;
}

/** Larger `/exec` bodies are refused; scripting routes have no business sending more. */
export const MAX_HTTP_BODY_BYTES = 1024 * 1024;


// SQLite result codes that mean the statement itself was wrong, not the server.
const CALLER_SQLITE_CODES: ReadonlySet<number> = new Set([SQLITE.ERROR, SQLITE.CONSTRAINT, SQLITE.MISMATCH, SQLITE.RANGE, SQLITE.TOOBIG]);

/**
 * The HTTP routes of a sync server, free of any HTTP library so that the Node
 * adapter and the in-browser mocks (msw) serve the same behaviour:
 *   GET  /health      -> { ok, protocolVersion }
 *   GET  /:db/meta    -> { database, siteId, schemaName, schemaVersion, dbVersion }
 *   POST /:db/exec    { sql, params? } -> { rows, dbVersion }   (guarded)
 *   POST /:db/reset   -> the new meta                             (guarded)
 * Every error is `{ error: { kind, message } }`. CORS headers are the adapter's to
 * add (`http-origin-policy.ts`), since only it knows which origins it trusts.
 */
export async function handleHttpRequest(
  core: SyncServerCore,
  request: HttpRequest,
  access: HttpAccessOptions = {},
): Promise<HttpResponse> {
  try {
    return await route(core, request, access);
  } catch (error) {
    const failure = toGreenlightError(error, 'server');
    return errorResponse(statusFor(failure), failure);
  }
}

async function route(core: SyncServerCore, request: HttpRequest, access: HttpAccessOptions): Promise<HttpResponse> {
  const method = request.method.toUpperCase();
  if (method === 'OPTIONS') return { status: 204, headers: {}, body: null };
  const path = request.path.split('?', 1)[0] ?? '';
  if (path === '/health') {
    requireMethod(method, 'GET');
    return json(200, { ok: true, protocolVersion: PROTOCOL_VERSION });
  }
  const segments = path.split('/');
  const [leading, rawName, action] = segments;
  if (segments.length !== 3 || leading !== '' || rawName === undefined || action === undefined) {
    throw new HttpRouteError(404, `no route for ${method} ${path.slice(0, 200)}`);
  }
  switch (action) {
    case 'meta': {
      requireMethod(method, 'GET');
      const name = databaseNameFromPath(rawName);
      const meta = await core.meta(name);
      if (meta === null) throw new GreenlightError('unknown-database', 'server', `database ${name} does not exist`);
      return json(200, meta);
    }
    case 'exec': {
      requireMethod(method, 'POST');
      const name = databaseNameFromPath(rawName);
      requireAdmin(request, access);
      const { sql, params } = parseExecBody(request.body);
      const result = await core.exec(name, sql, params);
      return json(200, { rows: result.rows.map((row) => row.map(sqlValueToJson)), dbVersion: result.dbVersion });
    }
    case 'reset': {
      requireMethod(method, 'POST');
      const name = databaseNameFromPath(rawName);
      requireAdmin(request, access);
      return json(200, await core.reset(name));
    }
    default:
      throw new HttpRouteError(404, `no route for ${method} ${path.slice(0, 200)}`);
  }
}

function databaseNameFromPath(raw: string): DatabaseName {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch (error) {
    throw new GreenlightError('invalid-database-name', 'server', 'the database name is not valid percent-encoding', { cause: error });
  }
  return parseDatabaseName(decoded);
}

/** A request the routes refuse, with the HTTP status that says why. */
class HttpRouteError extends GreenlightError {
  readonly status: number;

  constructor(status: number, message: string, options: { cause?: unknown } = {}) {
    super('http', 'server', message, options);
    this.status = status;
  }
}

function requireMethod(method: string, allowed: string): void {
  if (method !== allowed) throw new HttpRouteError(405, `use ${allowed} for this route`);
}

function requireAdmin(request: HttpRequest, access: HttpAccessOptions): void {
  if (access.allowExec === true) return;
  if (hasAdminToken(request.headers, access)) return;
  throw new HttpRouteError(403, 'exec and reset need a server started with --allow-exec, or "Authorization: Bearer <admin token>"');
}

/** True when the request carries `Authorization: Bearer <adminToken>` and a token is configured. */
export function hasAdminToken(headers: HttpRequest['headers'], access: HttpAccessOptions): boolean {
  const token = access.adminToken;
  const header = headerValue(headers, 'authorization');
  return token !== undefined && token !== '' && header !== undefined && constantTimeEqual(header, `Bearer ${token}`);
}

export function headerValue(headers: HttpRequest['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

// Compares every character whatever the mismatch, so timing does not reveal the token.
function constantTimeEqual(a: string, b: string): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) difference |= (a.charCodeAt(i) || 0) ^ b.charCodeAt(i);
  return difference === 0;
}

function parseExecBody(body: string): { sql: string; params: SqlValue[] } {
  if (body.length > MAX_HTTP_BODY_BYTES) throw new HttpRouteError(400, `the body exceeds ${MAX_HTTP_BODY_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new HttpRouteError(400, 'the body is not valid JSON', { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { sql?: unknown }).sql !== 'string') {
    throw new HttpRouteError(400, 'the body must be { "sql": string, "params"?: array }');
  }
  const { sql, params } = parsed as { sql: string; params?: unknown };
  if (params !== undefined && !Array.isArray(params)) {
    throw new HttpRouteError(400, '"params" must be an array');
  }
  return { sql, params: (params ?? []).map((value: unknown, index: number) => sqlValueFromJson(value, index)) };
}

function statusFor(error: GreenlightError): number {
  if (error instanceof HttpRouteError) return error.status;
  switch (error.kind) {
    case 'invalid-database-name':
      return 400;
    case 'unknown-database':
      return 404;
    case 'http':
    case 'invalid-value':
      return 400;
    case 'storage': {
      const code = sqliteCodeOf(error);
      return code !== undefined && CALLER_SQLITE_CODES.has(code & 0xff) ? 400 : 500;
    }
    case 'closed':
      return 503;
    default:
      return 500;
  }
}

function json(status: number, body: unknown): HttpResponse {
  return { status, headers: { 'content-type': 'application/json' }, body };
}

function errorResponse(status: number, error: GreenlightError): HttpResponse {
  return json(status, { error: { kind: error.kind, message: error.message } });
}
