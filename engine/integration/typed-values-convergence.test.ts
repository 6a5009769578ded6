import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlValue } from '../protocol/messages.ts';
import { sqlReal } from '../protocol/sql-value.ts';
import type { RunningSyncServer } from '../server/node-sync-server.ts';
import { makeDataDir, removeDataDir } from '../test-support/temp-folder.ts';
import { waitFor } from './integration-harness.ts';
import {
  attachValuesDevice,
  execValues,
  localContents,
  serverContents,
  serverVersion,
  settledAt,
  startValuesServer,
  type ValuesDevice,
} from './typed-values-harness.ts';

/**
 * Two clients and the server write values of every storage class into the same
 * few cells, often while a client is offline, so that many writes meet at the
 * same col_version and cr-sqlite decides them by comparing values. However they
 * interleave, once everyone is online and quiet every copy holds the same value
 * with the same `typeof()` in every cell, both lights are green and nothing is
 * pending. Runs: GREENLIGHT_VALUES_RUNS (default 40, a few seconds).
 */

const RUNS = Number.parseInt(process.env['GREENLIGHT_VALUES_RUNS'] ?? '40', 10);
const MIB = 1024 * 1024;

/** A 1 MiB blob, made by each writer its own way (bound, or by SQL on the server: /exec bodies stop at 1 MiB). */
const BIG_BLOB = { bigBlob: true } as const;
type CellValue = SqlValue | typeof BIG_BLOB;

type Writer = 'a' | 'b' | 'server';
type Op =
  | { readonly kind: 'cell'; readonly on: Writer; readonly id: number; readonly value: CellValue }
  | { readonly kind: 'price'; readonly on: Writer; readonly k: string; readonly value: SqlValue }
  | { readonly kind: 'delete'; readonly on: Writer; readonly id: number }
  | { readonly kind: 'toggle'; readonly client: 'a' | 'b' }
  | { readonly kind: 'pause'; readonly ms: number };

const integralNumber = fc.integer({ min: -3, max: 3 });
const valueArbitrary: fc.Arbitrary<CellValue> = fc.oneof(
  { arbitrary: fc.constant(null), weight: 6 },
  // Integral REALs, which a plain number would have turned into INTEGERs.
  { arbitrary: integralNumber.map(sqlReal), weight: 18 },
  { arbitrary: fc.constantFrom(-0, Infinity, -Infinity, 0.5, -2.75, 1e-300, 2 ** 60), weight: 12 },
  { arbitrary: fc.double({ noNaN: true }), weight: 6 },
  { arbitrary: integralNumber, weight: 12 },
  {
    arbitrary: fc.constantFrom<SqlValue>(
      -(2n ** 63n),
      -(2n ** 63n) + 1n,
      2n ** 63n - 1n,
      2n ** 63n - 2n,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      2n ** 53n,
      2n ** 53n + 1n,
      -(2n ** 53n),
      -(2n ** 53n) - 1n,
    ),
    weight: 12,
  },
  { arbitrary: fc.constantFrom('', '\ufeff', '\ufeffbom', '1', '👩‍👩‍👧‍👦 🎉', 'e\u0301', 'a\u0308\u0301', 'ab'), weight: 18 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }), weight: 6 },
  { arbitrary: fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ minLength: 1, maxLength: 8 })), weight: 12 },
  { arbitrary: fc.constant(BIG_BLOB), weight: 1 },
);
const priceArbitrary: fc.Arbitrary<SqlValue> = fc.oneof(integralNumber, integralNumber.map(sqlReal), fc.constantFrom(0.5, -0, 19.99));

const writer = fc.constantFrom<Writer>('a', 'b', 'server');
const cellId = fc.integer({ min: 1, max: 3 });
const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('cell' as const), on: writer, id: cellId, value: valueArbitrary }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('price' as const), on: writer, k: fc.constantFrom('p', 'q'), value: priceArbitrary }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), on: writer, id: cellId }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('toggle' as const), client: fc.constantFrom<'a' | 'b'>('a', 'b') }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('pause' as const), ms: fc.integer({ min: 0, max: 40 }) }), weight: 1 },
);

interface Device extends ValuesDevice {
  online: boolean;
}

let dataDir: string;
let server: RunningSyncServer;
let run = 0;

beforeAll(async () => {
  dataDir = makeDataDir();
  server = await startValuesServer(dataDir);
});

afterAll(async () => {
  await server.close();
  removeDataDir(dataDir);
});

async function device(): Promise<Device> {
  const attached = await attachValuesDevice(server);
  attached.client.start();
  return { ...attached, online: true };
}

async function settled(devices: readonly Device[]): Promise<boolean> {
  const version = await serverVersion(server);
  return devices.every((each) => settledAt(each, version));
}

describe('two clients and the server writing every storage class into the same cells', () => {
  it('converge on the same value and the same typeof() in every cell, green with nothing pending', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArbitrary, { minLength: 1, maxLength: 20 }), async (ops) => {
        run += 1;
        await execValues(server, 'DELETE FROM cells');
        await execValues(server, 'DELETE FROM prices');
        const devices: Record<'a' | 'b', Device> = { a: await device(), b: await device() };
        const both = [devices.a, devices.b];
        try {
          await waitFor('both clients synced at the start', () => both.every((each) => each.client.getSnapshot().status.status === 'synced'));
          for (const op of ops) await perform(op, devices);
          for (const each of both) if (!each.online) each.client.start();
          let expected = '';
          await waitFor(
            `run ${run}: convergence`,
            async () => {
              if (!(await settled(both))) return false;
              expected = JSON.stringify(await serverContents(server));
              return both.every((each) => JSON.stringify(localContents(each.connection)) === expected);
            },
            10_000,
          );
          for (const each of both) {
            expect(JSON.stringify(localContents(each.connection))).toBe(expected);
            expect(each.connection.all('SELECT COUNT(*) FROM greenlight_pending_changes')).toEqual([[0]]);
          }
        } finally {
          for (const each of both) {
            await each.client.stop();
            each.connection.close();
          }
        }
      }),
      // A failing run waits out the convergence window, so report the first
      // counterexample as found rather than spend minutes shrinking it.
      { numRuns: RUNS, endOnFailure: true },
    );
  });
});

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
      const [sql, params] = statementFor(op, op.on === 'server');
      if (op.on === 'server') await execValues(server, sql, params);
      else devices[op.on].connection.exec(sql, params);
    }
  }
}

function statementFor(op: Extract<Op, { on: Writer }>, onServer: boolean): [string, SqlValue[]] {
  switch (op.kind) {
    case 'cell': {
      const upsert = (expression: string): string =>
        `INSERT INTO cells (id, v) VALUES (${op.id}, ${expression}) ON CONFLICT (id) DO UPDATE SET v = excluded.v`;
      if (op.value !== BIG_BLOB) return [upsert('?'), [op.value as SqlValue]];
      return onServer ? [upsert(`zeroblob(${MIB})`), []] : [upsert('?'), [new Uint8Array(MIB).fill(op.id)]];
    }
    case 'price':
      return [`INSERT INTO prices (k, price) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET price = excluded.price`, [op.k, op.value]];
    case 'delete':
      return [`DELETE FROM cells WHERE id = ${op.id}`, []];
  }
}
