import { WebSocket } from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSyncServer, SyncServerOptions } from './node-sync-server.ts';
import { rawHttpExchange } from '../test-support/raw-http.ts';
import { makeDataDir, removeDataDir } from '../test-support/temp-folder.ts';
import { execSql, startTestServer } from '../test-support/test-server-node.ts';

const DB = 'shop';
const ADMIN_TOKEN = 'a-test-admin-token-of-forty-bytes-long!!';
const STORYBOOK = 'http://localhost:6006';
const EVIL = 'https://evil.example';
const MIB = 1024 * 1024;

describe('HTTP security of the Node server', () => {
  let dataDir: string;
  let server: RunningSyncServer | undefined;

  beforeEach(() => {
    dataDir = makeDataDir();
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    removeDataDir(dataDir);
  });

  async function start(options: Partial<SyncServerOptions> = {}): Promise<RunningSyncServer> {
    server = await startTestServer(dataDir, { allowExec: true, ...options });
    return server;
  }

  async function itemCount(running: RunningSyncServer): Promise<unknown> {
    return (await execSql(running, DB, 'SELECT count(*) FROM items')).rows[0]?.[0];
  }

  describe('origins', () => {
    it('refuses a cross-site text/plain POST to /exec (no preflight) and runs nothing', async () => {
      const running = await start({ corsOrigins: [STORYBOOK] });
      await execSql(running, DB, 'SELECT 1');
      const attack = await fetch(`${running.httpUrl}/${DB}/exec`, {
        method: 'POST',
        headers: { origin: EVIL, 'content-type': 'text/plain' },
        body: JSON.stringify({ sql: "INSERT INTO items (id, title, qty) VALUES ('pwned', 'x', 1)" }),
      });
      expect(attack.status).toBe(403);
      expect(attack.headers.get('access-control-allow-origin')).toBeNull();
      expect(await itemCount(running)).toBe(0);
      const reset = await fetch(`${running.httpUrl}/${DB}/reset`, { method: 'POST', headers: { origin: EVIL, 'content-type': 'text/plain' } });
      expect(reset.status).toBe(403);
    });

    it('answers an allowed origin with exactly that origin and Vary, and never with *', async () => {
      const running = await start({ corsOrigins: [`${STORYBOOK},http://127.0.0.1:6006`] });
      const routes: [string, string][] = [
        ['GET', '/health'],
        ['GET', `/${DB}/meta`],
        ['POST', `/${DB}/exec`],
        ['OPTIONS', `/${DB}/exec`],
        ['GET', '/nowhere'],
      ];
      for (const [method, path] of routes) {
        for (const origin of [STORYBOOK, 'http://127.0.0.1:6006', EVIL, undefined]) {
          const response = await fetch(`${running.httpUrl}${path}`, {
            method,
            headers: origin === undefined ? {} : { origin },
            ...(method === 'POST' ? { body: JSON.stringify({ sql: 'SELECT 1' }) } : {}),
          });
          const allowed = response.headers.get('access-control-allow-origin');
          expect(allowed, `${method} ${path} from ${origin}`).not.toBe('*');
          if (origin === STORYBOOK || origin === 'http://127.0.0.1:6006') {
            expect(allowed).toBe(origin);
            expect(response.headers.get('vary')).toBe('Origin');
            expect(response.status).not.toBe(403);
          } else {
            expect(allowed).toBeNull();
          }
          if (origin === EVIL) expect(response.status).toBe(403);
        }
      }
    });

    it('has CORS off by default: a preflight from any origin is refused', async () => {
      const running = await start();
      const preflight = await fetch(`${running.httpUrl}/${DB}/exec`, { method: 'OPTIONS', headers: { origin: STORYBOOK } });
      expect(preflight.status).toBe(403);
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('refuses a WebSocket upgrade from a foreign Origin and accepts an allowed one, a same-host one and none', async () => {
      const running = await start({ corsOrigins: [STORYBOOK] });
      const host = new URL(running.httpUrl).host;
      expect(await upgrade(running.wsUrl, EVIL)).toBe(403);
      // A DNS-rebinding page sends an Origin equal to its Host; only loopback names count as same-host.
      expect(await upgrade(running.wsUrl, `http://evil.example:${new URL(running.httpUrl).port}`, `evil.example:${new URL(running.httpUrl).port}`)).toBe(403);
      expect(await upgrade(running.wsUrl, STORYBOOK)).toBe('open');
      expect(await upgrade(running.wsUrl, `http://${host}`)).toBe('open');
      expect(await upgrade(running.wsUrl, undefined)).toBe('open');
    });
  });

  describe('access before the body', () => {
    it('refuses /exec without the admin token before reading the body', async () => {
      const running = await start({ allowExec: false, adminToken: ADMIN_TOKEN });
      const exchange = await rawHttpExchange(running.port, `POST /${DB}/exec HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/json\nContent-Length: ${50 * MIB}`, {
        bodyBytes: 50 * MIB,
        intervalMs: 5,
      });
      expect(exchange.status).toBe(403);
      expect(exchange.closedAfterMs).not.toBeNull();
      expect(exchange.closedAfterMs ?? Infinity).toBeLessThan(1_000);
      expect(exchange.sentBodyBytes).toBeLessThan(10 * MIB);
    });

    it('answers meta to local clients and admin token holders only', async () => {
      const running = await start({ adminToken: ADMIN_TOKEN });
      await execSql(running, DB, 'SELECT 1');
      const meta = (headers: Record<string, string>): Promise<number> => fetch(`${running.httpUrl}/${DB}/meta`, { headers }).then((response) => response.status);
      expect(await meta({})).toBe(200);
      // Behind a reverse proxy on the same host every peer is 127.0.0.1; a forwarded request is not local.
      expect(await meta({ 'x-forwarded-for': '203.0.113.9' })).toBe(403);
      expect(await meta({ forwarded: 'for=203.0.113.9' })).toBe(403);
      expect(await meta({ forwarded: 'for=203.0.113.9', authorization: `Bearer ${ADMIN_TOKEN}` })).toBe(200);
      // The same answer whether the database exists or not.
      expect(await fetch(`${running.httpUrl}/missing/meta`, { headers: { 'x-forwarded-for': '203.0.113.9' } }).then((response) => response.status)).toBe(403);
      expect(await meta({ origin: EVIL })).toBe(403);
    });
  });

  describe('options that would open the server to strangers', () => {
    it('refuses allowExec on a non-loopback address and a short admin token, before taking the folder', async () => {
      await expect(startTestServer(dataDir, { allowExec: true, host: '0.0.0.0' })).rejects.toMatchObject({ kind: 'invalid-options', message: expect.stringContaining('loopback') });
      await expect(startTestServer(dataDir, { allowExec: true, host: '::' })).rejects.toMatchObject({ kind: 'invalid-options' });
      await expect(startTestServer(dataDir, { adminToken: 'x'.repeat(31) })).rejects.toMatchObject({ kind: 'invalid-options', message: expect.stringContaining('32 bytes') });
      await expect(startTestServer(dataDir, { corsOrigins: ['*'] })).rejects.toMatchObject({ kind: 'invalid-options' });
      // Nothing was left behind: the folder is free for a server with sound options.
      const running = await start({ allowExec: true, adminToken: 'x'.repeat(32) });
      expect((await execSql(running, DB, 'SELECT 1')).rows).toEqual([[1]]);
    });
  });

  describe('request bounds', () => {
    it('cuts off a 50 MiB body at once with 413 and closes the connection', async () => {
      const running = await start();
      for (const framing of [`Content-Length: ${50 * MIB}`, 'Transfer-Encoding: chunked']) {
        const chunked = framing.startsWith('Transfer');
        const exchange = await rawHttpExchange(running.port, `POST /${DB}/exec HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/json\n${framing}`, {
          bodyBytes: 50 * MIB,
          // A chunked body is sent as one long chunk: its size line, then the bytes.
          ...(chunked ? { bodyPrefix: `${(50 * MIB).toString(16)}\r\n` } : {}),
          intervalMs: 5,
        });
        expect(exchange.status, framing).toBe(413);
        expect(exchange.closedAfterMs ?? Infinity, framing).toBeLessThan(1_000);
        expect(exchange.sentBodyBytes, framing).toBeLessThan(20 * MIB);
      }
      // A client that keeps sending after the answer is cut off all the same.
      const stubborn = await rawHttpExchange(running.port, `POST /${DB}/exec HTTP/1.1\nHost: 127.0.0.1\nContent-Length: ${50 * MIB}`, {
        bodyBytes: 50 * MIB,
        intervalMs: 5,
        ignoreServerClose: true,
      });
      expect(stubborn.status).toBe(413);
      expect(stubborn.closedAfterMs ?? Infinity).toBeLessThan(1_000);
      expect(stubborn.sentBodyBytes).toBeLessThan(20 * MIB);
    });

    it('closes a connection whose headers or body do not arrive in time', async () => {
      const running = await start({ httpHeadersTimeoutMs: 300, httpBodyTimeoutMs: 300 });
      const headers = await rawHttpExchange(running.port, 'GET /health HTTP/1.1\nHost: 127.0.0.1\nX-Slow: 1', { completeHead: false, giveUpMs: 5_000 });
      expect(headers.status).toBe(408);
      expect(headers.closedAfterMs ?? Infinity).toBeLessThan(4_000);
      // A WebSocket upgrade is an HTTP request until its headers are complete.
      const upgradeHead = await rawHttpExchange(running.port, 'GET /sync HTTP/1.1\nHost: 127.0.0.1\nUpgrade: websocket\nConnection: Upgrade', {
        completeHead: false,
        giveUpMs: 5_000,
      });
      expect(upgradeHead.closedAfterMs ?? Infinity).toBeLessThan(4_000);
      const body = await rawHttpExchange(running.port, `POST /${DB}/exec HTTP/1.1\nHost: 127.0.0.1\nContent-Length: 1000`, { giveUpMs: 5_000 });
      expect(body.status).toBe(408);
      expect(body.closedAfterMs ?? Infinity).toBeLessThan(4_000);
    });
  });
});

/** 'open', or the status the server refused the upgrade with. */
function upgrade(url: string, origin: string | undefined, host?: string): Promise<'open' | number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { ...(origin === undefined ? {} : { origin }), ...(host === undefined ? {} : { headers: { host } }) });
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', (error) => reject(error));
  });
}
