import type { DB } from '@vlcn.io/crsqlite-wasm';
import type { SqlValue } from '../../protocol/messages.ts';
import { toStorageError } from '../../sqlite/storage-error.ts';
import { GreenlightError } from '../../errors.ts';
import type { ClientDatabase, ClientTransaction } from '../client-database.ts';

/** The part of crsqlite-wasm's DB and TX objects this adapter uses. */
interface CrsqliteStatements {
  exec(sql: string, bind?: SqlValue[]): Promise<void>;
  execA<T extends unknown[]>(sql: string, bind?: SqlValue[]): Promise<T[]>;
}

const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;

/**
 * Attaches a `@vlcn.io/crsqlite-wasm` DB (the browser's async build). Values come
 * back as from `fromSqliteConnection`: integers as numbers when safe, bigints
 * otherwise, blobs as Uint8Array. crsqlite-wasm serialises every call behind its
 * own mutex, and `db.tx` holds that mutex for the whole transaction.
 */
export function fromCrsqliteWasm(db: DB): ClientDatabase {
  return {
    exec: (sql, params) => exec(db, sql, params),
    all: (sql, params) => all(db, sql, params),
    transaction: async (fn) => {
      let outcome: { value: Awaited<ReturnType<typeof fn>> } | undefined;
      await db.tx(async (handle) => {
        let open = true;
        const assertOpen = (): void => {
          if (!open) throw new GreenlightError('internal', 'client', 'transaction handle used after its transaction ended');
        };
        const tx: ClientTransaction = {
          exec: async (sql, params) => {
            assertOpen();
            await exec(handle, sql, params);
          },
          all: async (sql, params) => {
            assertOpen();
            return all(handle, sql, params);
          },
        };
        try {
          outcome = { value: await fn(tx) };
        } finally {
          open = false;
        }
      });
      if (outcome === undefined) throw new GreenlightError('internal', 'client', 'transaction ended without a result');
      return outcome.value;
    },
    onUpdate: (listener) => {
      const unsubscribe = db.onUpdate(() => listener());
      return () => {
        unsubscribe();
      };
    },
  };
}

async function exec(target: CrsqliteStatements, sql: string, params: readonly SqlValue[] | undefined): Promise<void> {
  try {
    await target.exec(sql, bindable(params));
  } catch (error) {
    throw toStorageError(error);
  }
}

async function all<Row extends readonly SqlValue[]>(
  target: CrsqliteStatements,
  sql: string,
  params: readonly SqlValue[] | undefined,
): Promise<Row[]> {
  let rows: unknown[][] | null;
  try {
    rows = await target.execA<unknown[]>(sql, bindable(params));
  } catch (error) {
    throw toStorageError(error);
  }
  // crsqlite-wasm answers null for a statement without columns, and hands one
  // array to every caller of an identical read in flight: copy before returning.
  return (rows ?? []).map((row) => row.map(normalise)) as unknown as Row[];
}

// wa-sqlite binds a number as a 32-bit integer or else as a double, so 2**40 would
// be stored as REAL; as a bigint it binds as the 64-bit integer the sync build stores.
function bindable(params: readonly SqlValue[] | undefined): SqlValue[] | undefined {
  if (params === undefined) return undefined;
  return params.map((value) =>
    typeof value === 'number' && Number.isSafeInteger(value) && (value < INT32_MIN || value > INT32_MAX)
      ? BigInt(value)
      : value,
  );
}

function normalise(value: unknown): SqlValue {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
  if (value instanceof Uint8Array) return value.slice();
  return value as SqlValue;
}
