import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { describeClientDatabase } from './client-database-contract.ts';
import { fromCrsqliteWasm } from './from-crsqlite-wasm.ts';

// Node's fetch refuses file paths, so the wasm travels as a data URL, typed as
// wasm so that streaming instantiation accepts it.
const wasmPath = createRequire(import.meta.url).resolve('@vlcn.io/crsqlite-wasm/crsqlite.wasm');
const wasmUrl = `data:application/wasm;base64,${readFileSync(wasmPath).toString('base64')}`;
const sqlite = (await import('@vlcn.io/crsqlite-wasm')).default(() => wasmUrl);

describeClientDatabase('fromCrsqliteWasm', async () => {
  const db = await (await sqlite).open();
  return { db: fromCrsqliteWasm(db), close: () => db.close() };
});

describe('fromCrsqliteWasm and text its bind would cut', () => {
  it('refuses a bound text holding U+0000 with invalid-value, writing nothing', async () => {
    const raw = await (await sqlite).open();
    try {
      const db = fromCrsqliteWasm(raw);
      await db.exec('CREATE TABLE t (v)');
      await expect(db.exec('INSERT INTO t VALUES (?)', ['a\u0000b'])).rejects.toMatchObject({ kind: 'invalid-value' });
      expect(await db.all('SELECT count(*) FROM t')).toEqual([[0]]);
      // Stored by SQL itself, it reads back whole: the read path is exact.
      await db.exec("INSERT INTO t VALUES ('a' || char(0) || 'b')");
      expect(await db.all('SELECT v, length(CAST(v AS BLOB)) FROM t')).toEqual([['a\u0000b', 3]]);
    } finally {
      await raw.close();
    }
  });
});
