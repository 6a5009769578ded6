import { http, HttpResponse, type HttpHandler } from 'msw';
import { handleHttpRequest, type HttpAccessOptions } from '../engine/server/http-handler.ts';
import { corsHeadersFor } from '../engine/server/http-origin-policy.ts';
import type { MockSyncBackend } from './mock-sync-backend.ts';

/**
 * msw handlers that serve a sync server's HTTP routes (`/health`, `/:db/meta`,
 * `/:db/exec`, `/:db/reset`) under `baseUrl` from the backend's running core,
 * through the same `handleHttpRequest` the Node server uses: the mock answers
 * exactly what the real server would. Scripting routes are open by default,
 * as on a server started with `--allow-exec`.
 */
export function mockSyncHttpHandlers(
  backend: MockSyncBackend,
  baseUrl: string = backend.httpUrl,
  access: HttpAccessOptions = { allowExec: true },
): HttpHandler[] {
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  return [
    http.all(`${base.origin}${prefix}/*`, async ({ request }) => {
      const url = new URL(request.url);
      const result = await handleHttpRequest(
        backend.core,
        {
          method: request.method,
          path: url.pathname.slice(prefix.length),
          headers: Object.fromEntries(request.headers),
          body: await request.text(),
        },
        access,
      );
      // The mock serves only the page it runs in, so the asking origin is the one to
      // name (the real server names only the origins it was told to trust).
      const origin = request.headers.get('origin');
      return new HttpResponse(result.body === null ? null : JSON.stringify(result.body), {
        status: result.status,
        headers: { ...(origin === null ? {} : corsHeadersFor(origin)), ...result.headers },
      });
    }),
  ];
}
