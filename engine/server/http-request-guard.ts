import { hasAdminToken, headerValue, type HttpAccessOptions, type HttpRequest, type HttpResponse } from './http-handler.ts';
import { corsHeadersFor, type OriginPolicy } from './http-origin-policy.ts';

/** What the guard needs of a request: its head, never its body. */
export interface GuardedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: HttpRequest['headers'];
  /**
   * The peer is this machine and no proxy says it forwarded the request. A
   * reverse proxy on the same host connects from 127.0.0.1 too, so a request with
   * `Forwarded` or `X-Forwarded-For` is never treated as local.
   */
  readonly fromLoopback: boolean;
}

export type GuardOutcome =
  /** Refused: send this, then close the connection without reading the body. */
  | { readonly kind: 'refuse'; readonly response: HttpResponse }
  /** Allowed: add `headers` (CORS, if any) to the answer. */
  | { readonly kind: 'pass'; readonly headers: Readonly<Record<string, string>> };

/**
 * Decides from the request head alone whether a request may go on, so a refused
 * request costs no body bytes:
 *   - an `Origin` the policy calls foreign is refused on every route (403), which
 *     stops a cross-site `text/plain` POST that a browser sends without preflight;
 *   - a preflight (OPTIONS) is answered only for a listed origin;
 *   - `/exec` and `/reset` need `allowExec` or the admin token (403);
 *   - `/:db/meta` (site id, version, whether a database exists) needs a local
 *     client or the admin token (403), whether or not the database exists.
 */
export function guardHttpRequest(request: GuardedRequest, access: HttpAccessOptions, origins: OriginPolicy): GuardOutcome {
  const decision = origins.decide(headerValue(request.headers, 'origin'), headerValue(request.headers, 'host'));
  if (decision.kind === 'foreign') {
    return refuse(403, `the origin ${decision.origin} is not allowed; name it with --cors-origin to let its pages call this server`);
  }
  const cors = decision.kind === 'listed' ? corsHeadersFor(decision.origin) : {};
  const method = request.method.toUpperCase();
  if (method === 'OPTIONS') {
    return decision.kind === 'listed' ? { kind: 'refuse', response: { status: 204, headers: cors, body: null } } : refuse(403, 'CORS is answered only for origins named with --cors-origin');
  }
  const action = routeAction(request.path);
  if ((action === 'exec' || action === 'reset') && access.allowExec !== true && !hasAdminToken(request.headers, access)) {
    return refuse(403, 'exec and reset need a server started with --allow-exec, or "Authorization: Bearer <admin token>"', cors);
  }
  if (action === 'meta' && !isLocal(request) && !hasAdminToken(request.headers, access)) {
    return refuse(403, 'meta is answered to local clients and to "Authorization: Bearer <admin token>"', cors);
  }
  return { kind: 'pass', headers: cors };
}

function isLocal(request: GuardedRequest): boolean {
  if (!request.fromLoopback) return false;
  return headerValue(request.headers, 'forwarded') === undefined && headerValue(request.headers, 'x-forwarded-for') === undefined;
}

/** The last segment of `/:db/<action>`, or null for any other path. */
function routeAction(path: string): string | null {
  const segments = (path.split('?', 1)[0] ?? '').split('/');
  return segments.length === 3 && segments[0] === '' ? (segments[2] ?? null) : null;
}

function refuse(status: number, message: string, headers: Readonly<Record<string, string>> = {}): GuardOutcome {
  return { kind: 'refuse', response: { status, headers: { ...headers, 'content-type': 'application/json' }, body: { error: { kind: 'http', message } } } };
}
