import { setupWorker } from 'msw/browser';
import { afterAll, beforeAll } from 'vitest';
import { httpAdmin } from '../engine/transport-contract/http-admin.ts';
import { runTransportContract } from '../engine/transport-contract/transport-contract.ts';
import { createMockSyncBackend } from './mock-sync-backend.ts';
import { mockSyncHttpHandlers } from './sync-http-handlers.ts';

// The contract against the in-browser mock: the real core behind mock-socket,
// its HTTP routes through msw's service worker, just as a story uses them.
const worker = setupWorker();

beforeAll(async () => {
  await worker.start({ quiet: true, onUnhandledRequest: 'bypass' });
});

afterAll(() => {
  worker.stop();
});

runTransportContract('in-browser mock backend behind mock-socket and msw', async ({ schema, heartbeatIntervalMs }) => {
  const backend = await createMockSyncBackend({ schema, heartbeatIntervalMs });
  worker.use(...mockSyncHttpHandlers(backend));
  return {
    url: backend.url,
    createWebSocket: backend.createWebSocket,
    ...httpAdmin(backend.httpUrl),
    close: async () => {
      worker.resetHandlers();
      await backend.stop();
    },
  };
});
