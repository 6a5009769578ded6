import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncClient } from '../client/sync-client.ts';
import type { RunningSyncServer } from '../server/node-sync-server.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import { makeDataDir, removeDataDir } from '../test-support/temp-folder.ts';
import { attachTestClient, execOnServer, openClientConnection, serverContents, startTestServer, tableContents, waitFor } from './integration-harness.ts';

/**
 * Random writes on two clients and on the server, with clients going offline
 * and back, against the real server on loopback. However they interleave, once
 * everyone is online and quiet all three hold the same rows, and both lights are
 * green with nothing pending: nothing was lost, nothing is left unacknowledged.
 */

type Writer = 'a' | 'b' | 'server';
type Op =
  | { readonly kind: 'upsert'; readonly on: Writer; readonly id: number; readonly title: string }
  | { readonly kind: 'same-value update'; readonly on: Writer; readonly id: number }
  | { readonly kind: 'delete'; readonly on: Writer; readonly id: number }
  | { readonly kind: 'toggle'; readonly client: 'a' | 'b' }
  | { readonly kind: 'pause'; readonly ms: number };

const writer = fc.constantFrom<Writer>('a', 'b', 'server');
const id = fc.integer({ min: 1, max: 4 });
const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('upsert' as const), on: writer, id, title: fc.constantFrom('x', 'y', 'z') }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('same-value update' as const), on: writer, id }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), on: writer, id }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('toggle' as const), client: fc.constantFrom<'a' | 'b'>('a', 'b') }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('pause' as const), ms: fc.integer({ min: 0, max: 60 }) }), weight: 2 },
);

let dataDir: string;
let server: RunningSyncServer;
let run = 0;

beforeAll(async () => {
  dataDir = makeDataDir();
  server = await startTestServer(dataDir);
});

afterAll(async () => {
  await server.close();
  removeDataDir(dataDir);
});

interface Device {
  readonly connection: SqliteConnection;
  readonly client: SyncClient;
  online: boolean;
}

function upsertSql(id: number): string {
  return `INSERT INTO items (id, title, qty) VALUES (${id}, ?, ${id}) ON CONFLICT (id) DO UPDATE SET title = excluded.title`;
}

function settled(device: Device): boolean {
  const { status } = device.client.getSnapshot();
  return status.status === 'synced' && status.pending.changes === 0;
}

describe('two clients and the server under random writes and outages', () => {
  it('converge, green with nothing pending', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArbitrary, { minLength: 1, maxLength: 25 }), async (ops) => {
        // Each run starts from an empty table and two fresh clients.
        run += 1;
        await execOnServer(server, 'DELETE FROM items');
        const devices: Record<'a' | 'b', Device> = { a: await device(), b: await device() };
        try {
          await waitFor('both clients synced at the start', () => settled(devices.a) && settled(devices.b));
          for (const op of ops) await perform(op, devices);
          for (const each of Object.values(devices)) if (!each.online) each.client.start();
          await waitFor(
            `run ${run}: convergence`,
            async () => {
              const expected = JSON.stringify(await serverContents(server));
              return (
                settled(devices.a) &&
                settled(devices.b) &&
                JSON.stringify(tableContents(devices.a.connection)) === expected &&
                JSON.stringify(tableContents(devices.b.connection)) === expected
              );
            },
            5_000,
          );
          for (const each of Object.values(devices)) {
            expect(each.connection.all('SELECT COUNT(*) FROM greenlight_pending_changes')).toEqual([[0]]);
          }
        } finally {
          for (const each of Object.values(devices)) {
            await each.client.stop();
            each.connection.close();
          }
        }
      }),
      // About 4 s. A failing run waits out the convergence window, so report the
      // first counterexample as found rather than spend minutes shrinking it.
      { numRuns: 40, endOnFailure: true },
    );
  });
});

async function device(): Promise<Device> {
  const connection = await openClientConnection();
  const client = await attachTestClient(connection, server);
  client.start();
  return { connection, client, online: true };
}

async function perform(op: Op, devices: Record<'a' | 'b', Device>): Promise<void> {
  switch (op.kind) {
    case 'pause':
      await new Promise((resolve) => setTimeout(resolve, op.ms));
      return;
    case 'toggle': {
      const target = devices[op.client];
      if (target.online) await target.client.stop();
      else target.client.start();
      target.online = !target.online;
      return;
    }
    default: {
      const [sql, params] = statementFor(op);
      if (op.on === 'server') await execOnServer(server, sql, params);
      else devices[op.on].connection.exec(sql, params);
    }
  }
}

function statementFor(op: Extract<Op, { on: Writer }>): [string, string[]] {
  switch (op.kind) {
    case 'upsert':
      return [upsertSql(op.id), [op.title]];
    case 'same-value update':
      return [`UPDATE items SET title = title WHERE id = ${op.id}`, []];
    case 'delete':
      return [`DELETE FROM items WHERE id = ${op.id}`, []];
  }
}
