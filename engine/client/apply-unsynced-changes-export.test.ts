import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMemoryDatabase } from '../sqlite/open-memory-database.ts';
import type { SqliteConnection } from '../sqlite/sqlite-connection.ts';
import { fromSqliteConnection } from './adapters/from-sqlite-connection.ts';
import { applyServerChanges } from './apply-server-changes.ts';
import { applyUnsyncedChangesExport } from './apply-unsynced-changes-export.ts';
import { parseUnsyncedChangesExport } from './parse-unsynced-changes-export.ts';
import { attachSyncClient, type SyncClient } from './sync-client.ts';
import type { ExportedChange, UnsyncedChangesExport } from './sync-client-api.ts';
import { isUnsyncedChangesExportError, type ExportProblem } from './unsynced-changes-export-error.ts';

const SCHEMA_SQL = `CREATE TABLE items (id INTEGER PRIMARY KEY NOT NULL, title TEXT, data BLOB, weight REAL);
SELECT crsql_as_crr('items');
CREATE TABLE notes (owner TEXT NOT NULL, n INTEGER NOT NULL, body TEXT, PRIMARY KEY (owner, n));
SELECT crsql_as_crr('notes');`;

const opened: SqliteConnection[] = [];
const clients: SyncClient[] = [];

async function database(): Promise<SqliteConnection> {
  const connection = await openMemoryDatabase();
  connection.exec(SCHEMA_SQL);
  opened.push(connection);
  return connection;
}

/** A client that is attached (metadata created, pending counted) but never connects. */
async function attached(connection: SqliteConnection): Promise<SyncClient> {
  const client = await attachSyncClient({
    db: fromSqliteConnection(connection),
    url: 'ws://test.invalid/sync',
    database: 'unit',
    schema: { name: 'unit', version: 1 },
    createWebSocket: () => {
      throw new Error('this test never connects');
    },
  });
  clients.push(client);
  return client;
}

function contents(connection: SqliteConnection): unknown[][] {
  return [
    ...connection.all('SELECT id, title, data, weight FROM items ORDER BY id'),
    ...connection.all('SELECT owner, n, body FROM notes ORDER BY owner, n'),
  ];
}

async function problemOf(promise: Promise<unknown>): Promise<{ problem: ExportProblem; path: string; kind: string }> {
  try {
    await promise;
  } catch (error) {
    if (!isUnsyncedChangesExportError(error)) throw error;
    return { problem: error.problem, path: error.path, kind: error.kind };
  }
  throw new Error('expected the export to be refused');
}

let source: SqliteConnection;
let sourceClient: SyncClient;

beforeEach(async () => {
  source = await database();
  sourceClient = await attached(source);
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.stop();
  for (const connection of opened.splice(0)) connection.close();
});

describe('exportUnsyncedChanges', () => {
  it('holds exactly as many changes as the pending count, after writes, deletes and a merge that took a key over', async () => {
    source.exec(`INSERT INTO items VALUES (1, 'one', x'00ff', 1.5), (2, 'two', NULL, NULL), (9007199254740993, 'big', NULL, 2.25)`);
    source.exec("UPDATE items SET title = 'uno' WHERE id = 1");
    source.exec('DELETE FROM items WHERE id = 2');
    source.exec("INSERT INTO notes VALUES ('ann', 1, 'hello')");
    // The server overwrites row 1's title with a newer version: that key is no longer ours to send.
    const [pk] = source.all("SELECT pk FROM crsql_changes WHERE \"table\" = 'items' AND cid = 'title' AND val = 'uno'");
    await applyServerChanges(fromSqliteConnection(source), {
      type: 'changes',
      throughVersion: 1,
      changes: [
        { table: 'items', pk: pk?.[0] as Uint8Array, cid: 'title', val: 'server', colVersion: 50, dbVersion: 1, siteId: new Uint8Array(16).fill(7), cl: 1, seq: 0 },
      ],
    });

    const exported = await sourceClient.exportUnsyncedChanges();
    const { pending } = sourceClient.getSnapshot().status;
    expect(exported.changes).toHaveLength(pending.changes);
    expect(exported.changes.map((change) => [change.table, change.cid, change.val])).toEqual([
      ['items', 'data', { blob: 'AP8=' }],
      ['items', 'weight', { real: 1.5 }],
      ['items', 'title', { text: 'big' }],
      ['items', 'data', null],
      ['items', 'weight', { real: 2.25 }],
      ['items', '-1', null],
      ['notes', 'body', { text: 'hello' }],
    ]);
    expect(JSON.parse(JSON.stringify(exported))).toEqual(exported);
  });
});

describe('applyUnsyncedChangesExport', () => {
  it('keeps each value exactly through export, JSON and apply: REAL 1.0, -0.0, Infinity, a leading BOM', async () => {
    source.exec('INSERT INTO items VALUES (1, ?, ?, 1.0), (2, ?, ?, ?)', ['\ufeffbom', -0, 'e\u0301 👩‍👩‍👧', { real: 3 }, Infinity]);
    const exported = JSON.parse(JSON.stringify(await sourceClient.exportUnsyncedChanges())) as UnsyncedChangesExport;
    expect(exported.changes.map((change) => [change.cid, change.val])).toEqual([
      ['title', { text: '\ufeffbom' }],
      ['data', { real: '-0' }],
      ['weight', { real: 1 }],
      ['title', { text: 'e\u0301 👩‍👩‍👧' }],
      ['data', { real: 3 }],
      ['weight', { real: 'Infinity' }],
    ]);
    const target = await database();
    await applyUnsyncedChangesExport(fromSqliteConnection(target), exported);
    const typed = 'SELECT id, title, data, typeof(data), weight, typeof(weight) FROM items ORDER BY id';
    expect(target.all(typed)).toEqual(source.all(typed));
    expect(target.all(typed)).toEqual([
      [1, '\ufeffbom', -0, 'real', { real: 1 }, 'real'],
      [2, 'e\u0301 👩‍👩‍👧', { real: 3 }, 'real', Infinity, 'real'],
    ]);
  });

  it('writes the exported changes into another database as its own pending local writes', async () => {
    source.exec(`INSERT INTO items VALUES (1, 'one', x'00ff', 1.5), (2, 'two', NULL, NULL), (9007199254740993, 'big', NULL, NULL)`);
    source.exec('DELETE FROM items WHERE id = 2');
    source.exec("INSERT INTO notes VALUES ('ann', 1, 'hello'), ('bob', 2, NULL)");
    const exported = JSON.parse(JSON.stringify(await sourceClient.exportUnsyncedChanges())) as UnsyncedChangesExport;

    const target = await database();
    const targetClient = await attached(target);
    // A row the user deleted that the target still has is deleted there too.
    target.exec("INSERT INTO items VALUES (2, 'resynced', NULL, NULL)");
    const applied = await applyUnsyncedChangesExport(fromSqliteConnection(target), exported);
    expect(applied).toEqual({ changes: exported.changes.length, rows: 5 });
    expect(contents(target)).toEqual(contents(source));

    // They are the target's own changes now: counted, and what it would send.
    const reexported = await targetClient.exportUnsyncedChanges();
    expect(targetClient.getSnapshot().status.pending.changes).toBe(reexported.changes.length);
    const [siteId] = target.all('SELECT lower(hex(crsql_site_id()))');
    expect(new Set(reexported.changes.map((change) => change.siteId))).toEqual(new Set([siteId?.[0]]));
    const key = (change: ExportedChange): string => JSON.stringify([change.table, change.pk, change.cid, change.val]);
    expect(reexported.changes.map(key).sort()).toEqual(exported.changes.map(key).sort());
  });

  it('overwrites newer values that the target holds: the restored edits win, as if made again', async () => {
    source.exec("INSERT INTO items (id, title) VALUES (1, 'my edit')");
    const exported = await sourceClient.exportUnsyncedChanges();
    const target = await database();
    target.exec("INSERT INTO items (id, title) VALUES (1, 'server value')");
    target.exec("UPDATE items SET title = 'server value, edited' WHERE id = 1");
    await applyUnsyncedChangesExport(fromSqliteConnection(target), exported);
    expect(target.all('SELECT id, title FROM items')).toEqual([[1, 'my edit']]);
  });

  const cases: readonly [string, (doc: Record<string, unknown>, change: Record<string, unknown>) => void, ExportProblem, string][] = [
    ['another format', (doc) => (doc['format'] = 'something-else'), 'wrong-format', 'format'],
    ['a later format version', (doc) => (doc['formatVersion'] = 2), 'unsupported-version', 'formatVersion'],
    ['a primary key that is not base64', (_doc, change) => (change['pk'] = 'not base64!'), 'bad-base64', 'changes[1].pk'],
    ['a blob that is not base64', (_doc, change) => (change['val'] = { blob: '@@@@' }), 'bad-base64', 'changes[1].val.blob'],
    ['an integer with a fraction', (_doc, change) => (change['val'] = { integer: '1.5' }), 'bad-value', 'changes[1].val.integer'],
    ['an integer beyond 64 bits', (_doc, change) => (change['val'] = { integer: '9223372036854775808' }), 'bad-value', 'changes[1].val.integer'],
    ['an unknown value tag', (_doc, change) => (change['val'] = { date: 'today' }), 'bad-value', 'changes[1].val'],
    ['a negative version', (_doc, change) => (change['colVersion'] = -1), 'bad-value', 'changes[1].colVersion'],
    ['a malformed site id', (_doc, change) => (change['siteId'] = 'xyz'), 'bad-value', 'changes[1].siteId'],
    ['a packed key with the wrong arity', (_doc, change) => (change['table'] = 'notes'), 'bad-value', 'changes[1].pk'],
    ['a table the database does not have', (_doc, change) => (change['table'] = 'missing'), 'unknown-table', 'changes[1].table'],
    ['a column the table does not have', (_doc, change) => (change['cid'] = 'colour'), 'unknown-column', 'changes[1].cid'],
  ];

  it.each(cases)('refuses %s with a typed error, writing nothing', async (_label, spoil, problem, path) => {
    source.exec("INSERT INTO items (id, title) VALUES (1, 'first'), (2, 'second')");
    const doc = JSON.parse(JSON.stringify(await sourceClient.exportUnsyncedChanges())) as Record<string, unknown>;
    const changes = doc['changes'] as Record<string, unknown>[];
    expect(changes).toHaveLength(6);
    spoil(doc, changes[1]!);
    const target = await database();
    const refusal = await problemOf(applyUnsyncedChangesExport(fromSqliteConnection(target), doc as unknown as UnsyncedChangesExport));
    expect(refusal).toEqual({ problem, path, kind: 'invalid-export' });
    expect(contents(target)).toEqual([]);
  });

  it('refuses something that is not an export at all', () => {
    for (const value of [null, 'text', [], { changes: [] }]) {
      expect(() => parseUnsyncedChangesExport(value)).toThrow(expect.objectContaining({ kind: 'invalid-export', problem: 'wrong-format' }));
    }
  });
});
