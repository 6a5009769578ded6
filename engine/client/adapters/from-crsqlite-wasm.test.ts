import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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
