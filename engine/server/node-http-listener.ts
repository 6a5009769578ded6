import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { handleHttpRequest, type HttpAccessOptions, type HttpResponse } from './http-handler.ts';
import type { OriginPolicy } from './http-origin-policy.ts';
import { guardHttpRequest } from './http-request-guard.ts';
import { isLoopbackHost } from './loopback-host.ts';
import { readBoundedBody, type BodyLimits } from './node-http-body.ts';
import type { SyncServerCore } from './sync-server-core.ts';

// The most a refused connection may live on after its answer.
const CLOSE_LINGER_MS = 250;

export interface HttpListenerSettings {
  readonly access: HttpAccessOptions;
  readonly origins: OriginPolicy;
  readonly body: BodyLimits;
}

/**
 * The `node:http` request listener for the routes of `handleHttpRequest`. The
 * request head is checked first (`guardHttpRequest`); only a request that passes
 * has its body read, within `settings.body`. A request refused with a body still
 * on the wire is answered with `Connection: close` and its socket destroyed once
 * the answer is out, so the rest of that body is never read.
 */
export function createHttpListener(core: SyncServerCore, settings: HttpListenerSettings): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    void serve(core, settings, request, response);
  };
}

async function serve(core: SyncServerCore, settings: HttpListenerSettings, request: IncomingMessage, response: ServerResponse): Promise<void> {
  // Captured now: by the time the response has finished, `response.socket` is null.
  const socket = request.socket;
  const method = request.method ?? 'GET';
  const path = request.url ?? '/';
  const headers = flatHeaders(request);
  const guard = guardHttpRequest({ method, path, headers, fromLoopback: isLoopbackHost(socket.remoteAddress ?? '') }, settings.access, settings.origins);
  if (guard.kind === 'refuse') {
    send(response, socket, guard.response, hasBody(request));
    return;
  }
  if (method.toUpperCase() !== 'POST') {
    // No other route takes a body; one sent anyway is not read.
    send(response, socket, withHeaders(await handleHttpRequest(core, { method, path, headers, body: '' }, settings.access), guard.headers), hasBody(request));
    return;
  }
  const body = await readBoundedBody(request, settings.body);
  switch (body.kind) {
    case 'read': {
      try {
        const result = await handleHttpRequest(core, { method, path, headers, body: body.text }, settings.access);
        send(response, socket, withHeaders(result, guard.headers), false);
      } finally {
        body.release();
      }
      return;
    }
    case 'too-large':
      send(response, socket, failure(413, `the body exceeds ${settings.body.maxBytes} bytes`, guard.headers), true);
      return;
    case 'busy':
      send(response, socket, failure(503, 'the server is holding as many request bodies as it may; retry later', guard.headers), true);
      return;
    case 'timeout':
      send(response, socket, failure(408, `the body did not arrive within ${settings.body.timeoutMs} ms`, guard.headers), true);
      return;
    case 'aborted':
      socket.destroy();
      return;
  }
}

function hasBody(request: IncomingMessage): boolean {
  if (request.complete) return false;
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function send(response: ServerResponse, socket: Socket, result: HttpResponse, close: boolean): void {
  if (socket.destroyed) return;
  const text = result.body === null ? '' : JSON.stringify(result.body);
  response.writeHead(result.status, {
    ...result.headers,
    'content-length': Buffer.byteLength(text),
    ...(close ? { connection: 'close' } : {}),
  });
  response.end(text);
  if (close) response.once('finish', () => closeAfterAnswer(socket));
}

/**
 * Ends the connection of a refused request whose body may still be arriving.
 * With `Connection: close`, Node itself destroys the socket once the answer has
 * left its write queue. Destroying it on the response's 'finish' instead, as this
 * server once did (through `response.socket`, already null by then), can drop the
 * answer still queued, and the client sees a reset instead of its 413. End it
 * here too, and destroy it after CLOSE_LINGER_MS whatever happens, so no path
 * leaves it reading the rest of the body.
 */
function closeAfterAnswer(socket: Socket): void {
  socket.end();
  const timer = setTimeout(() => socket.destroy(), CLOSE_LINGER_MS);
  socket.once('close', () => clearTimeout(timer));
}

function withHeaders(result: HttpResponse, headers: Readonly<Record<string, string>>): HttpResponse {
  return { ...result, headers: { ...headers, ...result.headers } };
}

function failure(status: number, message: string, headers: Readonly<Record<string, string>>): HttpResponse {
  return { status, headers: { ...headers, 'content-type': 'application/json' }, body: { error: { kind: 'http', message } } };
}

function flatHeaders(request: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
