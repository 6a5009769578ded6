import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncSnapshot } from '../engine/client/sync-client-api.ts';
import type { SyncTimingOptions } from '../engine/client/sync-events.ts';
import { isGreen, type SyncStatusName } from '../engine/client/sync-status.ts';
import { TEST_SCHEMA } from '../engine/test-support/test-client-database.ts';
import { createInMemorySyncClient, type InMemorySyncClient } from './in-memory-sync-client.ts';
import { createMockSyncBackend, type MockSyncBackend } from './mock-sync-backend.ts';
import { runScript, type SyncScriptStep } from './sync-script.ts';

const DATABASE = 'script';

// Short windows so every transition happens within a second or two.
const TIMING: Partial<SyncTimingOptions> = {
  heartbeatIntervalMs: 100,
  heartbeatTimeoutMs: 600,
  ackTimeoutMs: 400,
  rapidFailureCount: 3,
  rapidFailureWindowMs: 1_500,
  backoffInitialMs: 50,
  backoffMaxMs: 300,
};

describe('runScript with the real sync client', () => {
  let backend: MockSyncBackend;
  let local: InMemorySyncClient;

  beforeEach(async () => {
    backend = await createMockSyncBackend({ schema: TEST_SCHEMA, heartbeatIntervalMs: 100, databases: [DATABASE] });
    local = await createInMemorySyncClient(backend, { database: DATABASE, timing: TIMING });
  });

  afterEach(async () => {
    await local.close();
    await backend.stop();
  });

  /** Runs the script with the client started, recording each status the client passes through. */
  async function run(steps: readonly SyncScriptStep[]): Promise<SyncStatusName[]> {
    const seen: SyncStatusName[] = [];
    const unsubscribe = local.client.subscribe(() => {
      const { status } = local.client.getSnapshot().status;
      if (seen.at(-1) !== status) seen.push(status);
    });
    local.client.start();
    try {
      await runScript(backend, steps, { client: local.client });
    } finally {
      unsubscribe();
    }
    return seen;
  }

  const writeLocally = (id: string) => (): void => {
    local.connection.exec('INSERT INTO items (id, title, qty) VALUES (?, ?, 1)', [id, id]);
  };
  const stuckBecause = (reason: string) => (snapshot: SyncSnapshot) =>
    snapshot.status.status === 'stuck' && snapshot.status.reason === reason;
  const notGreen = (snapshot: SyncSnapshot) => !isGreen(snapshot.status);

  it('stalled acks turn a pending change stuck, and releasing them brings it back to synced', async () => {
    await run([
      { after: 'synced', do: 'stall-acks' },
      { do: writeLocally('stalled') },
      { after: stuckBecause('acks-stalled'), do: 'release-acks' },
      { after: 'synced', do: () => undefined },
    ]);
    expect(local.client.getSnapshot().status.pending.changes).toBe(0);
    expect((await backend.exec(DATABASE, "SELECT id FROM items WHERE id = 'stalled'")).rows).toEqual([['stalled']]);
  });

  // The conditions are the assertions: each step waits for the status the fault must cause.
  it('a half-open link ends green, and the client recovers once it heals', async () => {
    await run([
      { after: 'synced', do: 'half-open' },
      { after: notGreen, do: 'end-half-open' },
      { after: 'synced', do: () => undefined },
    ]);
  });

  it('a server that goes down shows disconnected until it is up again', async () => {
    await run([
      { after: 'synced', do: 'server-down' },
      { after: 'disconnected', do: 'server-up' },
      { after: 'synced', do: () => undefined },
    ]);
  });

  it('flapping connections latch stuck: rapid-failures, which clears after the flapping stops', async () => {
    await run([
      { after: 'synced', do: 'flap' },
      { after: stuckBecause('rapid-failures'), do: 'stop-flapping' },
      { after: 'synced', do: () => undefined },
    ]);
  });

  it('a rebuilt server makes the client incompatible: server-rebuilt', async () => {
    await run([
      { after: 'synced', do: 'rebuild', database: DATABASE },
      { after: incompatibleBecause('server-rebuilt'), do: () => undefined },
    ]);
  });

  it('a schema change makes the client incompatible: schema-mismatch', async () => {
    await run([
      { after: 'synced', do: 'change-schema', version: TEST_SCHEMA.version + 1 },
      { after: incompatibleBecause('schema-mismatch'), do: () => undefined },
    ]);
  });

  it('a backlog loaded before the client connects is caught up', async () => {
    const seen = await run([
      { do: 'backlog', database: DATABASE, rows: 3000, insert: "INSERT INTO items (id, title, qty) SELECT 'b' || i, 'Book', i FROM backlog" },
      { after: 'synced', do: 'exec', database: DATABASE, sql: "INSERT INTO items (id, title, qty) VALUES ('live', 'Live', 1)" },
      { after: (snapshot) => isGreen(snapshot.status) && local.connection.all("SELECT 1 FROM items WHERE id = 'live'").length === 1, do: () => undefined },
    ]);
    expect(seen).toContain('catching-up');
    expect(local.connection.all('SELECT count(*) FROM items')).toEqual([[3001]]);
  });

  it('runs an `at` step no sooner than that long after the start', async () => {
    const startedAt = performance.now();
    let ranAt = 0;
    await runScript(backend, [{ at: 150, do: () => (ranAt = performance.now()) }]);
    expect(ranAt - startedAt).toBeGreaterThanOrEqual(150);
  });

  it('fails with the step and the client status when a condition is not met in time', async () => {
    local.client.start();
    await expect(runScript(backend, [{ after: 'incompatible', do: 'server-up' }], { client: local.client, timeoutMs: 300 })).rejects.toThrow(
      /step 0 \(server-up\) waited 300 ms for status incompatible; the client is \{"status":/,
    );
  });

  it('fails when a step waits on a client condition without a client', async () => {
    await expect(runScript(backend, [{ after: 'synced', do: 'server-up' }])).rejects.toThrow(/pass \{ client \}/);
  });

  it('fails when the backend stops before the script ends', async () => {
    const script = runScript(backend, [{ after: 60_000, do: 'server-up' }]);
    await backend.stop();
    await expect(script).rejects.toThrow(/stopped before step 0 \(server-up\)/);
  });
});

function incompatibleBecause(reason: string) {
  return (snapshot: SyncSnapshot): boolean => snapshot.status.status === 'incompatible' && snapshot.status.reason === reason;
}
