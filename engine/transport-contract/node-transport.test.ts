import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSyncServer } from '../server/node-sync-server.ts';
import { createNodeWebSocket } from '../test-support/node-websocket.ts';
import { httpAdmin } from './http-admin.ts';
import { runTransportContract } from './transport-contract.ts';

// The contract against the real Node server, on loopback, with `ws` sockets.
runTransportContract('Node server with ws on loopback', async ({ schema, heartbeatIntervalMs }) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'greenlight-contract-'));
  const server = await startSyncServer({ dataDir, schema, heartbeatIntervalMs, allowExec: true });
  return {
    url: server.wsUrl,
    createWebSocket: createNodeWebSocket,
    ...httpAdmin(server.httpUrl),
    close: async () => {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
