import { afterEach, describe, expect, it } from 'vitest';
import { isErrorOfKind } from '../../errors.ts';
import type { SqlValue } from '../../protocol/messages.ts';
import type { ClientDatabase } from '../client-database.ts';

export interface OpenedClientDatabase {
  readonly db: ClientDatabase;
  readonly close: () => Promise<void>;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/**
 * The behaviour every ClientDatabase adapter must share, run against each one so
 * the sync client sees the same values and guarantees whatever the host's build.
 */
export function describeClientDatabase(name: string, open: () => Promise<OpenedClientDatabase>): void {
  describe(`${name} as a ClientDatabase`, () => {
    const opened: OpenedClientDatabase[] = [];

    async function fresh(): Promise<ClientDatabase> {
      const handle = await open();
      opened.push(handle);
      await handle.db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY NOT NULL, v)');
      return handle.db;
    }

    afterEach(async () => {
      for (const handle of opened.splice(0)) await handle.close();
    });

    const values: readonly [string, SqlValue, SqlValue, string][] = [
      ['null', null, null, 'null'],
      ['small integer', 42, 42, 'integer'],
      ['integer beyond 32 bits', 2 ** 40, 2 ** 40, 'integer'],
      ['negative integer beyond 32 bits', -(2 ** 40) - 3, -(2 ** 40) - 3, 'integer'],
      ['safe bigint', 7n, 7, 'integer'],
      ['large bigint', 2n ** 62n + 1n, 2n ** 62n + 1n, 'integer'],
      ['real', 2.5, 2.5, 'real'],
      ['integral REAL', { real: 1 }, { real: 1 }, 'real'],
      ['-0.0', -0, -0, 'real'],
      ['Infinity', Infinity, Infinity, 'real'],
      ['integer -2^53', -(2n ** 53n), -(2n ** 53n), 'integer'],
      ['text', 'ünïcode ✓', 'ünïcode ✓', 'text'],
      ['text with a leading byte order mark', '\ufeffbom', '\ufeffbom', 'text'],
      ['emoji and combining marks', '👩‍👩‍👧 e\u0301', '👩‍👩‍👧 e\u0301', 'text'],
      ['blob', new Uint8Array([9, 0, 255]), new Uint8Array([9, 0, 255]), 'blob'],
    ];

    it.each(values)('stores and returns %s with the same type', async (_label, input, expected, sqlType) => {
      const db = await fresh();
      await db.exec('INSERT INTO t (id, v) VALUES (1, ?)', [input]);
      expect(await db.all('SELECT v, typeof(v) FROM t')).toEqual([[expected, sqlType]]);
    });

    it('reads a REAL column holding a whole number as { real }', async () => {
      const db = await fresh();
      await db.exec('CREATE TABLE p (price REAL)');
      await db.exec('INSERT INTO p VALUES (1), (?)', [2]);
      expect(await db.all('SELECT price, typeof(price) FROM p')).toEqual([
        [{ real: 1 }, 'real'],
        [{ real: 2 }, 'real'],
      ]);
    });

    it('refuses text with a lone surrogate with invalid-value, writing nothing', async () => {
      const db = await fresh();
      expect(isErrorOfKind(await rejection(db.exec('INSERT INTO t (id, v) VALUES (1, ?)', ['x\ud800y'])), 'invalid-value')).toBe(true);
      const inside = await rejection(
        db.transaction(async (tx) => {
          await tx.exec("INSERT INTO t (id, v) VALUES (2, 'before')");
          await tx.exec('INSERT INTO t (id, v) VALUES (3, ?)', ['\udc00']);
        }),
      );
      expect(isErrorOfKind(inside, 'invalid-value')).toBe(true);
      expect(await db.all('SELECT count(*) FROM t')).toEqual([[0]]);
    });

    it('returns no rows as an empty array', async () => {
      const db = await fresh();
      expect(await db.all('SELECT v FROM t')).toEqual([]);
    });

    it('commits a transaction and returns its result', async () => {
      const db = await fresh();
      const result = await db.transaction(async (tx) => {
        await tx.exec('INSERT INTO t VALUES (1, ?)', ['a']);
        await tx.exec('INSERT INTO t VALUES (2, ?)', ['b']);
        return (await tx.all<[number]>('SELECT count(*) FROM t'))[0]?.[0];
      });
      expect(result).toBe(2);
      expect(await db.all('SELECT id, v FROM t ORDER BY id')).toEqual([
        [1, 'a'],
        [2, 'b'],
      ]);
    });

    it('rolls back a transaction whose function throws, rethrowing its error', async () => {
      const db = await fresh();
      await db.exec("INSERT INTO t VALUES (1, 'kept')");
      const failure = new Error('boom');
      const error = await rejection(
        db.transaction(async (tx) => {
          await tx.exec("INSERT INTO t VALUES (2, 'lost')");
          throw failure;
        }),
      );
      expect(error).toBe(failure);
      expect(await db.all('SELECT id, v FROM t')).toEqual([[1, 'kept']]);
    });

    it('rolls back when a statement inside fails, with a storage error', async () => {
      const db = await fresh();
      const error = await rejection(
        db.transaction(async (tx) => {
          await tx.exec("INSERT INTO t VALUES (1, 'lost')");
          await tx.exec("INSERT INTO t VALUES (1, 'duplicate')");
        }),
      );
      expect(isErrorOfKind(error, 'storage')).toBe(true);
      expect(await db.all('SELECT count(*) FROM t')).toEqual([[0]]);
    });

    it('runs overlapping transactions one after the other, and outside calls after them', async () => {
      const db = await fresh();
      const steps: string[] = [];
      const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));
      const writer = (label: string, id: number) =>
        db.transaction(async (tx) => {
          steps.push(`${label} begin`);
          await pause();
          await tx.exec('INSERT INTO t VALUES (?, ?)', [id, label]);
          await pause();
          steps.push(`${label} end`);
        });
      const first = writer('first', 1);
      const second = writer('second', 2);
      const outside = db.all('SELECT count(*) FROM t');
      await Promise.all([first, second]);
      expect(steps).toEqual(['first begin', 'first end', 'second begin', 'second end']);
      expect(await outside).toEqual([[2]]);
    });

    it('refuses a transaction handle once its transaction has ended', async () => {
      const db = await fresh();
      let leaked: Parameters<Parameters<ClientDatabase['transaction']>[0]>[0] | undefined;
      await db.transaction(async (tx) => {
        leaked = tx;
      });
      expect(isErrorOfKind(await rejection(leaked!.exec("INSERT INTO t VALUES (9, 'late')")), 'internal')).toBe(true);
      expect(await db.all('SELECT count(*) FROM t')).toEqual([[0]]);
    });

    it('reports SQL errors as storage errors', async () => {
      const db = await fresh();
      expect(isErrorOfKind(await rejection(db.all('SELECT nope FROM t')), 'storage')).toBe(true);
    });

    it('calls update listeners for writes until unsubscribed', async () => {
      const db = await fresh();
      let calls = 0;
      const unsubscribe = db.onUpdate(() => {
        calls++;
      });
      await db.exec("INSERT INTO t VALUES (1, 'a')");
      await db.transaction(async (tx) => tx.exec("UPDATE t SET v = 'b' WHERE id = 1"));
      const seen = calls;
      expect(seen).toBeGreaterThanOrEqual(2);
      unsubscribe();
      await db.exec("INSERT INTO t VALUES (2, 'c')");
      expect(calls).toBe(seen);
    });

    it('works with cr-sqlite tables', async () => {
      const db = await fresh();
      await db.exec("SELECT crsql_as_crr('t')");
      await db.transaction(async (tx) => tx.exec("INSERT INTO t VALUES (1, 'crr')"));
      const rows = await db.all<[string, number, Uint8Array]>(
        'SELECT "table", db_version, site_id FROM crsql_changes',
      );
      expect(rows.map(([table, version]) => [table, version])).toEqual([['t', 1]]);
      expect(rows[0]?.[2]).toBeInstanceOf(Uint8Array);
      expect(rows[0]?.[2].byteLength).toBe(16);
    });
  });
}
