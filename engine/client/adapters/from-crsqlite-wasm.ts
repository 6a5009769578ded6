import type { DB } from '@vlcn.io/crsqlite-wasm';
import type { SqlValue } from '../../protocol/messages.ts';
import { toStorageError } from '../../sqlite/storage-error.ts';
import { GreenlightError } from '../../errors.ts';
import type { ClientDatabase, ClientTransaction } from '../client-database.ts';
import { runStatements, statementTarget } from './crsqlite-wasm-statements.ts';

/**
 * Attaches a `@vlcn.io/crsqlite-wasm` DB (the browser's async build). Values bind
 * and come back with their storage class exactly as from `fromSqliteConnection`
 * (see `crsqlite-wasm-statements.ts` for why not through `execA`). Every call
 * runs under crsqlite-wasm's own mutex, and `db.tx` holds that mutex for the
 * whole transaction.
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

async function exec(target: unknown, sql: string, params: readonly SqlValue[] | undefined): Promise<void> {
  await all(target, sql, params);
}

async function all<Row extends readonly SqlValue[]>(target: unknown, sql: string, params: readonly SqlValue[] | undefined): Promise<Row[]> {
  try {
    return (await runStatements(statementTarget(target), sql, params ?? [])) as unknown as Row[];
  } catch (error) {
    throw toStorageError(error);
  }
}
