import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handleHttpRequest, type HttpRequest } from './http-handler.ts';
import { MemoryDatabaseStore } from './memory-database-store.ts';
import { SyncServerCore } from './sync-server-core.ts';
import { TEST_SCHEMA } from '../test-support/test-client-database.ts';

function request(method: string, path: string, body = '', headers: Record<string, string> = {}): HttpRequest {
  return { method, path, headers, body };
}

describe('handleHttpRequest (in memory, as the mocks run it)', () => {
  let store: MemoryDatabaseStore;
  let core: SyncServerCore;

  beforeEach(() => {
    store = new MemoryDatabaseStore();
  });

  afterEach(async () => {
    await core.close();
    store.close();
  });

  it('serves meta after exec creates the database, and exec results as JSON-safe values', async () => {
    core = new SyncServerCore({ store, schema: TEST_SCHEMA });
    const exec = await handleHttpRequest(
      core,
      request('POST', '/shop/exec', JSON.stringify({ sql: "INSERT INTO items (id, title, qty) VALUES ('a', 'A', ?) RETURNING qty, ?", params: [{ integer: 9007199254740993n.toString() }, 1] })),
      { allowExec: true },
    );
    expect(exec).toMatchObject({ status: 200, body: { rows: [[{ integer: '9007199254740993' }, 1]], dbVersion: 1 } });
    const meta = await handleHttpRequest(core, request('GET', '/shop/meta?fresh=1'));
    expect(meta).toMatchObject({ status: 200, body: { database: 'shop', schemaName: TEST_SCHEMA.name, schemaVersion: TEST_SCHEMA.version, dbVersion: 1 } });
    // CORS is the adapter's decision (it knows the allowed origins), never a blanket '*'.
    expect(meta.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('accepts the admin token in any header case', async () => {
    core = new SyncServerCore({ store, schema: TEST_SCHEMA });
    const body = JSON.stringify({ sql: 'SELECT 1' });
    expect(await handleHttpRequest(core, request('POST', '/shop/exec', body, { Authorization: 'Bearer t0k' }), { adminToken: 't0k' })).toMatchObject({ status: 200 });
    expect(await handleHttpRequest(core, request('POST', '/shop/exec', body, { authorization: 'Bearer t0' }), { adminToken: 't0k' })).toMatchObject({ status: 403 });
  });

  it('answers unknown routes with 404, wrong methods with 405, and exec on a missing database without creation with 404', async () => {
    core = new SyncServerCore({ store, schema: TEST_SCHEMA, allowCreate: false });
    expect(await handleHttpRequest(core, request('GET', '/shop/other'))).toMatchObject({ status: 404, body: { error: { kind: 'http' } } });
    expect(await handleHttpRequest(core, request('GET', '/a/b/meta'))).toMatchObject({ status: 404 });
    expect(await handleHttpRequest(core, request('GET', '/shop/exec'))).toMatchObject({ status: 405 });
    expect(await handleHttpRequest(core, request('POST', '/shop/exec', '{"sql":"SELECT 1"}'), { allowExec: true })).toMatchObject({
      status: 404,
      body: { error: { kind: 'unknown-database' } },
    });
    expect(await handleHttpRequest(core, request('POST', '/shop/reset'), { allowExec: true })).toMatchObject({ status: 404 });
    expect(await store.exists('shop' as never)).toBe(false);
  });
});
