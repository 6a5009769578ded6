import { GreenlightError } from '../errors.ts';
import { isLoopbackHost } from './loopback-host.ts';

/**
 * Which web pages may talk to the server. A browser puts the page's origin in the
 * `Origin` header of every cross-origin request and of every WebSocket upgrade, and
 * a page cannot forge it; programs (the CLI, tests, a Node client) send none.
 *   no-origin  not a browser page: allowed (their access is decided elsewhere)
 *   listed     an origin named in `corsOrigins`: allowed, and CORS headers name it
 *   same-host  the page is served from the host the request went to, and that host
 *              is a loopback name: allowed, no CORS headers (none are needed)
 *   foreign    anything else: refused before any body byte is read
 * Same-host counts only for loopback names because a DNS-rebinding page
 * (evil.example re-pointed at 127.0.0.1) also sends an Origin equal to its Host.
 */
export type OriginDecision =
  | { readonly kind: 'no-origin' }
  | { readonly kind: 'listed'; readonly origin: string }
  | { readonly kind: 'same-host' }
  | { readonly kind: 'foreign'; readonly origin: string };

export interface OriginPolicy {
  /** `origin` and `host` are the request's `Origin` and `Host` headers. */
  decide(origin: string | undefined, host: string | undefined): OriginDecision;
}

/**
 * Normalizes the origins a server may answer with CORS headers (`http://localhost:6006`).
 * Refuses `*`, `null` and anything with a path: an allow-list of everyone would
 * reopen the hole it closes.
 */
export function parseCorsOrigins(values: readonly string[]): string[] {
  const origins = new Set<string>();
  for (const value of values.flatMap((entry) => entry.split(','))) {
    const text = value.trim();
    if (text === '') continue;
    let url: URL | undefined;
    try {
      url = new URL(text);
    } catch {
      url = undefined;
    }
    const bare = url !== undefined && url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '';
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || !bare) {
      throw new GreenlightError('invalid-options', 'server', `a CORS origin is scheme://host[:port] with http or https, got ${JSON.stringify(text)}`);
    }
    origins.add(url.origin);
  }
  return [...origins];
}

export function createOriginPolicy(corsOrigins: readonly string[]): OriginPolicy {
  const listed = new Set(parseCorsOrigins(corsOrigins));
  return {
    decide(origin, host) {
      if (origin === undefined || origin === '') return { kind: 'no-origin' };
      const normalized = originOf(origin);
      if (normalized !== null && listed.has(normalized)) return { kind: 'listed', origin: normalized };
      if (normalized !== null && host !== undefined && isSameLoopbackHost(normalized, host)) return { kind: 'same-host' };
      return { kind: 'foreign', origin: origin.slice(0, 200) };
    },
  };
}

/** The CORS answer for an allowed origin: that origin only, never `*`. */
export function corsHeadersFor(origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': 'authorization, content-type',
    'access-control-max-age': '600',
    vary: 'Origin',
  };
}

function originOf(text: string): string | null {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}

function isSameLoopbackHost(origin: string, host: string): boolean {
  const url = new URL(origin);
  return url.host === host.trim().toLowerCase() && isLoopbackHost(url.hostname);
}
