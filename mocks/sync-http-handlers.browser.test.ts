import { getResponse } from 'msw';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../engine/protocol/messages.ts';
import { TEST_SCHEMA } from '../engine/test-support/test-client-database.ts';
import { createMockSyncBackend, type MockSyncBackend } from './mock-sync-backend.ts';
import { mockSyncHttpHandlers } from './sync-http-handlers.ts';

// Resolved with msw's getResponse, without a service worker: these test the
// handlers; the transport contract runs them through the worker.
describe('mockSyncHttpHandlers', () => {
  let backend: MockSyncBackend;

  beforeEach(async () => {
    backend = await createMockSyncBackend({ schema: TEST_SCHEMA, databases: ['shop'] });
  });

  afterEach(async () => {
    await backend.stop();
  });

  async function call(handlers: ReturnType<typeof mockSyncHttpHandlers>, url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
    const response = await getResponse(handlers, new Request(url, init));
    if (response === undefined) throw new Error(`no handler answered ${url}`);
    return { status: response.status, body: await response.json() };
  }

  it('serves health and meta at the backend origin', async () => {
    const handlers = mockSyncHttpHandlers(backend);
    expect(await call(handlers, `${backend.httpUrl}/health`)).toEqual({ status: 200, body: { ok: true, protocolVersion: PROTOCOL_VERSION } });
    const meta = await backend.meta('shop');
    expect(await call(handlers, `${backend.httpUrl}/shop/meta`)).toEqual({ status: 200, body: meta });
    expect(await call(handlers, `${backend.httpUrl}/nowhere/meta`)).toMatchObject({ status: 404, body: { error: { kind: 'unknown-database' } } });
  });

  it('serves the routes under a base path, and nothing outside it', async () => {
    const handlers = mockSyncHttpHandlers(backend, 'http://api.mock/admin/');
    const exec = await call(handlers, 'http://api.mock/admin/shop/exec', {
      method: 'POST',
      body: JSON.stringify({ sql: 'INSERT INTO items (id, title, qty) VALUES (?, ?, ?)', params: ['x', 'X', 1] }),
    });
    expect(exec).toEqual({ status: 200, body: { rows: [], dbVersion: 1 } });
    expect(await getResponse(handlers, new Request('http://api.mock/shop/meta'))).toBeUndefined();
  });

  it('guards exec and reset as the server does when scripting is not allowed', async () => {
    const handlers = mockSyncHttpHandlers(backend, backend.httpUrl, { adminToken: 'secret' });
    const refused = await call(handlers, `${backend.httpUrl}/shop/reset`, { method: 'POST' });
    expect(refused).toMatchObject({ status: 403, body: { error: { kind: 'http' } } });
    const allowed = await call(handlers, `${backend.httpUrl}/shop/reset`, { method: 'POST', headers: { authorization: 'Bearer secret' } });
    expect(allowed.status).toBe(200);
  });

  it('answers from the core running now, after a schema change replaced it', async () => {
    const handlers = mockSyncHttpHandlers(backend);
    await backend.changeSchema({ version: TEST_SCHEMA.version + 1 });
    expect(await call(handlers, `${backend.httpUrl}/shop/meta`)).toMatchObject({ status: 200, body: { schemaVersion: TEST_SCHEMA.version + 1 } });
  });
});
